#!/bin/sh
# people_api.sh — the staff console's people and overview routes over
# loopback (src/http/api_people.c, core/search.c): the search finds
# "Meikäläinen" by "meikalainen" and by a word prefix, by organisation, with
# the register, consent and since filters, a page at a time through `next`
# without repeats, exactly as each role sees (marketing only its register,
# sales only the customer register), and still finds by exact email in the
# old shape; each refusal once (a malformed cursor, consent without a
# purpose, a register or purpose not granted, a limit out of range); the
# person record with provenance, the ledger's notice versions, contract
# history, requests and audit trail for the dpo and the reduced record
# (no requests or audit, 404 for an unseen person) for marketing; the
# overview's sections per role, its counts from the counters; and
# POST /api/v1/audit/verify (dpo only) and `audit verify` recording "last
# verified". CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
R() { "$REKISTERI" "$@"; }

# ---- P in both registers, Q customer only, Z marketing only, Y a customer who withdrew ----
R init >/dev/null || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Matti Meikäläinen" --email matti@example.fi --organisation "Örkki Oy")
R person add --register marketing --purpose sales_promotion --source web_form --person "$P" \
  --name "Matti Meikäläinen" --email matti@example.fi --consent-channel web_form >/dev/null
Q=$(R person add --register customer --purpose customer_relationship --source phone \
      --name "Cecilia Cederlöf" --email cecilia@example.fi --organisation "Smartum Oy")
Z=$(R person add --register marketing --purpose sales_promotion --source web_form \
      --name "Maija Meikäläinen" --email maija@example.fi --consent-channel web_form)
Y=$(R person add --register marketing --purpose sales_promotion --source web_form \
      --name "Yrjö Ylönen" --email yrjo@example.fi --consent-channel web_form)
K=$(R contract add "$P" --register customer --purpose customer_relationship --source contract \
      --service "Lounasseteli" --start 2024-01-01)
R contract change "$K" --field service --value "Lounasseteli Plus" >/dev/null 2>&1
RID=$(R request new --type access --email matti@example.fi --name "Matti Meikäläinen" 2>/dev/null)
R person add --register customer --purpose customer_relationship --source phone --person "$Y" \
  --name "Yrjö Ylönen" >/dev/null
R consent withdraw "$Y" --purpose sales_promotion >/dev/null 2>&1   # Y stays a customer
DP=$(R token create --name dp --role dpo 2>/dev/null)
MK=$(R token create --name mk --role marketing 2>/dev/null)
SA=$(R token create --name sa --role sales 2>/dev/null)
[ -n "$P" ] && [ -n "$Q" ] && [ -n "$Z" ] && [ -n "$Y" ] && [ -n "$K" ] && [ -n "$RID" ] \
    && [ -n "$DP" ] && [ -n "$MK" ] && [ -n "$SA" ] && ok || bad "set-up"

rk_serve "$T/out" "$T/err" --sweep-interval 0

# req NAME TOKEN METHOD PATH: the body in $T/NAME.b, the status in $T/NAME.s
req() {
    curl -s -o "$T/$1.b" -w '%{http_code}' -X "$3" -H "Authorization: Bearer $2" "$U$4" \
        >"$T/$1.s"
}
st() { cat "$T/$1.s"; }
j() { jq -e "$2" "$T/$1.b" >/dev/null; }

# ---- search ----
req s1 "$DP" GET "/api/v1/persons?q=meikalainen"
[ "$(st s1)" = 200 ] && j s1 '.persons | length == 2' && j s1 ".next == null" \
    && j s1 "[.persons[].name] | sort == [\"Maija Meikäläinen\", \"Matti Meikäläinen\"]" \
    && ok || bad "accent-free search: $(st s1) $(cat "$T/s1.b")"
jq -e --arg p "$P" '.persons[] | select(.id == $p) | .registers == ["customer", "marketing"]
    and .email == "matti@example.fi" and .organisation == "Örkki Oy" and (.added | test("Z$"))' \
    "$T/s1.b" >/dev/null && ok || bad "a person in the list: $(cat "$T/s1.b")"
