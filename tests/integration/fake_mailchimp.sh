#!/bin/sh
# fake_mailchimp.sh — proves the fake Mailchimp Marketing API 3.0
# (tests/tools/fake_mailchimp.c) with curl, so that the connector tests that
# use it stand on a fake that behaves as documented: Basic auth (401 problem
# JSON otherwise), ping, the member upsert with its subscriber hash check,
# PATCH, GET of a member and of a page of members with the opt-in evidence,
# tags, delete-permanent (404 afterwards, a re-PUT refused), a batch going
# pending → started → finished with its counts, problem JSON errors, a 429
# with Retry-After every Nth request and on the 11th concurrent connection,
# the seed, the request log (every field sent) and the state dump.
# CTest sets FAKE_MAILCHIMP and RK_SOURCE_DIR.
set -u
: "${RK_SOURCE_DIR:?}" "${FAKE_MAILCHIMP:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
KEY=0123456789abcdef0123456789abcdef-us6

# start_fake NAME ARGS...: the fake on a free port (the first line of its
# stdout); sets FP and fake_pid (also killed at exit).
start_fake() {
    _n=$1
    shift
    "$FAKE_MAILCHIMP" --max-seconds 250 "$@" >"$T/$_n.out" 2>"$T/$_n.err" &
    fake_pid=$!
    pids="$pids $fake_pid"
    FP=
    rk_wait_file "$T/$_n.out" && FP=$(head -n 1 "$T/$_n.out")
    [ -n "$FP" ] || { echo "FAIL: fake_mailchimp did not start: $(cat "$T/$_n.err")"; exit 1; }
}
# stop_fake: ends the fake, which must exit cleanly (0, nothing on stderr).
stop_fake() {
    rk_stop "$fake_pid"
    check "clean exit of $_n" "0 0" "$? $(wc -c <"$T/$_n.err")"
    [ -s "$T/$_n.err" ] && cat "$T/$_n.err" >&2
}
# mc METHOD PATH [BODY [USER:PASS]]: prints the status; the body is in $T/body,
# the headers in $T/head.
mc() {
    _m=$1 _p=$2 _u=${4:-anyone:$KEY}
    if [ -n "${3:-}" ]; then
        set -- -H 'Content-Type: application/json' --data-binary "$3"
    else
        set --
    fi
    curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X "$_m" -u "$_u" "$@" \
        "http://127.0.0.1:$FP$_p"
}
# check WHAT EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
# problem STATUS TITLE: the last answer is problem JSON with every field.
problem() {
    check "problem status" "$1" "$(jq -r .status "$T/body")"
    check "problem title" "$2" "$(jq -r .title "$T/body")"
    check "problem fields" true "$(jq '(.type|startswith("https://mailchimp.com/")) and
        (.detail|length > 0) and (.instance|length > 0)' "$T/body")"
    grep -qi '^content-type: application/problem+json' "$T/head" && ok ||
        bad "problem $1: not application/problem+json"
}
hash() { printf %s "$1" | tr 'A-Z' 'a-z' | md5sum | cut -c1-32; }
field() { jq -r "$1" "$T/body"; }
state() { curl -s "http://127.0.0.1:$FP/_fake/state" | jq -r "$1"; }

L=list0001
cat >"$T/seed.json" <<'EOF'
{"lists": {"list0001": {"members": [
  {"email_address": "Seed.One@example.org", "status": "subscribed",
   "merge_fields": {"FNAME": "Seed", "LNAME": "One"},
   "timestamp_signup": "2024-01-02T03:04:05+00:00", "ip_signup": "192.0.2.1",
   "timestamp_opt": "2024-01-02T03:05:00+00:00", "ip_opt": "192.0.2.2", "tags": ["vip"]},
  {"email_address": "seed.two@example.org", "status": "unsubscribed"},
  {"email_address": "seed.three@example.org", "status": "cleaned"}]}}}
EOF
start_fake a --seed "$T/seed.json" --list other --log "$T/log"

