#!/bin/sh
# fake_salesforce.sh — proves the fake Salesforce REST API and Bulk API 2.0
# (tests/tools/fake_salesforce.c) with curl, so that the client tests that use
# it stand on a fake that behaves as documented: the client-credentials token
# (invalid_client, unsupported_grant_type), the Bearer token (401
# INVALID_SESSION_ID without one and after --token-ttl), the Contact upsert by
# external id (201 created, 200 updated; INVALID_FIELD, INVALID_EMAIL_ADDRESS,
# REQUIRED_FIELD_MISSING), DELETE by external id (204, then 404 NOT_FOUND), the
# update by record Id that links a Contact (204; DUPLICATE_VALUE, NOT_FOUND),
# a token spent after --token-uses requests,
# the SOQL query with paging, an ingest job going Open → UploadComplete →
# InProgress → JobComplete with its failedResults CSV, 403
# REQUEST_LIMIT_EXCEEDED every Nth request, 429 with Retry-After, the seed,
# the request log (field names, never the token request's values) and the
# state dump. CTest sets FAKE_SALESFORCE and RK_SOURCE_DIR.
set -u
: "${RK_SOURCE_DIR:?}" "${FAKE_SALESFORCE:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
V=/services/data/v60.0
EXT=Rekisteri_Id__c
R=Processing_Restricted__c

start_fake() {
    _n=$1
    shift
    "$FAKE_SALESFORCE" --max-seconds 250 "$@" >"$T/$_n.out" 2>"$T/$_n.err" &
    fake_pid=$!
    pids="$pids $fake_pid"
    FP=
    rk_wait_file "$T/$_n.out" && FP=$(head -n 1 "$T/$_n.out")
    [ -n "$FP" ] || { echo "FAIL: fake_salesforce did not start: $(cat "$T/$_n.err")"; exit 1; }
}
stop_fake() {
    rk_stop "$fake_pid"
    check "clean exit of $_n" "0 0" "$? $(wc -c <"$T/$_n.err")"
    [ -s "$T/$_n.err" ] && cat "$T/$_n.err" >&2
}
check() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
# tok [ID SECRET]: fetches a token into TOK, its status into ST.
tok() {
    ST=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
        --data-urlencode grant_type=client_credentials --data-urlencode "client_id=${1:-FAKE_ID}" \
        --data-urlencode "client_secret=${2:-FAKE_SECRET}" "http://127.0.0.1:$FP/services/oauth2/token")
    TOK=$(jq -r '.access_token // empty' "$T/body")
}
# sf METHOD PATH [BODY [CONTENT-TYPE]]: prints the status; the body in $T/body.
sf() {
    _m=$1 _p=$2
    if [ -n "${3:-}" ]; then
        set -- -H "Content-Type: ${4:-application/json}" --data-binary "$3"
    else
        set --
    fi
    curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X "$_m" -H "Authorization: Bearer $TOK" \
        "$@" "http://127.0.0.1:$FP$_p"
}
code() { jq -r '.[0].errorCode' "$T/body"; }
field() { jq -r "$1" "$T/body"; }
state() { curl -s "http://127.0.0.1:$FP/_fake/state" | jq -r "$1"; }

cat >"$T/seed.json" <<'EOF'
{"contacts": [
  {"FirstName": "Seed", "LastName": "One", "Email": "seed.one@example.org", "Title": "CEO"},
  {"LastName": "Two", "Email": "seed.two@example.org", "Rekisteri_Id__c": "seedtwoaaaaaaaaaaaaaaaaaaa"},
  {"LastName": "Three"}
]}
EOF
start_fake main --seed "$T/seed.json" --log "$T/log" --page-size 2

# OAuth.
tok FAKE_ID wrong
check "token: bad secret" 400 "$ST"
check "token: invalid_client" invalid_client "$(field .error)"
tok nobody FAKE_SECRET
check "token: bad id" 400 "$ST"
check "token: grant" 400 "$(curl -s -o "$T/body" -w '%{http_code}' -X POST -d grant_type=password \
    "http://127.0.0.1:$FP/services/oauth2/token")"
