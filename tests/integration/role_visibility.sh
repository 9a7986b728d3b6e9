#!/bin/sh
# role_visibility.sh — a staff role learns nothing of persons outside its
# registers or categories (issue 11, item 11; docs/ARCHITECTURE.md "What a
# role sees"). P is held only in the customer register (with a contract and a
# live sales_promotion consent). For every staff route that takes a person id,
# a contract id, an email or a phone, the answer to a token that cannot see P
# must be byte-identical (status and body, per-request ids and instants left
# out) to its answer about an unknown one; the dpo, who sees everything, still
# gets the real answer. Roles: the example's marketing and dpo, and three
# added here — support (the customer register, the name category only),
# billing (customer: name, email, billing; no contract category) and mkreq
# (marketing only, requests: true). Mailchimp's webhook is declared for the
# marketing register only. CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
R() { "$REKISTERI" "$@"; }

# ---- the declaration: the example, three more roles, Mailchimp given the marketing register ----
sed -e '/^roles:/a\
  - {id: support, name: {fi: Tuki, en: Support}, registers: [customer], categories: [name]}\
  - {id: billing, name: {fi: Laskutus, en: Billing}, registers: [customer],\
     categories: [name, email, billing]}\
  - {id: mkreq, name: {fi: Pyynnöt, en: Requests}, registers: [marketing], requests: true}' \
    -e '/^  - id: mailchimp/,/^    mailchimp:/s/registers: \[customer, marketing\]/registers: [marketing]/' \
    "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >"$T/decl.yaml"
export REKISTERI_DECLARATION="$T/decl.yaml"
export REKISTERI_MAILCHIMP_HOOK_SECRET=role-visibility-hook-secret-0123
R validate "$T/decl.yaml" >/dev/null 2>&1 || { echo "FAIL: the test declaration: $(R validate "$T/decl.yaml" 2>&1 | head -5)"; exit 1; }

R init >/dev/null || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Cecilia Customer" --email cust@example.fi --phone "040 111 2222")
R consent give "$P" --purpose sales_promotion --channel web_form >/dev/null
K=$(R contract add "$P" --register customer --purpose customer_relationship --source contract \
      --service "Lounasseteli" --start 2024-01-01)
MK=$(R token create --name mk --role marketing 2>/dev/null)
SU=$(R token create --name su --role support 2>/dev/null)
BI=$(R token create --name bi --role billing 2>/dev/null)
MR=$(R token create --name mr --role mkreq 2>/dev/null)
DP=$(R token create --name dp --role dpo 2>/dev/null)
NOID=aaaaaaaaaaaaaaaaaaaaaaaaaa   # well formed, nobody's
NOK=baaaaaaaaaaaaaaaaaaaaaaaaa    # well formed, no contract's
[ -n "$P" ] && [ -n "$K" ] && [ -n "$MK" ] && [ -n "$SU" ] && [ -n "$BI" ] && [ -n "$MR" ] \
    && [ -n "$DP" ] && ok || { echo "FAIL: set-up"; exit 1; }

rk_serve "$T/out" "$T/err"

# req NAME TOKEN METHOD PATH [BODY [CONTENT-TYPE]]: "STATUS BODY" in $T/NAME, per-request
# values (fresh person and request ids, instants, dates) replaced by placeholders.
req() {
    n=$1 tok=$2 m=$3 path=$4 body=${5-} type=${6:-application/json}
    set -- -s --max-time 30 -o "$T/$n.b" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $tok"
    [ -n "$body" ] && set -- "$@" -H "Content-Type: $type" --data-binary "$body"
    code=$(curl "$@" "$U$path" </dev/null)
    { echo "$code"; sed -E -e 's/"id":"[a-z2-7]{26}"/"id":"ID"/g' -e 's/R-[A-Z2-7]{12}/R-ID/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:]+Z)?/DATE/g' "$T/$n.b"; } >"$T/$n"
}
# same WHAT A B: the two answers are byte-identical
same() {
    if cmp -s "$T/$2" "$T/$3"; then ok; else bad "$1: $(tr '\n' ' ' <"$T/$2") ≠ $(tr '\n' ' ' <"$T/$3")"; fi
}
# pair WHAT TOKEN METHOD PATH-ABOUT-P PATH-ABOUT-NOBODY [BODY-P [BODY-NOBODY]]
i=0
pair() {
    i=$((i + 1))
    req "p$i" "$2" "$3" "$4" "${6-}"
    req "u$i" "$2" "$3" "$5" "${7-${6-}}"
    same "$1" "p$i" "u$i"
}
code() { head -n 1 "$T/$1"; }

# ---- marketing: P is in the customer register only ----
SP=purpose=sales_promotion
pair "check by email" "$MK" GET "/api/v1/check?email=cust@example.fi&$SP" \
    "/api/v1/check?email=nobody@example.fi&$SP"