# Authentication: any user, the key as the password.
check "ping" 200 "$(mc GET /3.0/ping)"
check "ping body" "Everything's Chimpy!" "$(field .health_status)"
check "no auth" 401 "$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' "http://127.0.0.1:$FP/3.0/ping")"
problem 401 "API Key Invalid"
check "wrong key" 401 "$(mc GET /3.0/ping '' "anyone:wrong-us6")"
check "another user" 200 "$(mc GET /3.0/ping '' "someone:$KEY")"
check "unknown path" 404 "$(mc GET /3.0/nothing)"
problem 404 "Resource Not Found"
check "wrong method" 405 "$(mc DELETE /3.0/ping)"
problem 405 "Method Not Allowed"

# The upsert.
A=Anna.Aalto@Example.org HA=$(hash "$A")
body='{"email_address":"'$A'","status_if_new":"subscribed","merge_fields":{"FNAME":"Anna","LNAME":"Aalto"}}'
check "put new" 200 "$(mc PUT "/3.0/lists/$L/members/$HA" "$body")"
check "put answer" "$HA subscribed Anna $L" "$(field '"\(.id) \(.status) \(.merge_fields.FNAME) \(.list_id)"')"
check "put sets opt time" true "$(field '.timestamp_opt | length > 0')"
check "put again (idempotent)" 200 "$(mc PUT "/3.0/lists/$L/members/$HA" "$body")"
check "one member for one address" 1 "$(state "[.lists.$L.members[] | select(.id == \"$HA\")] | length")"
check "hash of the address as given" 400 "$(mc PUT "/3.0/lists/$L/members/$(printf %s "$A" | md5sum | cut -c1-32)" "$body")"
problem 400 "Invalid Resource"
check "hash of another address" 400 "$(mc PUT "/3.0/lists/$L/members/$(hash x@example.org)" "$body")"
check "upper-case hash" 400 "$(mc PUT "/3.0/lists/$L/members/$(echo "$HA" | tr a-f A-F)" "$body")"
B=bea@example.org HB=$(hash "$B")
check "new without status" 400 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'"}')"
check "which field" status_if_new "$(field '.errors[0].field')"
check "bad status" 400 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'","status_if_new":"happy"}')"
check "unknown merge field" 400 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'","status_if_new":"subscribed","merge_fields":{"SHOE":"42"}}')"
check "no email" 400 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"status_if_new":"subscribed"}')"
check "not JSON" 400 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":')"
problem 400 "JSON Parse Error"
check "unknown list" 404 "$(mc PUT "/3.0/lists/nolist/members/$HB" '{"email_address":"'$B'","status_if_new":"subscribed"}')"
check "refusals store nothing" null "$(state ".lists.$L.members[\"$HB\"]")"
check "put unsubscribed" 200 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'","status_if_new":"unsubscribed","ip_signup":"198.51.100.7","timestamp_signup":"2025-05-05T05:05:05+00:00"}')"
check "status_if_new for the new" unsubscribed "$(field .status)"
check "existing keeps status without status" unsubscribed "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'","status_if_new":"subscribed"}' >/dev/null; field .status)"
check "existing takes status" subscribed "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'","status":"subscribed","status_if_new":"subscribed"}' >/dev/null; field .status)"

# GET and PATCH.
check "get" 200 "$(mc GET "/3.0/lists/$L/members/$HA")"
check "get fields" "$A Aalto" "$(field '"\(.email_address) \(.merge_fields.LNAME)"')"
check "get unknown" 404 "$(mc GET "/3.0/lists/$L/members/$(hash nobody@example.org)")"
check "patch" 200 "$(mc PATCH "/3.0/lists/$L/members/$HA" '{"status":"unsubscribed","merge_fields":{"FNAME":"Anne"}}')"
check "patched" "unsubscribed Anne Aalto" "$(mc GET "/3.0/lists/$L/members/$HA" >/dev/null; field '"\(.status) \(.merge_fields.FNAME) \(.merge_fields.LNAME)"')"
check "patch unknown" 404 "$(mc PATCH "/3.0/lists/$L/members/$(hash nobody@example.org)" '{"status":"subscribed"}')"
A2=anna.uusi@example.org HA2=$(hash "$A2")
check "patch email" 200 "$(mc PATCH "/3.0/lists/$L/members/$HA" '{"email_address":"'$A2'"}')"
check "moved to the new hash" "$HA2 200 404" "$(field .id) $(mc GET "/3.0/lists/$L/members/$HA2") $(mc GET "/3.0/lists/$L/members/$HA")"

