#!/bin/sh
# recipients_console_api.sh — the console's recipients routes (issue 15):
# GET /api/v1/recipients lists the client recipients (the example's
# Salesforce and Mailchimp connectors) with whether each is configured (the
# reason naming the environment variable, never a value), the sync state
# and the persons a recipient refused (by id, never an address); POST
# /api/v1/recipients/{id}/sync clears the recipient's wait after a failed
# pass and wakes serve's sync thread, which runs the pass at once (not after
# its interval), and is audited. Both are refused without a token (401) and
# to a role without the RECIPIENTS capability (403); an unknown recipient and
# one whose connector is not a client are 404. Mailchimp is the fake
# (tests/tools/fake_mailchimp.c). CTest sets REKISTERI, RK_SOURCE_DIR and
# FAKE_MAILCHIMP.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${FAKE_MAILCHIMP:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_SALESFORCE_CLIENT_ID \
    REKISTERI_SALESFORCE_CLIENT_SECRET REKISTERI_MAILCHIMP_API_KEY
KEY=0123456789abcdef0123456789abcdef-us6
LIST=a1b2c3d4e5
hash() { printf %s "$1" | tr 'A-Z' 'a-z' | md5sum | cut -c1-32; }

# req TOKEN METHOD PATH: the status in $code, the body in $T/b.
req() {
    set -- "$1" "$2" "$3"
    if [ -n "$1" ]; then
        code=$(curl -s --max-time 30 -o "$T/b" -w '%{http_code}' -X "$2" \
            -H "Authorization: Bearer $1" "$U$3" </dev/null)
    else
        code=$(curl -s --max-time 30 -o "$T/b" -w '%{http_code}' -X "$2" "$U$3" </dev/null)
    fi
}
expect() { # expect WHAT STATUS [GREP-PATTERN]
    if [ "$code" != "$2" ]; then
        bad "$1: status $code, expected $2: $(head -c 300 "$T/b")"
    elif [ -n "${3-}" ] && ! grep -q -- "$3" "$T/b"; then
        bad "$1: body lacks $3: $(head -c 400 "$T/b")"
    else
        ok
    fi
}
# jqb FILTER: the filter over the last body, raw.
jqb() { jq -r "$1" "$T/b"; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }

# ---- set-up: a fake audience; one member deleted for good, so Mailchimp refuses it ----
cat >"$T/seed.json" <<EOF
{"lists": {"$LIST": {"members": [{"email_address": "forgotten@example.fi", "status": "subscribed"}]}}}
EOF
"$FAKE_MAILCHIMP" --max-seconds 250 --key "$KEY" --list "$LIST" --seed "$T/seed.json" \
    >"$T/fake.out" 2>"$T/fake.err" &
fake_pid=$!
pids="$pids $fake_pid"
FP=
rk_wait_file "$T/fake.out" && FP=$(head -n 1 "$T/fake.out")
[ -n "$FP" ] || { echo "FAIL: fake_mailchimp did not start: $(cat "$T/fake.err")"; exit 1; }
curl -s -o /dev/null -w '%{http_code}' -u "x:$KEY" -X POST \
    "http://127.0.0.1:$FP/3.0/lists/$LIST/members/$(hash forgotten@example.fi)/actions/delete-permanent" \
    >"$T/del.code"
check "the fake forgets a member" 204 "$(cat "$T/del.code")"

mkdir -p "$T/reg" && cd "$T/reg" || exit 1
sed -e "s|^      api_key_env: REKISTERI_MAILCHIMP_API_KEY|&\\
      url: http://127.0.0.1:$FP/3.0|" \
    "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >decl.yaml
grep -q "url: http://127.0.0.1:$FP/3.0" decl.yaml || { echo "FAIL: sed the declaration"; exit 1; }
export REKISTERI_DECLARATION="$PWD/decl.yaml"
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
export REKISTERI_MAILCHIMP_API_KEY="$KEY"
add_person() { # add_person EMAIL NAME: prints the id
    R person add --register marketing --purpose sales_promotion --source web_form \
        --name "$2" --email "$1" --consent-channel web_form 2>>"$T/cli.err"
}
A=$(add_person anna.virtanen@example.fi "Anna Virtanen")
G=$(add_person forgotten@example.fi "Frida Forgotten")
[ -n "$A" ] && [ -n "$G" ] && ok || { echo "FAIL: person add ($A/$G): $(cat "$T/cli.err")"; exit 1; }
R recipients sync mailchimp >/dev/null 2>>"$T/cli.err" # completes; G refused
# The fake gone: the next pass gets no answer and waits (next_at).
rk_stop "$fake_pid"
B=$(add_person pekka.korhonen@example.fi "Pekka Korhonen")
R recipients sync mailchimp >/dev/null 2>>"$T/cli.err" &&
    bad "a sync without the recipient's answer succeeded" || ok

MK=$(R token create --name mk --role marketing 2>/dev/null)
DP=$(R token create --name dp --role dpo 2>/dev/null)
[ -n "$MK" ] && [ -n "$DP" ] && [ -n "$B" ] && ok || { echo "FAIL: tokens"; exit 1; }
# A long interval: only a wake (or the start) makes the thread run a pass.
rk_serve "$T/out" "$T/err" --sync-interval 3600

