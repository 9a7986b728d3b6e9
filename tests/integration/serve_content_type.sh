#!/bin/sh
# serve_content_type.sh — the staff API acts on a body only when it is sent
# as application/json (issue 11 item 6, src/http/body.c): each of the
# fourteen staff routes that take a JSON body answers a valid JSON body sent
# as text/plain, as a form (urlencoded or multipart) or with no Content-Type
# with 415 unsupported_media_type, and nothing is written (the audit events
# of the token, the persons, the requests and the suppression list, read
# through the CLI, are as before); sent as application/json, with or without
# charset=utf-8, the same bodies work. POST /api/v1/import likewise needs
# text/csv. The public form routes keep their media types.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
R() { "$REKISTERI" "$@"; }

# ---- the register: P in both registers, Z in marketing, a contract, two open requests ----
R init >/dev/null || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Matti Meikäläinen" --email matti@example.fi)
R person add --register marketing --purpose sales_promotion --source web_form --person "$P" \
  --name "Matti Meikäläinen" --email matti@example.fi --consent-channel web_form >/dev/null
Z=$(R person add --register marketing --purpose sales_promotion --source web_form \
      --name "Zeta Peruja" --email zeta@example.fi --consent-channel web_form)
K=$(R contract add "$P" --register customer --purpose customer_relationship --source contract \
      --service "Lounasseteli" --start 2024-01-01)
RID=$(R request new --type access --email matti@example.fi --name "Matti Meikäläinen" 2>/dev/null)
RID2=$(R request new --type objection --email zeta@example.fi 2>/dev/null)
DP=$(R token create --name dp --role dpo 2>/dev/null)
[ -n "$P" ] && [ -n "$Z" ] && [ -n "$K" ] && [ -n "$RID" ] && [ -n "$RID2" ] && [ -n "$DP" ] \
    && ok || bad "set-up"

rk_serve "$T/out" "$T/err" --sweep-interval 0

# The routes in the order they can all succeed, each with a valid JSON body.
CUST='"register":"customer","purpose":"customer_relationship"'
cat >"$T/routes" <<EOF
POST|/api/v1/persons|{$CUST,"source":"phone","values":{"name":"Uusi Asiakas","email":"uusi@example.fi"}}|201
PATCH|/api/v1/persons/$P|{$CUST,"source":"phone","values":{"position":"Toimitusjohtaja"}}|200
POST|/api/v1/persons/$P/consents|{"purpose":"sales_promotion","channel":"web_form","evidence":"form:ct"}|201
POST|/api/v1/persons/$Z/consents/sales_promotion/withdraw|{"channel":"email","evidence":"ticket 42"}|200
POST|/api/v1/persons/$P/contracts|{$CUST,"source":"contract","service":"Uusi palvelu","start":"2024-05-01"}|201
PATCH|/api/v1/contracts/$K|{"field":"service","value":"Lounasseteli Plus"}|200
POST|/api/v1/contracts/$K/end|{"date":"2024-12-31"}|200
POST|/api/v1/persons/$P/invoices|{$CUST,"source":"contract","number":"CT-1","date":"2024-03-01","amount_cents":100}|201
POST|/api/v1/suppressions|{"email":"kielto@example.fi"}|201
POST|/api/v1/requests|{"type":"objection","email":"kolmas@example.fi"}|201
POST|/api/v1/requests/$RID/verify|{"method":"in_person","document":"passport"}|200
POST|/api/v1/requests/$RID/extend|{"months":1,"reason":"many registers"}|200
POST|/api/v1/requests/$RID/complete|{"note":"copy sent"}|200
POST|/api/v1/requests/$RID2/reject|{"reason":"identity not verified"}|200
EOF
[ "$(wc -l <"$T/routes")" = 14 ] && ok || bad "routes"