pair "check by phone" "$MK" GET "/api/v1/check?phone=040%20111%202222&$SP" \
    "/api/v1/check?phone=040%20999%208888&$SP"
pair "person" "$MK" GET "/api/v1/persons/$P" "/api/v1/persons/$NOID"
pair "find by email" "$MK" GET "/api/v1/persons?q=cust@example.fi" "/api/v1/persons?q=nobody@example.fi"
pair "find by phone" "$MK" GET "/api/v1/persons?q=040%20111%202222" "/api/v1/persons?q=040%20999%208888"
pair "find by name" "$MK" GET "/api/v1/persons?q=Cecilia" "/api/v1/persons?q=Nobody"
MW='"register":"marketing","purpose":"sales_promotion","source":"web_form"'
pair "PATCH person" "$MK" PATCH "/api/v1/persons/$P" "/api/v1/persons/$NOID" \
    "{$MW,\"values\":{\"name\":\"Uusi Nimi\"}}"
pair "consent ledger" "$MK" GET "/api/v1/persons/$P/consents" "/api/v1/persons/$NOID/consents"
pair "give consent" "$MK" POST "/api/v1/persons/$P/consents" "/api/v1/persons/$NOID/consents" \
    '{"purpose":"sales_promotion","channel":"web_form"}'
pair "withdraw consent" "$MK" POST "/api/v1/persons/$P/consents/sales_promotion/withdraw" \
    "/api/v1/persons/$NOID/consents/sales_promotion/withdraw"
pair "contracts" "$MK" GET "/api/v1/persons/$P/contracts" "/api/v1/persons/$NOID/contracts"
pair "invoices" "$MK" GET "/api/v1/persons/$P/invoices" "/api/v1/persons/$NOID/invoices"
pair "add contract" "$MK" POST "/api/v1/persons/$P/contracts" "/api/v1/persons/$NOID/contracts" \
    "{$MW,\"service\":\"X\",\"start\":\"2024-05-01\"}"
pair "add invoice" "$MK" POST "/api/v1/persons/$P/invoices" "/api/v1/persons/$NOID/invoices" \
    "{$MW,\"number\":\"M-1\",\"date\":\"2024-03-01\",\"amount_cents\":100}"
pair "change contract" "$MK" PATCH "/api/v1/contracts/$K" "/api/v1/contracts/$NOK" \
    '{"field":"service","value":"Y"}'
pair "end contract" "$MK" POST "/api/v1/contracts/$K/end" "/api/v1/contracts/$NOK/end"
pair "suppression check" "$MK" GET "/api/v1/suppressions/check?email=cust@example.fi" \
    "/api/v1/suppressions/check?email=nobody@example.fi"
pair "requests" "$MK" POST /api/v1/requests /api/v1/requests \
    '{"type":"access","email":"cust@example.fi"}' '{"type":"access","email":"nobody@example.fi"}'
req aud "$MK" GET "/api/v1/audience?$SP&format=json"
[ "$(code aud)" = 200 ] && ! grep -q "$P" "$T/aud.b" && ok || bad "marketing's audience holds P"

# ---- support: the customer register, but only the name category ----
pair "support: find by email" "$SU" GET "/api/v1/persons?q=cust@example.fi" \
    "/api/v1/persons?q=nobody@example.fi"
pair "support: find by phone" "$SU" GET "/api/v1/persons?q=040%20111%202222" \
    "/api/v1/persons?q=040%20999%208888"
pair "support: check by email" "$SU" GET "/api/v1/check?email=cust@example.fi&$SP" \
    "/api/v1/check?email=nobody@example.fi&$SP"
pair "support: change contract" "$SU" PATCH "/api/v1/contracts/$K" "/api/v1/contracts/$NOK" \
    '{"field":"service","value":"Y"}'
pair "support: end contract" "$SU" POST "/api/v1/contracts/$K/end" "/api/v1/contracts/$NOK/end"
req sup "$SU" GET "/api/v1/persons/$P"   # P is seen, by name only
[ "$(code sup)" = 200 ] && jq -e '.registers[0].values | keys == ["name"]' "$T/sup.b" >/dev/null \
    && ok || bad "support's view of P: $(cat "$T/sup")"
req supn "$SU" GET "/api/v1/persons?q=Cecilia"
jq -e --arg p "$P" '.persons[0].id == $p' "$T/supn.b" >/dev/null && ok \
    || bad "support finds P by name: $(cat "$T/supn")"

# ---- billing: sees P (customer) but not contracts: an invoice naming K is as one naming none ----
CW='"register":"customer","purpose":"customer_relationship","source":"contract"'
pair "billing: invoice on a contract" "$BI" POST "/api/v1/persons/$P/invoices" \
    "/api/v1/persons/$P/invoices" \
    "{$CW,\"number\":\"B-1\",\"date\":\"2024-03-01\",\"amount_cents\":100,\"contract\":\"$K\"}" \
    "{$CW,\"number\":\"B-1\",\"date\":\"2024-03-01\",\"amount_cents\":100,\"contract\":\"$NOK\"}"

