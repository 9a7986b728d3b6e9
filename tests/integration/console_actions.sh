#!/bin/sh
# console_actions.sh — the staff API routes the console's pages act through
# (issue 12, "actions"): the erasure preview and erasure, restriction and
# objection, another register for a person already held, imports as jobs and
# their preview, the audience summary, failed mail and recipient notices with
# retry, and the declaration's notice, record and lint. Each route is refused
# (403) to a role without its capability, and each refusal it makes is
# provoked. Roles: the example's marketing, sales and dpo. CTest sets
# REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${RK_FORCE:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
R() { "$REKISTERI" "$@"; }
# The example, its billing data kept under the Accounting Act (as the preview must show).
sed -e '/^    kind: billing$/a\
    erasure:\
      keep_years: 6\
      from: end_of_calendar_year\
      obligation: {fi: Kirjanpitolaki 1336/1997 2:10, en: Accounting Act 1336/1997 2:10}' \
    "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >"$T/decl.yaml"
export REKISTERI_DECLARATION="$T/decl.yaml"
R validate "$T/decl.yaml" >/dev/null 2>&1 || { echo "FAIL: the test declaration: $(R validate "$T/decl.yaml" 2>&1 | head -5)"; exit 1; }

R init >/dev/null || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Cecilia Customer" --email cust@example.fi --phone "040 111 2222")
R invoice add "$P" --register customer --purpose customer_relationship --source contract \
    --number 2026-1 --date 2026-01-15 --amount 120.00 >/dev/null
Q=$(R person add --register marketing --purpose sales_promotion --source web_form \
      --name "Quentin Quiet" --email quentin@example.fi --consent-channel web_form 2>/dev/null ||
    R person add --register marketing --purpose sales_promotion --source web_form \
      --name "Quentin Quiet" --email quentin@example.fi)
MK=$(R token create --name mk --role marketing 2>/dev/null)
SA=$(R token create --name sa --role sales 2>/dev/null)
DP=$(R token create --name dp --role dpo 2>/dev/null)
[ -n "$P" ] && [ -n "$Q" ] && [ -n "$MK" ] && [ -n "$SA" ] && [ -n "$DP" ] && ok ||
    { echo "FAIL: set-up ($P/$Q)"; exit 1; }

rk_serve "$T/out" "$T/err"

# req TOKEN METHOD PATH [BODY [CONTENT-TYPE]]: the status in $code, the body in $T/b,
# the headers in $T/h.
req() {
    tok=$1 m=$2 path=$3 body=${4-} type=${5:-application/json}
    set -- -s --max-time 30 -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" \
        -H "Authorization: Bearer $tok"
    [ -n "$body" ] && set -- "$@" -H "Content-Type: $type" --data-binary "$body"
    code=$(curl "$@" "$U$path" </dev/null)
}
# expect WHAT STATUS [GREP-PATTERN]: the last answer's status, and its body matches.
expect() {
    if [ "$code" != "$2" ]; then
        bad "$1: status $code, expected $2: $(head -c 300 "$T/b")"
    elif [ -n "${3-}" ] && ! grep -q -- "$3" "$T/b"; then
        bad "$1: body lacks $3: $(head -c 400 "$T/b")"
    else
        ok
    fi
}

# ---- capabilities: each route refuses a role without its capability ----
req "$MK" GET "/api/v1/persons/$P/erasure";        expect "preview without RIGHTS" 403 '"forbidden"'
req "$MK" POST "/api/v1/persons/$Q/erase" '{"confirm":"x"}'; expect "erase without RIGHTS" 403 "rights"
req "$SA" POST "/api/v1/persons/$P/restrict" '{}'; expect "restrict without RIGHTS" 403 "rights"
req "$SA" POST "/api/v1/persons/$P/object" '{"grounds":"x"}'; expect "object without RIGHTS" 403
req "$SA" GET "/api/v1/outbox?state=failed";       expect "outbox without RECIPIENTS" 403 "recipients"
req "$MK" GET "/api/v1/notices?state=failed";      expect "notices without RECIPIENTS" 403
req "$SA" POST "/api/v1/outbox/1/retry";           expect "outbox retry without RECIPIENTS" 403
req "$SA" POST "/api/v1/notices/1/retry";          expect "notice retry without RECIPIENTS" 403
req "" GET "/api/v1/declaration/lint";             expect "lint without a token" 401

