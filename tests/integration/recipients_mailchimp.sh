#!/bin/sh
# recipients_mailchimp.sh — the Mailchimp connector end to end against the fake
# Mailchimp Marketing API (tests/tools/fake_mailchimp.c), with the example
# declaration's own connector pointed at it: `recipients list` says which
# connector is configured; a pull of a seeded audience imports the subscribed
# members with their opt-in evidence and suppresses the unsubscribed and
# cleaned ones, and the sync right after it sends nothing; a consent given
# appears as a subscribed member with the shared merge fields only; a
# withdrawal unsubscribes; a rectification updates (and its art 19 notice is
# done once synced); a restriction unsubscribes and tags, its lifting
# subscribes again; an erasure deletes the member permanently; a 429 with
# Retry-After is retried on a later pass; a lost record (a crash between the
# call and its record) sends the call again with the same result, and so does
# a sync killed with SIGKILL part-way; `serve`
# keeps the audience in step by itself; the art 15 answer lists the
# disclosures; nothing outside `shares` is ever sent and the API key is in no
# log, output or database file.
# CTest sets REKISTERI, RK_SOURCE_DIR, FAKE_MAILCHIMP, RK_CENSUS and RK_FORCE.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${FAKE_MAILCHIMP:?}" "${RK_CENSUS:?}" "${RK_FORCE:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_SALESFORCE_CLIENT_ID \
    REKISTERI_SALESFORCE_CLIENT_SECRET
KEY=0123456789abcdef0123456789abcdef-us6
LIST=a1b2c3d4e5

check() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
hash() { printf %s "$1" | tr 'A-Z' 'a-z' | md5sum | cut -c1-32; }

# start_fake NAME ARGS...: the fake on a free port; sets FP and fake_pid.
start_fake() {
    _n=$1
    shift
    "$FAKE_MAILCHIMP" --max-seconds 250 --key "$KEY" --list "$LIST" "$@" \
        >"$T/$_n.out" 2>"$T/$_n.err" &
    fake_pid=$!
    pids="$pids $fake_pid"
    FP=
    rk_wait_file "$T/$_n.out" && FP=$(head -n 1 "$T/$_n.out")
    [ -n "$FP" ] || { echo "FAIL: fake_mailchimp did not start: $(cat "$T/$_n.err")"; exit 1; }
}
# member EMAIL: the fake's member as JSON ("null" when none).
member() {
    curl -s "http://127.0.0.1:$FP/_fake/state" |
        jq -c --arg h "$(hash "$1")" ".lists[\"$LIST\"].members[\$h]"
}
deleted() {
    curl -s "http://127.0.0.1:$FP/_fake/state" |
        jq -r --arg h "$(hash "$1")" ".lists[\"$LIST\"].deleted[\$h] // false"
}
# scenario NAME: a fresh register whose mailchimp connector calls the fake.
scenario() {
    mkdir -p "$T/$1.reg" && cd "$T/$1.reg" || exit 1
    sed -e "s|^      api_key_env: REKISTERI_MAILCHIMP_API_KEY|&\\
      url: http://127.0.0.1:$FP/3.0|" \
        "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >decl.yaml
    grep -q "url: http://127.0.0.1:$FP/3.0" decl.yaml || { echo "FAIL: scenario sed"; exit 1; }
    export REKISTERI_DECLARATION="$PWD/decl.yaml"
    rk_new_db
    R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
}
add_person() { # add_person EMAIL NAME [PHONE]: prints the id
    R person add --register marketing --purpose sales_promotion --source web_form \
        --name "$2" --email "$1" ${3:+--phone "$3"} --consent-channel web_form 2>>"$T/cli.err"
}
sync() { R recipients sync mailchimp "$@" 2>>"$T/cli.err"; }