req s2 "$DP" GET "/api/v1/persons?q=MEIK%C3%84%20mat"
j s2 '.persons | length == 1' && j s2 ".persons[0].id == \"$P\"" && ok || bad "two words: $(cat "$T/s2.b")"
req s3 "$DP" GET "/api/v1/persons?organisation=orkki"
j s3 ".persons | map(.id) == [\"$P\"]" && ok || bad "organisation: $(cat "$T/s3.b")"
req s4 "$DP" GET "/api/v1/persons?q=meikalainen&register=customer"
j s4 ".persons | map(.id) == [\"$P\"]" && ok || bad "register filter: $(cat "$T/s4.b")"
req s5 "$DP" GET "/api/v1/persons?purpose=sales_promotion&consent=withdrawn"
j s5 ".persons | map(.id) == [\"$Y\"]" && ok || bad "consent filter: $(cat "$T/s5.b")"
req s6 "$DP" GET "/api/v1/persons?purpose=sales_promotion&consent=given"
j s6 ".persons | map(.id) | sort == ([\"$P\", \"$Z\"] | sort)" && ok || bad "given: $(cat "$T/s6.b")"
req s7 "$DP" GET "/api/v1/persons?since=2999-01-01"
j s7 '.persons == [] and .next == null' && ok || bad "since: $(cat "$T/s7.b")"
# paging: one a page, every person once
seen="" after="" pages=0
while [ $pages -lt 6 ]; do
    req pg "$DP" GET "/api/v1/persons?limit=1${after:+&after=$after}"
    [ "$(st pg)" = 200 ] || break
    seen="$seen $(jq -r '.persons[].id' "$T/pg.b")"
    pages=$((pages + 1))
    after=$(jq -r '.next // empty' "$T/pg.b")
    [ -n "$after" ] || break
done
n=$(echo $seen | tr ' ' '\n' | sort -u | wc -l)
[ $pages = 4 ] && [ "$n" = 4 ] && ok || bad "paging: $pages pages, $n persons: $seen"
# the roles' views
req m1 "$MK" GET "/api/v1/persons?q=meikalainen"
j m1 '[.persons[].registers[]] | unique == ["marketing"]' && j m1 '.persons | length == 2' \
    && ok || bad "marketing's search: $(cat "$T/m1.b")"
req m2 "$MK" GET "/api/v1/persons?q=cederlof"
j m2 '.persons == []' && ok || bad "marketing finds a customer-only person: $(cat "$T/m2.b")"
req m3 "$SA" GET "/api/v1/persons?q=meikalainen"
j m3 ".persons | map(.id) == [\"$P\"]" && j m3 '.persons[0].registers == ["customer"]' \
    && ok || bad "sales' search: $(cat "$T/m3.b")"
req m4 "$MK" GET "/api/v1/persons?organisation=smartum"
j m4 '.persons == []' && ok || bad "marketing by organisation: $(cat "$T/m4.b")"
# the old shape: exact email, entries with register and values
req o1 "$MK" GET "/api/v1/persons?q=matti@example.fi"
j o1 '.persons | length == 1 and .[0].register == "marketing" and (.[0].values | has("email"))
    and .[0].truncated == null' && j o1 '.truncated == false' && ok || bad "old shape: $(cat "$T/o1.b")"
# each refusal once
req r1 "$DP" GET "/api/v1/persons?after=w1.zz"
[ "$(st r1)" = 400 ] && j r1 '.error.message | test("after")' && ok || bad "bad cursor: $(st r1)"
req r2 "$DP" GET "/api/v1/persons?consent=given"
[ "$(st r2)" = 400 ] && j r2 '.error.message | test("purpose")' && ok || bad "consent alone: $(st r2)"
req r3 "$MK" GET "/api/v1/persons?register=customer"
[ "$(st r3)" = 403 ] && j r3 '.error.code == "forbidden"' && ok || bad "register not granted: $(st r3)"
req r4 "$MK" GET "/api/v1/persons?purpose=customer_relationship&consent=given"
[ "$(st r4)" = 403 ] && ok || bad "purpose not granted: $(st r4)"
req r5 "$DP" GET "/api/v1/persons?limit=101"
[ "$(st r5)" = 400 ] && ok || bad "limit: $(st r5)"
req r6 "$DP" GET "/api/v1/persons?q=--"
[ "$(st r6)" = 400 ] && j r6 '.error.message | test("no letter")' && ok || bad "q without a word: $(st r6)"
req r7 x GET "/api/v1/persons?q=meikalainen"
[ "$(st r7)" = 401 ] && ok || bad "no token: $(st r7)"
# every person shown is audited as a read, never with the query
sleep 1 # reads ride to the audit chain with the writer's next group, not awaited
R audit list --format json 2>/dev/null | jq -e --arg p "$Z" \
    '[.[] | select(.action == "person.read" and .person == $p and .actor == "mk")] | length >= 1' \
    >/dev/null && ok || bad "search not audited"
! R audit list --format json 2>/dev/null | grep -q meikalainen && ok || bad "the query in the audit"