# ---- the erasure preview ----
req "$DP" GET "/api/v1/persons/$P/erasure"
expect "preview" 200 '"person_deleted":false'
grep -q '"registers":\[{"id":"customer"' "$T/b" && ok || bad "preview: the customer register: $(cat "$T/b")"
grep -q '"what":"invoices","count":1,"until":"20[0-9][0-9]-12-31"' "$T/b" && ok ||
    bad "preview: the invoice kept until the end of its period: $(cat "$T/b")"
grep -q '"obligation":{"fi":' "$T/b" && ok || bad "preview: the declared obligation: $(cat "$T/b")"
grep -q '"suppress":{"email":true,"phone":true}' "$T/b" && ok || bad "preview: suppression: $(cat "$T/b")"
grep -q '"recipients":\[{"id":"salesforce"' "$T/b" && ok || bad "preview: recipients: $(cat "$T/b")"
grep -q 'cust@example' "$T/b" && bad "preview: shows the email" || ok
[ "$(R person show "$P" 2>/dev/null | grep -c .)" -gt 0 ] && ok || bad "preview erased something"
req "$DP" GET "/api/v1/persons/aaaaaaaaaaaaaaaaaaaaaaaaaa/erasure"; expect "preview of nobody" 404

# ---- erasure: confirm must match ----
req "$DP" POST "/api/v1/persons/$P/erase" '{"confirm":"Someone Else"}'
expect "erase, wrong confirmation" 422 '"confirm_mismatch"'
req "$DP" POST "/api/v1/persons/$P/erase" '{}';   expect "erase, no confirmation" 400
req "$DP" POST "/api/v1/persons/$P/erase" 'confirm=x' application/x-www-form-urlencoded
expect "erase, not JSON" 415
req "$DP" GET "/api/v1/persons/$P";               expect "still there after refusals" 200
req "$DP" POST "/api/v1/persons/$P/erase" '{"confirm":"Cecilia Customer"}'
expect "erase by name" 200 '"kept":{"invoices":1'
req "$DP" GET "/api/v1/persons/$P";               expect "erased person gone" 404
req "$DP" GET "/api/v1/suppressions/check?email=cust@example.fi"
expect "erased email suppressed" 200 'true'

# ---- restriction and objection ----
req "$DP" POST "/api/v1/persons/$Q/restrict" '{}';  expect "restrict" 200 '"restricted":true'
req "$DP" POST "/api/v1/persons/$Q/restrict" '{}';  expect "restrict twice" 422
req "$DP" POST "/api/v1/persons/$Q/restrict" '{"lift":"yes"}'; expect "restrict, lift not bool" 400
req "$DP" POST "/api/v1/persons/$Q/restrict" '{"lift":true}'; expect "lift" 200 '"restricted":false'
req "$DP" POST "/api/v1/persons/$Q/object" '{}';    expect "object, nothing given" 400
req "$DP" POST "/api/v1/persons/$Q/object" '{"purpose":"customer_relationship"}'
expect "object to a purpose not on consent" 422
req "$DP" POST "/api/v1/persons/$Q/object" '{"grounds":"I moved abroad"}'
expect "object with grounds" 200 '"review_task"'
[ "$(R tasks list --kind objection_review | grep -c "$Q")" = 1 ] && ok || bad "object: no review task"

# ---- another register for a person already held ----
E='{"register":"customer","purpose":"customer_relationship","source":"meeting","values":{"name":"Quentin Quiet","phone":"040 333 4444"}}'
req "$MK" POST "/api/v1/persons/$Q/entries" "$E";  expect "entries, register not granted" 403
req "$DP" POST "/api/v1/persons/aaaaaaaaaaaaaaaaaaaaaaaaaa/entries" "$E"; expect "entries, nobody" 404
req "$DP" POST "/api/v1/persons/$Q/entries" '{"register":"customer"}'; expect "entries, incomplete" 400
req "$DP" POST "/api/v1/persons/$Q/entries" "$E";  expect "entries" 201 '"register":"customer"'
req "$DP" GET "/api/v1/persons/$Q";                expect "in both registers" 200 '"register":"customer"'
req "$DP" POST "/api/v1/persons/$Q/entries" "$E";  expect "entries twice" 409