# Opt-in times within the consent's validity (12 months), whatever the day.
OPT=$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%S+00:00)
SIGNUP=$(date -u -d '-40 days -5 minutes' +%Y-%m-%dT%H:%M:%S+00:00)
OPT2=$(date -u -d '-100 days' +%Y-%m-%dT%H:%M:%S+00:00)
cat >"$T/seed.json" <<EOF
{"lists": {"$LIST": {"members": [
  {"email_address": "anna.virtanen@example.fi", "status": "subscribed",
   "merge_fields": {"FNAME": "Anna", "LNAME": "Virtanen"},
   "timestamp_signup": "$SIGNUP", "ip_signup": "192.0.2.10",
   "timestamp_opt": "$OPT", "ip_opt": "192.0.2.10"},
  {"email_address": "Pekka.Korhonen@example.fi", "status": "subscribed",
   "merge_fields": {"FNAME": "Pekka", "LNAME": "Korhonen"},
   "timestamp_opt": "$OPT2", "ip_opt": "198.51.100.7"},
  {"email_address": "gone@example.fi", "status": "unsubscribed"},
  {"email_address": "bounced@example.fi", "status": "cleaned"}
]}}}
EOF

# ---- not configured: the connector says so, nothing breaks ----
start_fake one --seed "$T/seed.json" --log "$T/mc.log"
scenario one
unset REKISTERI_MAILCHIMP_API_KEY
R recipients list --format json >"$T/list.json" 2>>"$T/cli.err" && ok || bad "list"
check "mailchimp not configured" false "$(jq -r '.sync[] | select(.recipient=="mailchimp") | .configured' "$T/list.json")"
jq -r '.sync[] | select(.recipient=="mailchimp") | .not_configured' "$T/list.json" |
    grep -q REKISTERI_MAILCHIMP_API_KEY && ok || bad "not_configured names the variable"
check "salesforce not configured" false "$(jq -r '.sync[] | select(.recipient=="salesforce") | .configured' "$T/list.json")"
sync >/dev/null
check "sync without the key exits 1" 1 $?
export REKISTERI_MAILCHIMP_API_KEY=$KEY
check "configured with the key" true "$(R recipients list --format json | jq -r '.sync[] | select(.recipient=="mailchimp") | .configured')"

# ---- pull: dry run writes nothing; then the audience moves in ----
R recipients pull mailchimp --dry-run >"$T/pull-dry.out" 2>>"$T/cli.err"
check "dry pull exit" 0 $?
check "dry pull writes no person" 0 "$(rk_census persons)"
R recipients pull mailchimp --format json >"$T/pull.json" 2>>"$T/cli.err"
check "pull exit" 0 $?
check "pull read" 4 "$(jq -r .read "$T/pull.json")"
check "pull imported" 2 "$(jq -r .imported "$T/pull.json")"
check "pull suppressed" 2 "$(jq -r .suppressed "$T/pull.json")"
check "pull: the sync after it sends nothing" 0 "$(jq -r .sync.sent "$T/pull.json")"
check "pull: the members adopted" 2 "$(jq -r .sync.adopted "$T/pull.json")"
check "persons after pull" 2 "$(rk_census persons)"
ANNA=$(R person find anna.virtanen@example.fi --format json 2>>"$T/cli.err" | jq -r '.[0].id // empty')
[ -n "$ANNA" ] && ok || bad "anna found after pull"
R consent list "$ANNA" --format json >"$T/anna-consent.json" 2>>"$T/cli.err"
check "anna's consent time from timestamp_opt" "$(echo "$OPT" | sed 's/+00:00$/Z/')" "$(jq -r '.[0].at' "$T/anna-consent.json")"
jq -r '.[0].evidence' "$T/anna-consent.json" | grep -q "$LIST" && ok || bad "evidence names the audience: $(jq -r '.[0].evidence' "$T/anna-consent.json")"
# the unsubscribed address is suppressed: it cannot be added
G=$(add_person gone@example.fi "Gone Person")
check "a pulled unsubscribe is a suppression" "" "$G"
check "still two persons" 2 "$(rk_census persons)"
sync --dry-run --format json >"$T/dry.json"
check "sync after pull: nothing to add" 0 "$(jq -r .plan.add "$T/dry.json")"
check "sync after pull: unchanged" 2 "$(jq -r .plan.unchanged "$T/dry.json")"
check "no write call so far" 0 "$(jq -r 'select(.method != "GET")' "$T/mc.log" | grep -c method)"