# send NAME METHOD PATH BODY TYPE: TYPE "-" sends no Content-Type at all.
send() {
    if [ "$5" = - ]; then
        set -- "$1" "$2" "$3" "$4" -H "Content-Type:"
    else
        set -- "$1" "$2" "$3" "$4" -H "Content-Type: $5"
    fi
    curl -s --max-time 10 -D "$T/$1.h" -o "$T/$1.b" -X "$2" -H "Authorization: Bearer $DP" "$5" "$6" \
        --data-binary "$4" "$U$3"
}
status() { sed -n 's/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h" | tail -n 1; }

state() { # what the CLI shows of everything the routes could change
    R audit list --format json | jq -c '[.[] | select(.actor == "dp")]' # the token's writes
    R person show "$P" --format json
    R person show "$Z" --format json
    R request list --format json
    R suppress check --email kielto@example.fi
    R person find uusi@example.fi
}
state >"$T/before" 2>&1

# ---- every other media type: 415, the usual error body, nothing done ----
i=0
while IFS='|' read -r m path body want; do
    i=$((i + 1))
    for type in text/plain application/x-www-form-urlencoded "multipart/form-data; boundary=x" - \
        "application/json; charset=latin1" "text/json"; do
        n="r$i-$(echo "$type" | tr -c 'a-z0-9' _)"
        send "$n" "$m" "$path" "$body" "$type"
        if [ "$(status "$n")" = 415 ] && jq -e '.error.code == "unsupported_media_type"
            and (.error.message | test("application/json"))' "$T/$n.b" >/dev/null; then
            ok
        else
            bad "$m $path as $type: $(status "$n") $(cat "$T/$n.b")"
        fi
    done
done <"$T/routes"
state >"$T/after" 2>&1
cmp -s "$T/before" "$T/after" && ok || bad "a refused body was acted on: $(diff "$T/before" "$T/after")"

# An empty body where one is optional is no body to mistake: no 415 for its type.
send empty POST "/api/v1/requests/$RID2/complete" "" text/plain
[ "$(status empty)" != 415 ] && ok || bad "an empty optional body refused for its type"

# ---- application/json, in any case, with or without charset=utf-8: done ----
i=0
while IFS='|' read -r m path body want; do
    i=$((i + 1))
    case $((i % 3)) in
    0) type=application/json ;; 1) type="application/json; charset=utf-8" ;;
    *) type="Application/JSON;charset=UTF-8" ;;
    esac
    send "j$i" "$m" "$path" "$body" "$type"
    [ "$(status "j$i")" = "$want" ] && ok || bad "$m $path as $type: $(status "j$i") $(cat "$T/j$i.b")"
done <"$T/routes"
state >"$T/done" 2>&1
R person find uusi@example.fi | grep -q customer && ok || bad "POST person not done"
R suppress check --email kielto@example.fi >/dev/null && ok || bad "suppression not done"
R person show "$P" --format json | jq -e '[.invoices[] | select(.number == "CT-1")] | length == 1' \
    >/dev/null && ok || bad "invoice not done"
R request show "$RID" --format json | jq -e '.status == "completed"' >/dev/null && ok \
    || bad "request not completed"

# ---- the import needs text/csv, and says so when the Content-Type is missing ----
CSV="name,email,consent_at
Tuonti,tuonti@example.fi,$(date -u +%Y-%m-%d)"
send imp0 POST "/api/v1/import?register=marketing&source=web_form" "$CSV" -
[ "$(status imp0)" = 415 ] && jq -e '.error.message | test("text/csv")' "$T/imp0.b" >/dev/null \
    && ok || bad "import without Content-Type: $(status imp0)"
send imp1 POST "/api/v1/import?register=marketing&source=web_form" "$CSV" "text/csv; charset=utf-8"
[ "$(status imp1)" = 200 ] && ok || bad "import as text/csv: $(status imp1) $(cat "$T/imp1.b")"

# ---- the public form keeps its media types: urlencoded and JSON ----
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $U" -d "email=lomake@example.fi&consent=yes" \
    "$U/forms/newsletter")
[ "$code" = 200 ] && ok || bad "urlencoded form: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $U" -H "Content-Type: application/json" \
    -d '{"email":"lomake2@example.fi","consent":true}' "$U/forms/newsletter")
[ "$code" = 202 ] || [ "$code" = 200 ] && ok || bad "JSON form: $code"

grep -q "kielto@\|uusi@\|kolmas@" "$T/err" && bad "personal data in the log" || ok

rk_finish