# ---- mkreq: requests: true on the marketing register only ----
pair "mkreq: new request" "$MR" POST /api/v1/requests /api/v1/requests \
    '{"type":"access","email":"cust@example.fi"}' '{"type":"access","email":"nobody@example.fi"}'
req mrl "$MR" GET /api/v1/requests
! grep -q "$P" "$T/mrl.b" && ok || bad "mkreq's request list names P: $(cat "$T/mrl")"

# ---- the dpo sees everything: the real answers ----
req d1 "$DP" GET "/api/v1/check?email=cust@example.fi&$SP"
jq -e --arg p "$P" '.allowed == true and .person == $p' "$T/d1.b" >/dev/null && ok \
    || bad "dpo check: $(cat "$T/d1")"
req d2 "$DP" GET "/api/v1/persons/$P"
[ "$(code d2)" = 200 ] && ok || bad "dpo person: $(cat "$T/d2")"
req d3 "$DP" GET "/api/v1/persons?q=cust@example.fi"
jq -e --arg p "$P" '[.persons[].id] | index($p) != null' "$T/d3.b" >/dev/null && ok \
    || bad "dpo find: $(cat "$T/d3")"
req d4 "$DP" PATCH "/api/v1/contracts/$K" '{"field":"service","value":"Lounasseteli Plus"}'
[ "$(code d4)" = 200 ] && ok || bad "dpo change contract: $(cat "$T/d4")"
req d5 "$DP" GET "/api/v1/audience?$SP&format=json"
grep -q "$P" "$T/d5.b" && ok || bad "dpo's audience lacks P"
req d6 "$DP" POST /api/v1/requests '{"type":"access","email":"cust@example.fi"}'
[ "$(code d6)" = 201 ] && jq -e --arg p "$P" '.person_id == $p' "$T/d6.b" >/dev/null && ok \
    || bad "dpo new request: $(cat "$T/d6")"
req d7 "$DP" GET /api/v1/requests
grep -q "$P" "$T/d7.b" && ok || bad "dpo's request list lacks P"

# ---- Mailchimp, given the marketing register: an unsubscribe of P's address answers as for an
# unknown one; the withdrawal still holds for P (the person's wish, wherever they are held) ----
HOOK="$U/hooks/mailchimp/$REKISTERI_MAILCHIMP_HOOK_SECRET"
hook() {
    curl -s --max-time 10 -o "$T/$1.b" -w '%{http_code}\n' -X POST --data-urlencode type=unsubscribe \
        --data-urlencode 'data[list_id]=a1b2c3d4e5' --data-urlencode "data[email]=$2" "$HOOK" >"$T/$1"
    cat "$T/$1.b" >>"$T/$1"
}
hook h1 cust@example.fi
hook h2 nobody@example.fi
same "mailchimp unsubscribe" h1 h2
R consent list "$P" 2>/dev/null | grep -q withdrawn && ok || bad "the unsubscribe did not withdraw P's consent"

# ---- last, marketing's writes naming P's address or phone ----
# A write naming P's address: a new person of the marketing register, answered as for a fresh
# address; P itself stays as it was (docs/ARCHITECTURE.md: writes touching an unseen person).
NEWP="{$MW,\"values\":{\"email\":\"%s\"},\"consent\":{\"channel\":\"web_form\"}}"
pair "add person" "$MK" POST /api/v1/persons /api/v1/persons \
    "$(printf "$NEWP" cust@example.fi)" "$(printf "$NEWP" fresh@example.fi)"
[ "$(code "p$i")" = 201 ] && ok || bad "add person: $(cat "$T/p$i")"
R person show "$P" --format json | jq -e '[.registers[].register] == ["customer"]' >/dev/null \
    && ok || bad "P gained an entry: $(R person show "$P" --format json | head -c 300)"
CSV="name,phone,consent_at
Tuotu,%s,$(date -u +%Y-%m-%d)"
req "imp1" "$MK" POST "/api/v1/import?register=marketing&source=web_form" \
    "$(printf "$CSV" "040 111 2222")" text/csv
req "imp2" "$MK" POST "/api/v1/import?register=marketing&source=web_form" \
    "$(printf "$CSV" "040 999 8888")" text/csv
same "import a row of P's phone" imp1 imp2
[ "$(code imp1)" = 200 ] && jq -e '.imported == 1' "$T/imp1.b" >/dev/null && ok \
    || bad "import: $(cat "$T/imp1")"
# Only pseudonymous ids in the log, never the addresses asked about.
! grep -Eqi "cust@|nobody@|Cecilia" "$T/err" && ok || bad "personal data in the server log"

rk_finish role_visibility