# A page of members, with the seed's opt-in evidence.
check "list" 200 "$(mc GET "/3.0/lists/$L/members?count=2&offset=0")"
check "total and page" "5 2 $L" "$(field '"\(.total_items) \(.members | length) \(.list_id)"')"
check "seed evidence" "seed.one@example.org|subscribed|Seed|2024-01-02T03:04:05+00:00|192.0.2.1|2024-01-02T03:05:00+00:00|192.0.2.2|vip" \
    "$(field '.members[0] | [(.email_address|ascii_downcase), .status, .merge_fields.FNAME, .timestamp_signup, .ip_signup, .timestamp_opt, .ip_opt, .tags[0].name] | join("|")')"
check "offset" "seed.three@example.org" "$(mc GET "/3.0/lists/$L/members?count=1&offset=2" >/dev/null; field '.members[0].email_address')"
check "status filter" "2 seed.two@example.org" "$(mc GET "/3.0/lists/$L/members?status=unsubscribed&count=10" >/dev/null; field '"\(.total_items) \(.members[0].email_address)"')"
check "default count 10" 5 "$(mc GET "/3.0/lists/$L/members" >/dev/null; field '.members | length')"
check "count over 1000" 400 "$(mc GET "/3.0/lists/$L/members?count=1001")"
check "count not a number" 400 "$(mc GET "/3.0/lists/$L/members?count=ten")"
check "other list empty" 0 "$(mc GET "/3.0/lists/other/members" >/dev/null; field .total_items)"

# Tags.
check "tag" 204 "$(mc POST "/3.0/lists/$L/members/$HB/tags" '{"tags":[{"name":"restricted","status":"active"}]}')"
check "tagged" "restricted 1" "$(mc GET "/3.0/lists/$L/members/$HB" >/dev/null; field '"\(.tags[0].name) \(.tags_count)"')"
check "tag again" 1 "$(mc POST "/3.0/lists/$L/members/$HB/tags" '{"tags":[{"name":"restricted","status":"active"}]}' >/dev/null; state ".lists.$L.members[\"$HB\"].tags_count")"
check "untag" 204 "$(mc POST "/3.0/lists/$L/members/$HB/tags" '{"tags":[{"name":"restricted","status":"inactive"}]}')"
check "untagged" 0 "$(state ".lists.$L.members[\"$HB\"].tags | length")"
check "bad tag status" 400 "$(mc POST "/3.0/lists/$L/members/$HB/tags" '{"tags":[{"name":"x","status":"on"}]}')"
check "tag unknown member" 404 "$(mc POST "/3.0/lists/$L/members/$(hash nobody@example.org)/tags" '{"tags":[]}')"

# Permanent deletion.
check "delete" 204 "$(mc POST "/3.0/lists/$L/members/$HB/actions/delete-permanent")"
check "deleted: 404" 404 "$(mc GET "/3.0/lists/$L/members/$HB")"
check "delete again" 404 "$(mc POST "/3.0/lists/$L/members/$HB/actions/delete-permanent")"
check "re-put refused" 400 "$(mc PUT "/3.0/lists/$L/members/$HB" '{"email_address":"'$B'","status_if_new":"subscribed"}')"
problem 400 "Forgotten Email Not Subscribed"
check "patch to a deleted address refused" 400 "$(mc PATCH "/3.0/lists/$L/members/$HA2" '{"email_address":"'$B'"}')"

# A batch: pending, started, finished; the operations applied then.
C=cecilia@example.org HC=$(hash "$C") D=daniel@example.org HD=$(hash "$D")
ops=$(jq -cn --arg l "$L" --arg hc "$HC" --arg hd "$HD" --arg c "$C" --arg d "$D" '{operations: [
  {method: "PUT", path: "/lists/\($l)/members/\($hc)", operation_id: "c",
   body: ({email_address: $c, status_if_new: "subscribed", merge_fields: {FNAME: "Cecilia"}} | tojson)},
  {method: "PUT", path: "/lists/\($l)/members/\($hc)", body: ({email_address: $d, status_if_new: "subscribed"} | tojson)},
  {method: "PATCH", path: "/lists/\($l)/members/\($hd)", body: ({status: "unsubscribed"} | tojson)},
  {method: "PUT", path: "/lists/\($l)/members/\($hd)", body: ({email_address: $d, status_if_new: "unsubscribed"} | tojson)}]}')
