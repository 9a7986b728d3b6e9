#!/bin/sh
# recipients_salesforce.sh — the Salesforce connector end to end against the
# fake Salesforce REST API (tests/tools/fake_salesforce.c), with the example
# declaration's own connector pointed at it (instance_url) and the connected
# app's credentials in the environment: `recipients list` says whether the
# connector is configured; a pull of a seeded org (Contacts with and without
# the external id) is refused while its source is not declared, writes
# nothing as a dry run, imports the Contacts into the customer register,
# links the ones without the external id (a second Contact of one person is
# refused: left unlinked, with the reason), and the sync right after it sends
# nothing; a customer added becomes a Contact with the shared fields only; a
# rectification updates the Contact (and its art 19 notice is done once
# synced); a restriction sets the restriction field, lifting clears it; an
# erasure deletes the Contact; a token that runs out is fetched anew and the
# call retried; a 429 with Retry-After ends the pass and a later pass
# finishes; `serve` syncs a new customer by itself; nothing outside `shares`
# is ever sent, and the client id and secret are in no output, log or
# database file.
# CTest sets REKISTERI, RK_SOURCE_DIR, FAKE_SALESFORCE and RK_CENSUS.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${FAKE_SALESFORCE:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_MAILCHIMP_API_KEY
ID=3MVG9rkTestClientId7f3a9c41d8e2
SECRET=rkTestSecret5b0c6e2d9a71f48
EXT=Rekisteri_Id__c
RF=Processing_Restricted__c
V=/services/data/v60.0

check() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}

# start_fake NAME ARGS...: the fake on a free port; sets FP and fake_pid.
start_fake() {
    _n=$1
    shift
    "$FAKE_SALESFORCE" --max-seconds 250 --client-id "$ID" --client-secret "$SECRET" "$@" \
        >"$T/$_n.out" 2>"$T/$_n.err" &
    fake_pid=$!
    pids="$pids $fake_pid"
    FP=
    rk_wait_file "$T/$_n.out" && FP=$(head -n 1 "$T/$_n.out")
    [ -n "$FP" ] || { echo "FAIL: fake_salesforce did not start: $(cat "$T/$_n.err")"; exit 1; }
}
state() { curl -s "http://127.0.0.1:$FP/_fake/state"; }
# contact PERSON_ID: the fake's Contact carrying that external id, as JSON ("null": none).
contact() { state | jq -c --arg p "$1" "[.contacts[] | select(.$EXT == \$p)] | .[0]"; }
ncontacts() { state | jq '.contacts | length'; }
# scenario NAME: a fresh register whose salesforce connector calls the fake.
scenario() {
    mkdir -p "$T/$1.reg" && cd "$T/$1.reg" || exit 1
    sed -e "s|^      instance_url: https://smartum.my.salesforce.com\$|      instance_url: http://127.0.0.1:$FP|" \
        "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >decl.yaml
    grep -q "instance_url: http://127.0.0.1:$FP\$" decl.yaml || { echo "FAIL: scenario sed"; exit 1; }
    export REKISTERI_DECLARATION="$PWD/decl.yaml"
    rk_new_db
    R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
}
add_customer() { # add_customer EMAIL NAME [PHONE POSITION ORGANISATION]: prints the id
    R person add --register customer --purpose customer_relationship --source contract \
        --name "$2" --email "$1" ${3:+--phone "$3"} ${4:+--position "$4"} \
        ${5:+--organisation "$5"} 2>>"$T/cli.err"
}
sync() { R recipients sync salesforce "$@" 2>>"$T/cli.err"; }
# the log's lines after the first N
log_after() { tail -n +$(($1 + 1)) "$T/sf.log"; }
writes_after() { log_after "$1" | jq -c 'select(.method != "GET" and .path != "/services/oauth2/token")'; }

cat >"$T/seed.json" <<EOF
{"contacts": [
  {"FirstName": "Liisa", "LastName": "Laine", "Email": "liisa.laine@example.fi",
   "Phone": "+358401112223", "Title": "CFO", "Department": "Talous"},
  {"FirstName": "Olli", "LastName": "Ojala", "Email": "olli.ojala@example.fi", "Title": "CTO"},
  {"LastName": "Nieminen", "Email": "nieminen@example.fi"},
  {"FirstName": "Gone", "LastName": "Person", "Email": "gone@example.fi",
   "$EXT": "zzzzzzzzzzzzzzzzzzzzzzzzzz"},
  {"FirstName": "Olli", "LastName": "Ojala", "Email": "olli.ojala@example.fi", "Department": "IT"}
]}
EOF