check "token: unsupported_grant_type" unsupported_grant_type "$(field .error)"
TOK=nothing
check "no token" 401 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "no token: code" INVALID_SESSION_ID "$(code)"
tok
check "token" 200 "$ST"
check "token: answer" "true true true" "$(jq -r '[(.instance_url == "http://127.0.0.1:'"$FP"'"),
    (.token_type == "Bearer"), (.issued_at|test("^[0-9]+$"))]|join(" ")' "$T/body")"

# Upsert by external id.
P1=aaaaaaaaaaaaaaaaaaaaaaaaaa
B1='{"FirstName":"Anna","LastName":"Virtanen","Email":"anna@example.fi","Phone":"+358401234567","Processing_Restricted__c":false}'
check "create" 201 "$(sf PATCH "$V/sobjects/Contact/$EXT/$P1" "$B1")"
check "create: answer" "true true 18" "$(jq -r '[.created, .success, (.id|length)]|join(" ")' "$T/body")"
ID1=$(field .id)
check "update" 200 "$(sf PATCH "$V/sobjects/Contact/$EXT/$P1" '{"Phone":null,"Processing_Restricted__c":true}')"
check "update: answer" "false $ID1" "$(jq -r '[.created, .id]|join(" ")' "$T/body")"
check "update: state" "Anna null true" "$(state ".contacts[] | select(.$EXT == \"$P1\") | [.FirstName, .Phone, .$R]|map(tostring)|join(\" \")")"
check "unknown field" 400 "$(sf PATCH "$V/sobjects/Contact/$EXT/$P1" '{"Birthdate":"2000-01-01"}')"
check "unknown field: code" "INVALID_FIELD Birthdate" "$(jq -r '.[0] | [.errorCode, .fields[0]]|join(" ")' "$T/body")"
check "ext id in body" 400 "$(sf PATCH "$V/sobjects/Contact/$EXT/$P1" '{"Rekisteri_Id__c":"x"}')"
check "bad email" 400 "$(sf PATCH "$V/sobjects/Contact/$EXT/bbbb" '{"LastName":"X","Email":"nope"}')"
check "bad email: code" INVALID_EMAIL_ADDRESS "$(code)"
check "no LastName" 400 "$(sf PATCH "$V/sobjects/Contact/$EXT/bbbb" '{"Email":"b@example.fi"}')"
check "no LastName: code" REQUIRED_FIELD_MISSING "$(code)"
check "restriction not boolean" 400 "$(sf PATCH "$V/sobjects/Contact/$EXT/bbbb" '{"LastName":"X","Processing_Restricted__c":"yes"}')"
check "other ext field" 404 "$(sf PATCH "$V/sobjects/Contact/Other__c/bbbb" '{"LastName":"X"}')"
check "not JSON" 400 "$(sf PATCH "$V/sobjects/Contact/$EXT/bbbb" 'nope')"

# Query with paging: 3 seeded + 1 = 4 contacts, pages of 2.
check "query" 200 "$(sf GET "$V/query?q=SELECT+Id,FirstName,LastName,Email,Phone,Title,Department,$EXT+FROM+Contact")"
check "query: page 1" "4 false 2" "$(jq -r '[.totalSize, .done, (.records|length)]|map(tostring)|join(" ")' "$T/body")"
NEXT=$(field .nextRecordsUrl)
check "query: next" "$V/query/01gFAKE-2" "$NEXT"
check "query: record" "Seed One CEO null" "$(jq -r '.records[0] | [.FirstName, .LastName, .Title, .Rekisteri_Id__c]|map(tostring)|join(" ")' "$T/body")"
check "query: page 2" 200 "$(sf GET "$NEXT")"
check "query: page 2 done" "true 2 $P1" "$(jq -r '[.done, (.records|length), .records[1].Rekisteri_Id__c]|map(tostring)|join(" ")' "$T/body")"
check "query: malformed" 400 "$(sf GET "$V/query?q=DELETE+Contact")"