check "batch" 200 "$(mc POST /3.0/batches "$ops")"
ID=$(field .id)
check "batch pending" "pending 4 0" "$(field '"\(.status) \(.total_operations) \(.finished_operations)"')"
check "not applied yet" null "$(state ".lists.$L.members[\"$HC\"]")"
check "batch started" started "$(mc GET "/3.0/batches/$ID" >/dev/null; field .status)"
check "batch finished" "finished 4 2" "$(mc GET "/3.0/batches/$ID" >/dev/null; field '"\(.status) \(.finished_operations) \(.errored_operations)"')"
check "batch stays finished" "finished 4 2" "$(mc GET "/3.0/batches/$ID" >/dev/null; field '"\(.status) \(.finished_operations) \(.errored_operations)"')"
check "batch applied" "subscribed Cecilia unsubscribed" "$(state ".lists.$L.members | \"\(.[\"$HC\"].status) \(.[\"$HC\"].merge_fields.FNAME) \(.[\"$HD\"].status)\"")"
check "batch without operations" 400 "$(mc POST /3.0/batches '{}')"
check "batch body as object" 400 "$(mc POST /3.0/batches '{"operations":[{"method":"PUT","path":"/x","body":{}}]}')"
check "batch unknown" 404 "$(mc GET /3.0/batches/nobatch)"

# The request log: one line per request with every field sent.
n_log=$(wc -l <"$T/log")
check "a line per request (and per operation)" "$(($(state .requests) + 4))" "$n_log"
check "log fields" true "$(jq -s 'all(has("method") and has("path") and has("body") and has("status"))' "$T/log")"
check "log of the first put" "PUT /3.0/lists/$L/members/$HA 200 Anna Aalto subscribed" \
    "$(jq -rs 'map(select(.method == "PUT"))[0] | "\(.method) \(.path) \(.status) \(.body.merge_fields.FNAME) \(.body.merge_fields.LNAME) \(.body.status_if_new)"' "$T/log")"
check "log of a query" 2 "$(jq -rs 'map(select(.query.count == "2"))[0].query.count' "$T/log")"
check "log of batch operations" "4 $ID Cecilia 400" "$(jq -rs "map(select(.batch == \"$ID\")) | \"\(length) \(.[0].batch) \(.[0].body.merge_fields.FNAME) \(.[1].status)\"" "$T/log")"
check "state dump not logged" 0 "$(grep -c _fake "$T/log")"
stop_fake

# Every 3rd request answered 429 with Retry-After.
start_fake rate --list $L --rate-429 3 --retry-after 2
got=
for _ in 1 2 3 4 5 6; do got="$got $(mc GET /3.0/ping)"; done
check "every 3rd 429" " 200 200 429 200 200 429" "$got"
problem 429 "Too Many Requests"
check "Retry-After" 2 "$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$T/head")"
stop_fake

# The 11th concurrent connection answered 429; once others close, served again.
start_fake conn --list $L
check "11th connection" "429 200" "$(python3 - "$FP" "$KEY" <<'EOF'
import base64, socket, sys, time
port, key = int(sys.argv[1]), sys.argv[2]
auth = base64.b64encode(("u:" + key).encode()).decode()
def status():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET /3.0/ping HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"
               "Connection: close\r\n\r\n" % auth).encode())
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.split(b" ")[1].decode() if data else "none"
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
time.sleep(0.3)
first = status()
for s in held:
    s.close()
time.sleep(0.3)
print(first, status())
EOF
)"
stop_fake

# Refusals at start.
echo '{"lists": {"x": {"members": [{"email_address": "no-at-sign", "status": "subscribed"}]}}}' >"$T/bad.json"
"$FAKE_MAILCHIMP" --seed "$T/bad.json" >/dev/null 2>&1
check "bad seed" 2 "$?"
"$FAKE_MAILCHIMP" --rate-429 many >/dev/null 2>&1
check "bad option" 2 "$?"
"$FAKE_MAILCHIMP" --log >/dev/null 2>&1
check "option without value" 2 "$?"

rk_finish fake_mailchimp