# ---- a consent given: a subscribed member with the shared fields only ----
P=$(add_person "Matti.Meikalainen@example.fi" "Matti Meikäläinen" "+358401234567")
[ -n "$P" ] && ok || bad "person add"
sync --dry-run >"$T/dry.txt"
grep -q "^add .*$P" "$T/dry.txt" && ok || bad "dry run lists the add: $(cat "$T/dry.txt")"
check "dry run sent nothing" "null" "$(member matti.meikalainen@example.fi)"
sync >"$T/sync1.txt"
check "sync exit" 0 $?
M=$(member matti.meikalainen@example.fi)
check "subscribed" subscribed "$(echo "$M" | jq -r .status)"
check "FNAME" "Matti" "$(echo "$M" | jq -r .merge_fields.FNAME)"
check "LNAME" "Meikäläinen" "$(echo "$M" | jq -r .merge_fields.LNAME)"
check "no PHONE: not shared" "null" "$(echo "$M" | jq -r '.merge_fields.PHONE // null')"
check "sync again: nothing" 0 "$(sync --dry-run --format json | jq -r '.plan.add + .plan.change + .plan.remove + .plan.restrict')"

# ---- rectification: updated, and the art 19 notice is done once synced ----
R rights rectify "$P" --name "Matti Virtanen" >/dev/null 2>>"$T/cli.err" && ok || bad "rectify"
R recipients send >/dev/null 2>>"$T/cli.err"
# both wait: mailchimp's for the sync, salesforce's for its credentials (not set here)
check "rectification notices waiting" "0 2" \
    "$(R recipients list --format json | jq -r '"\(.done) \(.queued + .pending)"')"
sleep 1 # the notice is done by a pass that began after it, in whole seconds
sync >/dev/null && ok || bad "sync after rectify"
check "LNAME rectified" "Virtanen" "$(member matti.meikalainen@example.fi | jq -r .merge_fields.LNAME)"
# a waiting notice is asked about again after 30 s
REKISTERI_NOW=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ) R recipients send >/dev/null 2>>"$T/cli.err"
check "mailchimp's notice done after the sync, salesforce's waits" "1 1" \
    "$(R recipients list --format json | jq -r '"\(.done) \(.queued + .pending)"')"

# ---- restriction: unsubscribed and tagged; lifted: subscribed again ----
R rights restrict "$P" >/dev/null 2>>"$T/cli.err" && ok || bad "restrict"
sync >/dev/null
M=$(member matti.meikalainen@example.fi)
check "restricted: unsubscribed" unsubscribed "$(echo "$M" | jq -r .status)"
check "restricted: tagged" true "$(echo "$M" | jq '[.tags[]? | (.name? // .)] | index("rekisteri: restricted") != null')"
R rights restrict "$P" --lift >/dev/null 2>>"$T/cli.err" && ok || bad "lift"
sync >/dev/null
check "lifted: subscribed again" subscribed "$(member matti.meikalainen@example.fi | jq -r .status)"

# ---- withdrawal: unsubscribed within the next pass ----
R consent withdraw "$ANNA" --purpose sales_promotion >/dev/null 2>>"$T/cli.err" && ok || bad "withdraw"
sync >/dev/null
check "withdrawn: unsubscribed" unsubscribed "$(member anna.virtanen@example.fi | jq -r .status)"

# ---- a lost record: the call goes again, with the same result ----
"$RK_FORCE" disclosure-forget mailchimp "$P" && ok || bad "rk_force disclosure-forget"
check "the forgotten one is to add again" 1 "$(sync --dry-run --format json | jq -r .plan.add)"
sync >/dev/null
check "same member after the repeat" subscribed "$(member matti.meikalainen@example.fi | jq -r .status)"
check "one member for the address" 1 "$(curl -s "http://127.0.0.1:$FP/_fake/state" | jq --arg h "$(hash matti.meikalainen@example.fi)" "[.lists[\"$LIST\"].members | keys[] | select(. == \$h)] | length")"