# ---- import: preview, job, progress, rejects ----
CSV=$(printf 'nimi,sähköposti,puhelin\nAino Aalto,aino@example.fi,\nBad Row,not-an-address,\nCarl Cole,,040 555 6666\n')
IQ="register=customer&purpose=customer_relationship&source=meeting"
req "$SA" POST "/api/v1/imports/preview?$IQ" "$CSV" text/csv
expect "import preview" 200 '{"header":"sähköposti","field":"email"}'
grep -q '"rows":\[\["Aino Aalto"' "$T/b" && ok || bad "preview rows: $(cat "$T/b")"
grep -q '"line":3,"column":"email"' "$T/b" && ok || bad "preview errors: $(cat "$T/b")"
req "$SA" POST "/api/v1/imports/preview?$IQ" "$(printf 'foo,bar\n1,2\n')" text/csv
expect "preview, unknown header" 200 '"field":null'
req "$SA" POST "/api/v1/imports/preview?$IQ" "$CSV" application/json
expect "preview, not CSV" 415
req "$MK" POST "/api/v1/imports?$IQ" "$CSV" text/csv; expect "import job, register not granted" 403
req "$SA" POST "/api/v1/imports?register=customer" "$CSV" text/csv; expect "import job, no source" 400
req "$SA" POST "/api/v1/imports?$IQ" "$CSV" text/csv; expect "import job" 202 '"id"'
J=$(sed -n 's/.*"id":"\([a-z0-9]*\)".*/\1/p' "$T/b")
for _ in $(seq 100); do
    req "$SA" GET "/api/v1/imports/$J"
    grep -q '"state":"running"' "$T/b" || break
    sleep 0.1
done
expect "import job done" 200 '"state":"done","rows_total":3,"rows_done":3,"imported":2,"rejected":1'
req "$SA" GET "/api/v1/imports/$J/rejects.csv"; expect "rejects.csv" 200 '^3,"email",'
grep -qi '^content-disposition: attachment' "$T/h" && ok || bad "rejects.csv: not an attachment"
grep -q 'not-an-address' "$T/b" && bad "rejects.csv repeats the value" || ok
req "$DP" GET "/api/v1/imports/$J";             expect "another's import job" 404
req "$DP" GET "/api/v1/imports/$J/rejects.csv"; expect "another's rejects" 404
req "$SA" GET "/api/v1/imports/nosuchjob";      expect "unknown import job" 404
req "$SA" POST "/api/v1/import?$IQ" "$(printf 'name,email\nOld Route,old@example.fi\n')" text/csv
expect "POST /api/v1/import still works" 200 '"imported":1'

# ---- the audience summary ----
R consent give "$Q" --purpose sales_promotion --channel web_form >/dev/null 2>&1
req "$MK" GET "/api/v1/audience/summary?purpose=sales_promotion"
expect "audience summary" 200 '"purpose":"sales_promotion","count":'
grep -q '"excluded":{"no_consent":[0-9]*,"expired":[0-9]*,"withdrawn":[0-9]*,"restricted":[0-9]*,"objected":[0-9]*,"suppressed":[0-9]*}' "$T/b" &&
    ok || bad "audience summary reasons: $(cat "$T/b")"
req "$MK" GET "/api/v1/audience/summary";       expect "audience summary, no purpose" 400
req "$MK" GET "/api/v1/audience/summary?purpose=customer_relationship"
expect "audience summary, purpose outside the role" 403
req "$DP" GET "/api/v1/audience/summary?purpose=customer_relationship"
expect "audience summary, purpose not on consent" 400 'consent'
R rights restrict "$Q" >/dev/null
req "$MK" GET "/api/v1/audience/summary?purpose=sales_promotion"
expect "audience summary counts the restricted" 200 '"restricted":1'
R rights restrict "$Q" --lift >/dev/null