# ---- the record ----
req d1 "$DP" GET "/api/v1/persons/$P/record"
[ "$(st d1)" = 200 ] && j d1 '.registers | map(.register) == ["customer", "marketing"]' \
    && j d1 '.registers[0].values.email | .value == "matti@example.fi" and .source.kind == "web_form"
        and .purpose == "customer_relationship" and (.at | test("Z$")) and (.by | length > 0)' \
    && ok || bad "record values: $(st d1) $(cat "$T/d1.b")"
j d1 '.consents | length >= 1 and all(.notice_version | length > 0) and .[0].evidence.channel == "web_form"' \
    && ok || bad "record consents: $(jq -c .consents "$T/d1.b")"
j d1 ".contracts[0].id == \"$K\" and (.contracts[0].history | length >= 1)" \
    && ok || bad "record contracts: $(jq -c .contracts "$T/d1.b")"
j d1 ".requests | map(.id) == [\"$RID\"]" && j d1 '.audit | any(.action == "person.add")' \
    && ok || bad "record requests and audit: $(jq -c '{requests, audit}' "$T/d1.b")"
req d2 "$MK" GET "/api/v1/persons/$P/record"
j d2 '.registers | map(.register) == ["marketing"]' && j d2 '.requests == null and .audit == null
    and .contracts == [] and .invoices == []' && ok || bad "marketing's record: $(cat "$T/d2.b")"
req d3 "$MK" GET "/api/v1/persons/$Q/record"
req d4 "$MK" GET "/api/v1/persons/AAAAAAAAAAAAAAAAAAAAAAAAAA/record"
[ "$(st d3)" = 404 ] && cmp -s "$T/d3.b" "$T/d4.b" && ok || bad "unseen vs unknown: $(st d3) $(st d4)"

# ---- the overview ----
req v1 "$DP" GET /api/v1/overview
[ "$(st v1)" = 200 ] && j v1 '.registers == [{"id":"customer","persons":3},{"id":"marketing","persons":2}]' \
    && ok || bad "overview registers: $(st v1) $(jq -c .registers "$T/v1.b")"
j v1 ".requests | length == 1 and .[0].id == \"$RID\" and .[0].days_left >= 27 and .[0].overdue == false" \
    && ok || bad "overview requests: $(jq -c .requests "$T/v1.b")"
j v1 '.consents_weekly | length == 26 and (last.week | test("^[0-9]{4}-W[0-9]{2}$"))
        and (map(.given) | add) == 3 and (map(.withdrawn) | add) == 1' \
    && ok || bad "overview weeks: $(jq -c '.consents_weekly[-2:]' "$T/v1.b")"
j v1 '.audience == [{"purpose":"sales_promotion","size":2}] and .tasks.art14 == 0
        and .failed == {"mail":0,"notices":0} and .audit.head > 0 and .audit.verified_at == null' \
    && ok || bad "overview: $(jq -c '{audience, tasks, failed, audit, sweep}' "$T/v1.b")"
req v2 "$MK" GET /api/v1/overview
j v2 '.registers == [{"id":"marketing","persons":2}] and .requests == null and .audit == null
        and .failed == null and .tasks == null and .sweep == null' \
    && ok || bad "marketing's overview: $(cat "$T/v2.b")"
req v3 "$SA" GET /api/v1/overview
j v3 '.registers == [{"id":"customer","persons":3}] and .requests == null and .audit == null' \
    && ok || bad "sales' overview: $(cat "$T/v3.b")"

# ---- recording the audit chain's verification ----
req a1 "$MK" POST /api/v1/audit/verify
[ "$(st a1)" = 403 ] && j a1 '.error.code == "forbidden"' && ok || bad "verify by marketing: $(st a1)"
req a2 "$DP" POST /api/v1/audit/verify
[ "$(st a2)" = 200 ] && j a2 '.ok == true and .events > 0' && ok || bad "verify: $(st a2) $(cat "$T/a2.b")"
req v4 "$DP" GET /api/v1/overview
j v4 '.audit.verified_ok == true and (.audit.verified_at | test("Z$"))' \
    && ok || bad "verified not shown: $(jq -c .audit "$T/v4.b")"
REKISTERI_NOW=2030-01-01T00:00:00Z R audit verify >/dev/null 2>&1 && ok || bad "audit verify"
req v5 "$DP" GET /api/v1/overview
j v5 '.audit.verified_at == "2030-01-01T00:00:00Z"' && ok || bad "CLI verify not recorded: $(jq -c .audit "$T/v5.b")"

rk_finish people_api