# ---- a real crash mid-sync: the calls go again, with the same result ----
# 90 persons: below the batch path's 100, so one call each, and killed after about 10
for i in $(seq 90); do add_person "crash$i@example.fi" "Crash $i" >/dev/null; done
base=$(grep -c 'members/' "$T/mc.log")
R recipients sync mailchimp --format json >/dev/null 2>&1 &
spid=$!
pids="$pids $spid"
for _ in $(seq 3000); do # up to a minute: a loaded machine starts the CLI slowly
    [ "$(grep -c 'members/' "$T/mc.log")" -ge $((base + 10)) ] && break
    sleep 0.01
done
kill -9 "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
check "the sync was killed part-way" 137 $?
rk_forget "$spid"
sent=$(($(grep -c 'members/' "$T/mc.log") - base))
[ "$sent" -ge 10 ] && [ "$sent" -lt 90 ] && ok || bad "killed after $sent of 90 calls"
sync >/dev/null
check "the sync after the crash completes" 0 $?
check "after the crash: nothing left to send" 0 "$(sync --dry-run --format json | jq -r '.plan.add + .plan.change + .plan.remove + .plan.restrict')"
check "after the crash: each address once, subscribed" 90 "$(curl -s "http://127.0.0.1:$FP/_fake/state" |
    jq "[.lists[\"$LIST\"].members[] | select(.email_address | startswith(\"crash\")) | select(.status == \"subscribed\")] | length")"

# ---- the art 15 answer lists the disclosures ----
R rights access "$P" --format json >"$T/access.json" 2>>"$T/cli.err" && ok || bad "access"
check "disclosed to mailchimp" true "$(jq '[.. | objects | select(has("disclosures")) | .disclosures[] | select(.recipient == "mailchimp")] | length > 0' "$T/access.json")"

# ---- erasure: deleted permanently at Mailchimp ----
R rights erase "$P" >/dev/null 2>>"$T/cli.err" && ok || bad "erase"
R recipients send >"$T/send-erase.txt" 2>>"$T/cli.err"
check "erased at Mailchimp" true "$(deleted matti.meikalainen@example.fi)"
check "no member left" null "$(member matti.meikalainen@example.fi)"