# ---- not configured: the connector says so ----
start_fake one --seed "$T/seed.json" --log "$T/sf.log"
scenario one
unset REKISTERI_SALESFORCE_CLIENT_ID REKISTERI_SALESFORCE_CLIENT_SECRET
R recipients list --format json >"$T/list.json" 2>>"$T/cli.err" && ok || bad "list"
check "salesforce not configured" false "$(jq -r '.sync[] | select(.recipient=="salesforce") | .configured' "$T/list.json")"
jq -r '.sync[] | select(.recipient=="salesforce") | .not_configured' "$T/list.json" |
    grep -q REKISTERI_SALESFORCE_CLIENT_ID && ok || bad "not_configured names the variable"
sync >/dev/null
check "sync without the credentials exits 1" 1 $?
export REKISTERI_SALESFORCE_CLIENT_ID=$ID REKISTERI_SALESFORCE_CLIENT_SECRET=$SECRET
check "configured with both" true "$(R recipients list --format json | jq -r '.sync[] | select(.recipient=="salesforce") | .configured')"

# A marketing contact whose Contact the org already keys by the person id.
M=$(R person add --register marketing --purpose sales_promotion --source web_form \
    --name "Maija Mäki" --email maija.maki@example.fi --consent-channel web_form 2>>"$T/cli.err")
[ -n "$M" ] && ok || bad "marketing person add"
TOK=$(curl -s -X POST --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$ID" --data-urlencode "client_secret=$SECRET" \
    "http://127.0.0.1:$FP/services/oauth2/token" | jq -r .access_token)
check "the org's own Contact for the marketing person" 201 "$(curl -s -o /dev/null -w '%{http_code}' \
    -X PATCH -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
    --data '{"FirstName": "Maija", "LastName": "Mäki", "Email": "maija.maki@example.fi"}' \
    "http://127.0.0.1:$FP$V/sobjects/Contact/$EXT/$M")"
MARK=$(wc -l <"$T/sf.log")

# ---- pull: the source must be declared; a dry run writes nothing; then the org moves in ----
R recipients pull salesforce >"$T/pull-nosource.txt" 2>"$T/pull-nosource.err"
[ $? -ne 0 ] && ok || bad "a pull whose source is not declared fails"
grep -q "source 'third_party' is not declared for register 'customer'" "$T/pull-nosource.err" &&
    ok || bad "the refusal names the source: $(cat "$T/pull-nosource.err")"
cat "$T/pull-nosource.err" >>"$T/cli.err"
R recipients pull salesforce --source nonesuch >/dev/null 2>>"$T/cli.err"
check "an unknown source kind is a usage error" 2 $?
R recipients pull salesforce --source contract --dry-run --format json >"$T/pull-dry.json" 2>>"$T/cli.err"
check "dry pull exit" 0 $?
check "dry pull: would import" 3 "$(jq -r .imported "$T/pull-dry.json")"
check "dry pull: would link (tried: the refusal comes only from Salesforce)" 4 "$(jq -r .linked "$T/pull-dry.json")"
check "dry pull writes no person" 1 "$(rk_census persons)"
check "dry pull writes nothing to the org" "" "$(writes_after "$MARK")"
R recipients pull salesforce --source contract --format json >"$T/pull.json" 2>>"$T/cli.err"
check "pull exit" 0 $?
check "pull read" 6 "$(jq -r .read "$T/pull.json")"
check "pull imported" 3 "$(jq -r .imported "$T/pull.json")"
check "pull matched (keyed by the person id; Olli's second Contact)" 2 "$(jq -r .matched "$T/pull.json")"
check "pull rejected (an external id naming no person)" 1 "$(jq -r .rejected "$T/pull.json")"
grep -q "rejected contact [0-9]*: $EXT: names no person here" "$T/cli.err" && ok ||
    bad "the rejection's reason"
check "pull linked" 3 "$(jq -r .linked "$T/pull.json")"
check "pull unlinked: the second Contact of one person" 1 "$(jq -r .unlinked "$T/pull.json")"
grep -q "recipients pull: contact 5: not linked: Salesforce answered 400 DUPLICATE_VALUE" "$T/cli.err" &&
    ok || bad "the link's refusal and reason"