# Delete by external id.
check "delete" 204 "$(sf DELETE "$V/sobjects/Contact/$EXT/seedtwoaaaaaaaaaaaaaaaaaaa")"
check "delete again" 404 "$(sf DELETE "$V/sobjects/Contact/$EXT/seedtwoaaaaaaaaaaaaaaaaaaa")"
check "delete again: code" NOT_FOUND "$(code)"

# Update by record Id (how the pull links a Contact): the external id allowed, unique.
ID3=$(state '.contacts[] | select(.LastName == "Three") | .Id')
check "link" 204 "$(sf PATCH "$V/sobjects/Contact/$ID3" '{"Rekisteri_Id__c":"eeeeeeeeeeeeeeeeeeeeeeeeee"}')"
check "link: state" "$ID3" "$(state '.contacts[] | select(.Rekisteri_Id__c == "eeeeeeeeeeeeeeeeeeeeeeeeee") | .Id')"
check "link: taken" 400 "$(sf PATCH "$V/sobjects/Contact/$ID3" "{\"Rekisteri_Id__c\":\"$P1\"}")"
check "link: taken code" DUPLICATE_VALUE "$(code)"
check "link: unknown field" 400 "$(sf PATCH "$V/sobjects/Contact/$ID3" '{"Birthdate":"2000-01-01"}')"
check "link: no such record" 404 "$(sf PATCH "$V/sobjects/Contact/003FK0000000000099" '{"Rekisteri_Id__c":"ffffffffffffffffffffffffff"}')"
check "link: no such record code" NOT_FOUND "$(code)"
check "by record Id: no DELETE" 405 "$(sf DELETE "$V/sobjects/Contact/$ID3")"

# Bulk API 2.0.
check "job: wrong object" 400 "$(sf POST "$V/jobs/ingest" '{"object":"Lead","externalIdFieldName":"Rekisteri_Id__c","contentType":"CSV","operation":"upsert","lineEnding":"LF"}')"
check "job" 200 "$(sf POST "$V/jobs/ingest" '{"object":"Contact","externalIdFieldName":"Rekisteri_Id__c","contentType":"CSV","operation":"upsert","lineEnding":"LF"}')"
JOB=$(field .id)
check "job: open" "Open 18" "$(jq -r '[.state, (.id|length)]|map(tostring)|join(" ")' "$T/body")"
check "job: complete too early" 400 "$(sf GET "$V/jobs/ingest/$JOB/failedResults")"
printf '%s\n%s\n%s\n%s\n' "Rekisteri_Id__c,FirstName,LastName,Email,Phone,Processing_Restricted__c" \
    "$P1,Anna,Virtanen,anna@example.fi,#N/A,false" \
    'cccccccccccccccccccccccccc,"Bo, Jr",Berg,bo@example.fi,+358401111111,true' \
    "dddddddddddddddddddddddddd,Dee,Bad,not-an-address,#N/A,false" >"$T/batch.csv"
check "job: data" 201 "$(sf PUT "$V/jobs/ingest/$JOB/batches" "$(cat "$T/batch.csv")" text/csv)"
check "job: data twice" 409 "$(sf PUT "$V/jobs/ingest/$JOB/batches" "x" text/csv)"
check "job: bad state" 400 "$(sf PATCH "$V/jobs/ingest/$JOB" '{"state":"JobComplete"}')"
check "job: upload complete" 200 "$(sf PATCH "$V/jobs/ingest/$JOB" '{"state":"UploadComplete"}')"
check "job: poll 1" "200 InProgress" "$(sf GET "$V/jobs/ingest/$JOB") $(field .state)"
check "job: poll 2" "200 JobComplete 3 1" "$(sf GET "$V/jobs/ingest/$JOB") $(jq -r '[.state, .numberRecordsProcessed, .numberRecordsFailed]|map(tostring)|join(" ")' "$T/body")"
check "job: failed results" 200 "$(sf GET "$V/jobs/ingest/$JOB/failedResults")"
check "job: failed header" '"sf__Id","sf__Error","Rekisteri_Id__c","FirstName","LastName","Email","Phone","Processing_Restricted__c"' "$(head -n 1 "$T/body")"
check "job: failed row" dddddddddddddddddddddddddd "$(sed -n 2p "$T/body" | cut -d, -f3 | tr -d '"')"
check "job: failed code" INVALID_EMAIL_ADDRESS "$(sed -n 2p "$T/body" | cut -d, -f2 | tr -d '"' | cut -d: -f1)"
check "job: applied" "Bo, Jr true +358401111111" "$(state '.contacts[] | select(.Rekisteri_Id__c == "cccccccccccccccccccccccccc") | [.FirstName, .Processing_Restricted__c, .Phone]|map(tostring)|join(" ")')"
check "job: #N/A is null" null "$(state ".contacts[] | select(.$EXT == \"$P1\") | .Phone")"
check "job: state dump" JobComplete "$(state ".jobs[\"$JOB\"].state")"
check "job: unknown" 404 "$(sf GET "$V/jobs/ingest/750FK0000000000099")"