# ---- failed mail and notices, retry ----
# No relay or connector fails here: tests/tools/rk_force.c forces the failures, and reads
# the states back, through the store's operations (the service may be writing meanwhile).
R mail test --to ops@example.fi >/dev/null 2>&1
R mail test --to ops2@example.fi >/dev/null 2>&1
# Both fail; the newer one's sealed content wiped first (its retry has nothing to send).
"$RK_FORCE" mail-fail test 2026-01-01T00:00:00Z 'smtp 550 refused' --wipe-last >"$T/mids" ||
    bad "rk_force: failing the test mail"
M1=$(head -n 1 "$T/mids")
M2=$(tail -n 1 "$T/mids")
req "$DP" GET "/api/v1/outbox?state=failed";    expect "failed mail" 200 '"error_class":"smtp"'
grep -q 'ops@example' "$T/b" && bad "failed mail shows the address" || ok
req "$DP" GET "/api/v1/outbox?state=sent";      expect "outbox, other state" 400
req "$DP" POST "/api/v1/outbox/$M1/retry";      expect "mail retry" 202 '"queued"'
[ "$("$RK_FORCE" mail-state "$M1")" = queued ] && ok ||
    bad "mail retry: not queued"
req "$DP" POST "/api/v1/outbox/$M1/retry";      expect "mail retry, not failed" 404
req "$DP" POST "/api/v1/outbox/$M2/retry";      expect "mail retry, content gone" 409 'cannot_retry'
req "$DP" POST "/api/v1/outbox/abc/retry";      expect "mail retry, bad id" 404
# The first notices still open: the service's deliverer finishes those to Salesforce (no
# connector) at once, those to Mailchimp wait for a retry.
N1=$("$RK_FORCE" notice-first "$Q")
N0=$("$RK_FORCE" notice-first "$P")
[ -n "$N1" ] && [ -n "$N0" ] && ok || bad "no notices queued ($N0/$N1)"
"$RK_FORCE" notice-fail 2026-01-01T00:00:00Z 'http 410 gone' "$N0" "$N1" ||
    bad "rk_force: failing the notices"
req "$DP" GET "/api/v1/notices?state=failed";   expect "failed notices" 200 '"error_class":"http"'
grep -q 'quentin@' "$T/b" && bad "failed notices show the identity" || ok
req "$DP" POST "/api/v1/notices/$N1/retry";     expect "notice retry" 202
[ "$("$RK_FORCE" notice-state "$N1")" = 'queued|1' ] &&
    ok || bad "notice retry: not queued with a sealed identity"
req "$DP" POST "/api/v1/notices/$N0/retry";     expect "notice retry, person erased" 409 'by hand'
req "$DP" POST "/api/v1/notices/999999/retry";  expect "notice retry, unknown" 404

# ---- the declaration ----
req "$MK" GET "/api/v1/declaration/notice?lang=en"; expect "notice" 200 '<html'
req "$MK" GET "/api/v1/declaration/notice?lang=sv"; expect "notice, unknown language" 400
req "$MK" GET "/api/v1/declaration/record?format=md&lang=fi"; expect "record md" 200 '##'
grep -qi '^content-disposition: attachment; filename="seloste.md"' "$T/h" && ok ||
    bad "record: disposition: $(cat "$T/h")"
req "$MK" GET "/api/v1/declaration/record?format=json&lang=en"; expect "record json" 200 'record_of_processing'
req "$MK" GET "/api/v1/declaration/record?format=dpv"; expect "record dpv" 200 '"@context"'
grep -qi 'Content-Type: application/ld+json' "$T/h" && grep -q 'seloste.jsonld' "$T/h" && ok \
    || bad "record dpv headers: $(cat "$T/h")"
req "$MK" GET "/api/v1/declaration/record?format=xml"; expect "record, unknown format" 400
req "$MK" GET "/api/v1/declaration/lint";       expect "lint" 200 '"findings":\['

# ---- personal data stays out of the log and the audit chain ----
grep -q 'cust@example\|Cecilia\|quentin@' "$T/err" && bad "the log names a person" || ok
R audit verify >/dev/null 2>&1 && ok || bad "audit verify"
R audit list 2>/dev/null | grep -q 'rights.erase_preview' && ok || bad "the preview is not audited"

rk_finish console_actions