check "pull into the customer register" customer "$(jq -r .register "$T/pull.json")"
check "pull: the sync after it sends nothing" 0 "$(jq -r .sync.sent "$T/pull.json")"
check "pull: every Contact adopted" 4 "$(jq -r .sync.adopted "$T/pull.json")"
check "persons after pull" 4 "$(rk_census persons)"
check "no Contact made" 6 "$(ncontacts)"
check "no write but the links" 3 "$(writes_after "$MARK" | jq -c \
    'select(.method == "PATCH" and (.path | test("/sobjects/Contact/003[A-Za-z0-9]+$")) and .fields == ["'$EXT'"] and .status == 204)' |
    wc -l | tr -d ' ')"
check "nothing else written (the refused link)" 4 "$(writes_after "$MARK" | wc -l | tr -d ' ')"
LIISA=$(R person find liisa.laine@example.fi --format json 2>>"$T/cli.err" | jq -r '.[0].id // empty')
[ -n "$LIISA" ] && ok || bad "liisa found after pull"
check "liisa's Contact carries her id" "Liisa Laine" "$(contact "$LIISA" | jq -r '"\(.FirstName) \(.LastName)"')"
for e in olli.ojala@example.fi nieminen@example.fi; do
    p=$(R person find "$e" --format json 2>>"$T/cli.err" | jq -r '.[0].id // empty')
    check "$e linked" "$e" "$(contact "$p" | jq -r .Email)"
done
R person show "$LIISA" --format json >"$T/liisa.json" 2>>"$T/cli.err"
grep -q "Talous" "$T/liisa.json" && ok || bad "organisation from Department"
sync --dry-run --format json >"$T/dry.json"
check "sync after pull: nothing to send" 0 "$(jq -r '.plan.add + .plan.change + .plan.restrict + .plan.remove' "$T/dry.json")"
check "sync after pull: unchanged" 4 "$(jq -r .plan.unchanged "$T/dry.json")"

# ---- a customer added: a Contact with the shared fields only ----
K=$(add_customer kaisa.kivi@example.fi "Kaisa Maria Kivi" "+358 40 555 1234" Hankintapäällikkö "Kivi Oy")
[ -n "$K" ] && ok || bad "customer add"
sync --dry-run >"$T/dry.txt"
grep -q "^add .*$K" "$T/dry.txt" && ok || bad "dry run lists the add: $(cat "$T/dry.txt")"
check "dry run sent nothing" null "$(contact "$K")"
sync >"$T/sync1.txt"
check "sync exit" 0 $?
C=$(contact "$K")
check "FirstName" "Kaisa Maria" "$(echo "$C" | jq -r .FirstName)"
check "LastName" "Kivi" "$(echo "$C" | jq -r .LastName)"
check "Email" "kaisa.kivi@example.fi" "$(echo "$C" | jq -r .Email)"
echo "$C" | jq -r .Phone | grep -q '^+358' && ok || bad "Phone: $(echo "$C" | jq -r .Phone)"
check "Title" "Hankintapäällikkö" "$(echo "$C" | jq -r .Title)"
check "Department" "Kivi Oy" "$(echo "$C" | jq -r .Department)"
check "not restricted" false "$(echo "$C" | jq -r ".$RF")"
check "one Contact more" 7 "$(ncontacts)"
check "sync again: nothing" 0 "$(sync --dry-run --format json | jq -r '.plan.add + .plan.change + .plan.remove + .plan.restrict')"

# ---- rectification: updated, and the art 19 notice is done once synced ----
R rights rectify "$K" --name "Kaisa Korpi" >/dev/null 2>>"$T/cli.err" && ok || bad "rectify"
R recipients send >/dev/null 2>>"$T/cli.err"
# both wait: salesforce's for the sync, mailchimp's for its key (not set here)
check "rectification notices waiting" "0 2" \
    "$(R recipients list --format json | jq -r '"\(.done) \(.queued + .pending)"')"
sleep 1 # the notice is done by a pass that began after it, in whole seconds
sync >/dev/null && ok || bad "sync after rectify"
check "LastName rectified" "Kaisa Korpi" "$(contact "$K" | jq -r '"\(.FirstName) \(.LastName)"')"
check "still one Contact" 7 "$(ncontacts)"
# a waiting notice is asked about again after 30 s
REKISTERI_NOW=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ) R recipients send >/dev/null 2>>"$T/cli.err"
check "salesforce's notice done after the sync, mailchimp's waits" "1 1" \
    "$(R recipients list --format json | jq -r '"\(.done) \(.queued + .pending)"')"