# The log: field names, never the credentials.
check "log: token request names only" 0 "$(grep -c FAKE_SECRET "$T/log")"
check "log: token fields" '["grant_type","client_id","client_secret"]' "$(grep -m1 '/services/oauth2/token' "$T/log" | jq -c .fields)"
check "log: contact fields" '["FirstName","LastName","Email","Phone","Processing_Restricted__c"]' "$(grep -m1 '"PATCH".*sobjects' "$T/log" | jq -c .fields)"
check "log: csv fields" '["Rekisteri_Id__c","FirstName","LastName","Email","Phone","Processing_Restricted__c"] 3' "$(grep '"PUT"' "$T/log" | head -n 1 | jq -r '"\(.fields|tojson) \(.rows)"')"
stop_fake

# Token expiry; API limits.
start_fake ttl --token-ttl 1
tok
check "ttl: token" 200 "$ST"
check "ttl: fresh" 200 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
sleep 2
check "ttl: expired" 401 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "ttl: code" INVALID_SESSION_ID "$(code)"
stop_fake
start_fake uses --token-uses 2
tok
check "uses: 1" 200 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "uses: 2" 200 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "uses: spent" 401 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
tok
check "uses: a new token" 200 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
stop_fake
start_fake limits --rate-limit 3 --rate-429 5 --retry-after 7
tok
check "limit: 1" 200 "$ST"
check "limit: 2" 200 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "limit: 3" 403 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "limit: code" REQUEST_LIMIT_EXCEEDED "$(code)"
check "limit: 4" 200 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "limit: 5" 429 "$(sf GET "$V/query?q=SELECT+Id+FROM+Contact")"
check "limit: retry-after" 7 "$(grep -i '^retry-after:' "$T/head" | tr -dc 0-9)"
stop_fake

# A job that fails (--fail-jobs 1): nothing upserted.
start_fake failing --fail-jobs 1
tok
sf POST "$V/jobs/ingest" '{"object":"Contact","externalIdFieldName":"Rekisteri_Id__c","contentType":"CSV","operation":"upsert","lineEnding":"LF"}' >/dev/null
JOB=$(field .id)
sf PUT "$V/jobs/ingest/$JOB/batches" "Rekisteri_Id__c,LastName
x1,One" text/csv >/dev/null
sf PATCH "$V/jobs/ingest/$JOB" '{"state":"UploadComplete"}' >/dev/null
sf GET "$V/jobs/ingest/$JOB" >/dev/null
check "failing job" "200 Failed 0" "$(sf GET "$V/jobs/ingest/$JOB") $(field .state) $(state '.contacts|length')"
stop_fake

# Refusals at start.
echo '{"contacts": [{"Email": "no-last-name@example.fi"}]}' >"$T/bad.json"
"$FAKE_SALESFORCE" --seed "$T/bad.json" >/dev/null 2>&1
check "bad seed" 2 "$?"
"$FAKE_SALESFORCE" --page-size 0 >/dev/null 2>&1
check "bad option" 2 "$?"
"$FAKE_SALESFORCE" --log >/dev/null 2>&1
check "option without value" 2 "$?"

rk_finish fake_salesforce