# ---- 401 and 403 ----
req "" GET /api/v1/recipients;                          expect "list without a token" 401
req "$MK" GET /api/v1/recipients;                       expect "list without RECIPIENTS" 403 '"forbidden"'
req "" POST /api/v1/recipients/mailchimp/sync;          expect "sync without a token" 401
req "$MK" POST /api/v1/recipients/mailchimp/sync;       expect "sync without RECIPIENTS" 403 '"forbidden"'

# ---- the list ----
req "$DP" GET /api/v1/recipients;                       expect "list" 200
check "the client recipients, in the declaration's order" "salesforce mailchimp" \
    "$(jqb '[.recipients[].id] | join(" ")')"
check "salesforce: not configured" "false" "$(jqb '.recipients[0].configured')"
jqb '.recipients[0].not_configured' | grep -q 'REKISTERI_SALESFORCE_CLIENT_' && ok ||
    bad "salesforce: the reason names the variable: $(jqb '.recipients[0].not_configured')"
check "salesforce: never synced" "null" "$(jqb '.recipients[0].sync')"
check "salesforce: connector type" "salesforce" "$(jqb '.recipients[0].connector')"
check "mailchimp: configured" "true" "$(jqb '.recipients[1].configured')"
check "mailchimp: no reason when configured" "null" "$(jqb '.recipients[1].not_configured')"
check "mailchimp: the name" "The Rocket Science Group LLC d/b/a MailChimp" "$(jqb '.recipients[1].name')"
check "mailchimp: one failed pass in a row" "1" "$(jqb '.recipients[1].sync.attempts')"
[ "$(jqb '.recipients[1].sync.next_at')" != null ] && ok || bad "mailchimp: no next_at: $(cat "$T/b")"
[ "$(jqb '.recipients[1].sync.complete_at')" != null ] && ok ||
    bad "mailchimp: the first pass was complete: $(cat "$T/b")"
[ "$(jqb '.recipients[1].sync.last_error')" != null ] && ok || bad "mailchimp: no last error"
check "mailchimp: the refused person" "$G" "$(jqb '[.recipients[1].refused[].person] | join(" ")')"
jqb '.recipients[1].refused[0].error' | grep -q '400' && ok ||
    bad "the refusal's status: $(jqb '.recipients[1].refused[0].error')"
[ "$(jqb '.recipients[1].refused[0].at')" != null ] && ok || bad "the refusal's time"
check "not more refused" "false" "$(jqb '.recipients[1].refused_more')"
grep -q '@' "$T/b" && bad "an address in the list: $(cat "$T/b")" || ok
grep -q "$KEY" "$T/b" && bad "the API key in the list" || ok

# ---- sync now ----
sleep 1
req "$DP" GET /api/v1/recipients
check "no pass without a wake (interval 3600 s)" "1" "$(jqb '.recipients[1].sync.attempts')"
req "$DP" POST /api/v1/recipients/nosuch/sync;          expect "sync, unknown recipient" 404 '"not_found"'
req "$DP" POST /api/v1/recipients/mailchimp/sync
expect "sync now" 202 '"state":"queued"'
check "sync now: the recipient" "mailchimp" "$(jqb '.recipient')"
# The woken thread runs the pass at once; the fake is still gone, so it fails again.
n=0
for _ in $(seq 100); do
    req "$DP" GET /api/v1/recipients
    n=$(jqb '.recipients[1].sync.attempts')
    [ "$n" = 2 ] && break
    sleep 0.1
done
check "the pass ran at once after sync now" 2 "$n"
[ "$(jqb '.recipients[1].sync.next_at')" != null ] && ok || bad "the failed pass waits again"
req "$DP" POST /api/v1/recipients/salesforce/sync
expect "sync now, a recipient never synced (nothing to clear)" 202
R audit list >"$T/audit.txt" 2>&1
[ "$(grep -c 'recipient.sync_now' "$T/audit.txt")" = 2 ] && ok ||
    bad "sync now audited twice: $(grep 'recipient' "$T/audit.txt")"
grep -q "$KEY" "$T/err" "$T/out" "$T/cli.err" && bad "the API key in a log" || ok

rk_stop "$pid"

# ---- a recipient whose connector is not a client: 404; none listed ----
mkdir -p "$T/web" && cd "$T/web" || exit 1
rk_example_webhook http://127.0.0.1:9/hook REKISTERI_HOOK_SECRET >decl.yaml
export REKISTERI_DECLARATION="$PWD/decl.yaml" REKISTERI_HOOK_SECRET=0123456789abcdef0123456789abcdef
rk_new_db
R init >/dev/null 2>&1 || { echo "FAIL: init (webhook)"; exit 1; }
DP=$(R token create --name dp --role dpo 2>/dev/null)
rk_serve "$T/out2" "$T/err2"
req "$DP" GET /api/v1/recipients;                       expect "list, no client recipient" 200
check "no client recipient listed" 0 "$(jqb '.recipients | length')"
req "$DP" POST /api/v1/recipients/mailchimp/sync;       expect "sync, a webhook recipient" 404
req "$DP" POST /api/v1/recipients/salesforce/sync;      expect "sync, no connector" 404

rk_finish recipients_console_api