# ---- restriction: the field set; lifted: cleared ----
R rights restrict "$K" >/dev/null 2>>"$T/cli.err" && ok || bad "restrict"
sync >/dev/null && ok || bad "sync after restrict"
check "restricted" true "$(contact "$K" | jq -r ".$RF")"
R rights restrict "$K" --lift >/dev/null 2>>"$T/cli.err" && ok || bad "lift"
sync >/dev/null && ok || bad "sync after lift"
check "lifted" false "$(contact "$K" | jq -r ".$RF")"

# ---- erasure: the Contact deleted ----
R rights erase "$K" >/dev/null 2>>"$T/cli.err" && ok || bad "erase"
R recipients send >"$T/send-erase.txt" 2>>"$T/cli.err"
check "erased in Salesforce" null "$(contact "$K")"
grep -q "\"DELETE\",\"path\":\"$V/sobjects/Contact/$EXT/$K\"" "$T/sf.log" && ok || bad "DELETE by the external id"

# ---- nothing outside shares: every Contact body, JSON or CSV ----
check "every Contact body holds shared fields only" 0 "$(jq -c 'select(.path | test("/sobjects/Contact/|/batches$")) | .fields
    - ["FirstName", "LastName", "Title", "Department", "Phone", "Email", "'$EXT'", "'$RF'"]
    | select(length > 0)' "$T/sf.log" | wc -l | tr -d ' ')"
check "the token request's values are not logged" 0 "$(grep -c -e "$SECRET" -e "$ID" "$T/sf.log")"

# ---- a token that runs out is fetched anew, the call retried ----
rk_stop "$fake_pid"
mv "$T/sf.log" "$T/sf1.log"
start_fake two --token-uses 2 --log "$T/sf.log"
scenario two
for i in 1 2 3; do add_customer "c$i@example.fi" "Customer $i" >/dev/null; done
sync >"$T/sync-token.txt"
check "a new token: the pass completes" 0 $?
check "three Contacts" 3 "$(ncontacts)"
grep -q '"status":401' "$T/sf.log" && ok || bad "the fake answered 401"
check "tokens fetched" 2 "$(state | jq .tokens)"

# ---- 429 with Retry-After: the pass stops, a later one finishes ----
rk_stop "$fake_pid"
mv "$T/sf.log" "$T/sf2.log"
start_fake three --rate-429 4 --retry-after 1 --log "$T/sf.log"
scenario three
for i in 1 2 3 4; do add_customer "p$i@example.fi" "Person $i" >/dev/null; done
sync >/dev/null 2>&1
check "a 429 leaves the pass incomplete" 1 $?
done_=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
    sleep 1
    sync >/dev/null 2>&1 && { done_=1; break; }
done
check "later passes finish" 1 "${done_:-0}"
check "all four Contacts" 4 "$(ncontacts)"
grep -q '"status":429' "$T/sf.log" && ok || bad "the fake answered 429"

# ---- serve syncs a new customer by itself ----
rk_serve "$T/serve.out" "$T/serve.err" --sync-interval 1
Q=$(add_customer serve.made@example.fi "Serve Made")
ok_=
for _ in $(seq 100); do
    [ "$(contact "$Q" | jq -r '.Email // empty')" = serve.made@example.fi ] && { ok_=1; break; }
    sleep 0.1
done
check "serve made the Contact" 1 "${ok_:-0}"
rk_stop "$pid"
grep -q '"event":"recipient_sync"' "$T/serve.err" && ok || bad "serve logged its sync"
grep -q 'serve.made@example.fi' "$T/serve.err" && bad "an address in serve's log" || ok

# ---- the credentials in no output, log or database file ----
check "the credentials in no CLI output or log" 0 "$(cat "$T"/*.txt "$T"/*.json "$T"/*.err "$T"/*.log "$T"/*.out 2>/dev/null | grep -c -e "$ID" -e "$SECRET")"
check "the credentials in no database file" 0 "$(cat "$T"/*.reg/var/rekisteri.db* | grep -c -a -e "$ID" -e "$SECRET")"

rk_finish recipients_salesforce