# ---- nothing outside shares; the key in no log or file ----
check "every member body holds shared fields only" 0 "$(jq -c 'select(.method == "PUT" or .method == "PATCH") | .body
    | ((keys - ["email_address", "status", "status_if_new", "merge_fields"]) + ((.merge_fields // {}) | keys - ["FNAME", "LNAME"]))
    | select(length > 0)' "$T/mc.log" | wc -l | tr -d ' ')"
check "the API key in no CLI output" 0 "$(cat "$T"/*.txt "$T"/*.json "$T/cli.err" 2>/dev/null | grep -c "$KEY")"
check "the API key not in the database" 0 "$(cat "$T/one.reg"/var/rekisteri.db* | grep -c -a "${KEY%-us6}")"

# ---- 429 with Retry-After: the pass stops, a later one finishes ----
rk_stop "$fake_pid"
start_fake two --rate-429 2 --retry-after 1 --log "$T/mc2.log"
scenario two
for i in 1 2 3 4; do add_person "p$i@example.fi" "Person $i" >/dev/null; done
sync >/dev/null 2>&1
check "a 429 leaves the pass incomplete" 1 $?
done_=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
    sleep 1
    sync >/dev/null 2>&1 && { done_=1; break; }
done
check "later passes finish" 1 "${done_:-0}"
check "all four subscribed" 4 "$(curl -s "http://127.0.0.1:$FP/_fake/state" | jq "[.lists[\"$LIST\"].members[] | select(.status == \"subscribed\")] | length")"
grep -q '"status":429' "$T/mc2.log" && ok || bad "the fake answered 429"

# ---- serve keeps the audience in step by itself ----
export REKISTERI_MAILCHIMP_HOOK_SECRET=mc-hook-secret-0123456789
rk_serve "$T/serve.out" "$T/serve.err" --sync-interval 1
Q=$(add_person "serve.made@example.fi" "Serve Made")
ok_=
for _ in $(seq 100); do
    [ "$(member serve.made@example.fi | jq -r '.status // empty')" = subscribed ] && { ok_=1; break; }
    sleep 0.1
done
check "serve subscribed the new person" 1 "${ok_:-0}"
R consent withdraw "$Q" --purpose sales_promotion >/dev/null 2>>"$T/cli.err"
ok_=
for _ in $(seq 100); do
    [ "$(member serve.made@example.fi | jq -r '.status // empty')" = unsubscribed ] && { ok_=1; break; }
    sleep 0.1
done
check "serve unsubscribed the withdrawal" 1 "${ok_:-0}"
# an unsubscribe made in Mailchimp comes back through its webhook and is not echoed
H=$(add_person "hook.made@example.fi" "Hook Made")
ok_=
for _ in $(seq 100); do
    [ "$(member hook.made@example.fi | jq -r '.status // empty')" = subscribed ] && { ok_=1; break; }
    sleep 0.1
done
check "serve subscribed the hook's person" 1 "${ok_:-0}"
HH=$(hash hook.made@example.fi)
# the member changes the name in Mailchimp: written here, not sent back
for _ in 1 2 3 4; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "x:$KEY" -X PATCH \
        -H 'Content-Type: application/json' \
        --data '{"merge_fields":{"FNAME":"Hooky","LNAME":"Changed"}}' \
        "http://127.0.0.1:$FP/3.0/lists/$LIST/members/$HH")" = 200 ] && break
done
before=$(grep -c "members/$HH" "$T/mc2.log")
check "the profile hook answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    --data-urlencode type=profile --data-urlencode "data[list_id]=$LIST" \
    --data-urlencode 'data[email]=hook.made@example.fi' \
    --data-urlencode 'data[merges][FNAME]=Hooky' --data-urlencode 'data[merges][LNAME]=Changed' \
    "$U/hooks/mailchimp/$REKISTERI_MAILCHIMP_HOOK_SECRET")"
check "the name written here" "Hooky Changed" \
    "$(R person find hook.made@example.fi --format json 2>>"$T/cli.err" | jq -r '.[0].values.name.value')"
sleep 3 # three passes of the sync
check "nothing sent back for the profile change" "$before" "$(grep -c "members/$HH" "$T/mc2.log")"
# the member unsubscribes in Mailchimp (this fake answers every second request 429)
for _ in 1 2 3 4; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "x:$KEY" -X PATCH \
        -H 'Content-Type: application/json' --data '{"status":"unsubscribed"}' \
        "http://127.0.0.1:$FP/3.0/lists/$LIST/members/$HH")" = 200 ] && break
done
before=$(grep -c "members/$HH" "$T/mc2.log")
check "the hook answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    --data-urlencode type=unsubscribe --data-urlencode "data[list_id]=$LIST" \
    --data-urlencode 'data[email]=hook.made@example.fi' \
    "$U/hooks/mailchimp/$REKISTERI_MAILCHIMP_HOOK_SECRET")"
check "the hook withdrew the consent" "withdrawn" \
    "$(R consent list "$H" --format json 2>>"$T/cli.err" | jq -r '.[-1].event')"
sleep 3 # three passes of the sync
check "nothing sent back for the unsubscribe" "$before" "$(grep -c "members/$HH" "$T/mc2.log")"
check "still unsubscribed" unsubscribed "$(member hook.made@example.fi | jq -r .status)"
rk_stop "$pid"
check "the API key not in serve's log" 0 "$(grep -c "$KEY" "$T/serve.err")"
grep -q '"event":"recipient_sync"' "$T/serve.err" && ok || bad "serve logged its sync"
grep -q 'serve.made@example.fi' "$T/serve.err" && bad "an address in serve's log" || ok

rk_finish recipients_mailchimp
