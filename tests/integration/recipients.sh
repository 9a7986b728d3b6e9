#!/bin/sh
# recipients.sh — art 19 notices to recipients against real HTTP receivers on
# loopback (tests/tools/http_sink.c), and the Mailchimp inbound webhook.
# Notices are queued with `recipients notify` (the rights' own effects queue
# them the same way). A webhook receiver gets a signed JSON POST (verified
# here with openssl); one answering 503 gets it after the backoff
# (REKISTERI_NOW moves the clock); one answering 410 fails it, and
# `recipients list --failed` shows it without the email. An OpenGDPR
# receiver gets an erasure request with the fields of the spec and is polled
# pending → in_progress → completed; rectifications are "unsupported" there.
# `serve` delivers by itself. The Mailchimp hook withdraws consent (the
# person leaves the audience), changes an email and a name; a wrong secret
# is 404, a malformed body, another list or a name or email with a direction
# control or invisible character 400. No email in any log.
# CTest sets REKISTERI, RK_SOURCE_DIR and HTTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${HTTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
export WEBHOOK_SECRET=whsec-0123456789abcdef OGDPR_TOKEN=ogdpr-token-42
export MC_SECRET=mc-inbound-secret-0123456789

# scenario NAME WEBHOOK_PORT OPENGDPR_PORT: a fresh register in $T/NAME.reg whose
# mailchimp recipient has a webhook connector and salesforce an OpenGDPR one.
scenario() {
    mkdir -p "$T/$1.reg" && cd "$T/$1.reg" || exit 1
    rk_example_webhook "http://127.0.0.1:$2/hook" WEBHOOK_SECRET |
        sed -e "s|secret_env: REKISTERI_MAILCHIMP_HOOK_SECRET|secret_env: MC_SECRET|" \
            -e "/^    name: Salesforce\$/a\\
    connector: {type: opengdpr, url: 'http://127.0.0.1:$3/', secret_env: OGDPR_TOKEN}" >decl.yaml
    export REKISTERI_DECLARATION="$PWD/decl.yaml"
    R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
}
count() { R recipients list --format json | jq -r ".$1"; }
add_person() { # add_person EMAIL NAME: prints the id
    R person add --register marketing --purpose sales_promotion --source web_form \
        --name "$2" --email "$1" --consent-channel web_form 2>/dev/null
}
reqs() { find "$T/$1" -name '*.req' | wc -l | tr -d ' '; }

# ---- webhook: a signed POST, delivered once; OpenGDPR: erasure request, polled ----
rk_sink http "$T/hook"
HP=$PORT
rk_sink http "$T/ogdpr" --opengdpr
OP=$PORT
scenario one "$HP" "$OP"
P=$(add_person matti@example.fi "Matti Meikäläinen")
[ -n "$P" ] && ok || bad "person add"
N=$(R recipients notify "$P" --kind erasure --request req-7 2>/dev/null)
[ "$N" = 2 ] && [ "$(count queued)" = 2 ] && ok || bad "notify queued $N"
OUT=$(R recipients send --poll-interval 0 2>"$T/one.err")
[ "$OUT" = "delivered 1, pending 1, completed 0, retried 0, failed 0, unsupported 0" ] && ok \
    || bad "send: $OUT $(cat "$T/one.err")"
REQ="$T/hook/0001.req"
BODY="$T/hook/0001.body"
head -1 "$REQ" | grep -q '^POST /hook$' && grep -q '^Content-Type: application/json$' "$REQ" \
    && ok || bad "webhook request: $(cat "$REQ")"
[ "$(jq -r .event "$BODY")" = erasure ] && [ "$(jq -r .person_id "$BODY")" = "$P" ] \
    && [ "$(jq -r .request_id "$BODY")" = req-7 ] \
    && [ "$(jq -r .identity.email "$BODY")" = matti@example.fi ] \
    && [ "$(jq -r '.notice_id | type' "$BODY")" = number ] \
    && jq -r .occurred_at "$BODY" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
    && [ "$(jq -r 'keys_unsorted | join(",")' "$BODY")" = \
        "event,notice_id,person_id,request_id,identity,occurred_at" ] \
    && ok || bad "webhook body: $(cat "$BODY")"
# The signature: sha256=HEX(HMAC-SHA256(secret, TIMESTAMP "." BODY)).
TS=$(sed -n 's/^X-Rekisteri-Timestamp: //p' "$REQ")
SIG=$(sed -n 's/^X-Rekisteri-Signature: sha256=//p' "$REQ")
MAC=$({ printf '%s.' "$TS"; cat "$BODY"; } | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -r \
    | cut -d' ' -f1)
[ -n "$TS" ] && [ -n "$SIG" ] && [ "$SIG" = "$MAC" ] && ok || bad "signature $SIG vs $MAC"
WRONG=$({ printf '%s.' "$((TS + 1))"; cat "$BODY"; } | openssl dgst -sha256 \
    -hmac "$WEBHOOK_SECRET" -r | cut -d' ' -f1)
[ "$SIG" != "$WRONG" ] && ok || bad "the timestamp is not in the MAC"
# OpenGDPR: POST /opengdpr_requests with the spec's fields and the bearer token.
OREQ="$T/ogdpr/0001.req"
OB="$T/ogdpr/0001.body"
RID=$(jq -r .subject_request_id "$OB")
head -1 "$OREQ" | grep -q '^POST /opengdpr_requests$' \
    && grep -q "^Authorization: Bearer $OGDPR_TOKEN\$" "$OREQ" \
    && echo "$RID" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
    && [ "$(jq -r .subject_request_type "$OB")" = erasure ] \
    && [ "$(jq -r '.subject_identities[0].identity_type' "$OB")" = email ] \
    && [ "$(jq -r '.subject_identities[0].identity_value' "$OB")" = matti@example.fi ] \
    && [ "$(jq -r '.subject_identities[0].identity_format' "$OB")" = raw ] \
    && jq -r .submitted_time "$OB" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
    && ok || bad "OpenGDPR request: $(cat "$OREQ")"
[ "$(count pending)" = 1 ] && [ "$(count done)" = 1 ] && ok || bad "states after the first pass"
# The identity (sealed, core/rotate.h "Sealed values") is forgotten once the recipient has it.
[ "$(rk_census sealed_notices)" = 0 ] \
    && ok || bad "identity kept after delivery"
# Polls: pending, in_progress, completed.
OUT1=$(R recipients send --poll-interval 0 2>/dev/null)
OUT2=$(R recipients send --poll-interval 0 2>/dev/null)
OUT3=$(R recipients send --poll-interval 0 2>/dev/null)
[ "$OUT1" = "delivered 0, pending 1, completed 0, retried 0, failed 0, unsupported 0" ] \
    && [ "$OUT3" = "delivered 0, pending 0, completed 1, retried 0, failed 0, unsupported 0" ] \
    && ok || bad "polling: $OUT1 / $OUT2 / $OUT3"
head -1 "$T/ogdpr/0002.req" | grep -q "^GET /opengdpr_requests/$RID\$" \
    && grep -q "^Authorization: Bearer $OGDPR_TOKEN\$" "$T/ogdpr/0002.req" && ok \
    || bad "status request: $(head -3 "$T/ogdpr/0002.req")"
[ "$(count done)" = 2 ] && [ "$(count pending)" = 0 ] && [ "$(reqs ogdpr)" = 4 ] && ok \
    || bad "done after completed ($(reqs ogdpr) requests)"
OUT=$(R recipients send 2>/dev/null)
[ "$(reqs hook)" = 1 ] && [ "$(reqs ogdpr)" = 4 ] && ok || bad "sent again: $OUT"
# A rectification: the webhook gets it, OpenGDPR cannot carry it.
R recipients notify "$P" --kind rectification >/dev/null 2>&1
OUT=$(R recipients send 2>/dev/null)
[ "$OUT" = "delivered 1, pending 0, completed 0, retried 0, failed 0, unsupported 1" ] \
    && [ "$(jq -r .event "$T/hook/0002.body")" = rectification ] \
    && [ "$(jq -r .request_id "$T/hook/0002.body")" = null ] && ok || bad "rectification: $OUT"
R recipients list --failed >"$T/list.txt" 2>&1
grep -q "salesforce .*rectification .*unsupported.*not supported by connector" "$T/list.txt" \
    && ! grep -q matti "$T/list.txt" && ok || bad "unsupported listed: $(cat "$T/list.txt")"
! grep -q 'matti' "$T/one.err" && grep -q '"result":"done"' "$T/one.err" && ok \
    || bad "log: $(cat "$T/one.err")"
# Refusals of notify.
R recipients notify "$P" --kind deletion >/dev/null 2>&1
[ $? = 2 ] && ok || bad "notify bad kind"
R recipients notify nosuchperson --kind erasure >/dev/null 2>&1
[ $? = 2 ] && ok || bad "notify unknown person"

# ---- retries: 503 twice, then delivered after the backoff ----
rk_sink http "$T/flaky" --fail-first 2
FP=$PORT
scenario two "$FP" "$OP"
P=$(add_person maija@example.fi "Maija")
export REKISTERI_NOW=2026-03-01T10:00:00Z
R recipients notify "$P" --kind restriction >/dev/null 2>&1
OUT=$(R recipients send --retry-base 60 2>"$T/two.err")
[ "$OUT" = "delivered 0, pending 0, completed 0, retried 1, failed 0, unsupported 1" ] && ok \
    || bad "first attempt: $OUT"
grep -q '"result":"retry".*HTTP 503' "$T/two.err" && ok || bad "retry log: $(cat "$T/two.err")"
OUT=$(R recipients send --retry-base 60 2>/dev/null)
[ "$OUT" = "delivered 0, pending 0, completed 0, retried 0, failed 0, unsupported 0" ] \
    && [ "$(reqs flaky)" = 1 ] && ok || bad "retried before the backoff: $OUT"
export REKISTERI_NOW=2026-03-01T10:01:00Z
OUT=$(R recipients send --retry-base 60 2>/dev/null)
[ "$OUT" = "delivered 0, pending 0, completed 0, retried 1, failed 0, unsupported 0" ] && ok \
    || bad "second attempt: $OUT"
export REKISTERI_NOW=2026-03-01T10:03:00Z
OUT=$(R recipients send --retry-base 60 2>/dev/null)
[ "$OUT" = "delivered 1, pending 0, completed 0, retried 0, failed 0, unsupported 0" ] \
    && [ "$(reqs flaky)" = 3 ] && [ "$(jq -r .event "$T/flaky/0003.body")" = restriction ] \
    && ok || bad "third attempt: $OUT"
unset REKISTERI_NOW

# ---- permanent failure: 410, listed for staff without the email ----
rk_sink http "$T/gone" --status 410
GP=$PORT
scenario three "$GP" "$OP"
P=$(add_person pekka@example.fi "Pekka")
R recipients notify "$P" --kind erasure >/dev/null 2>&1
OUT=$(R recipients send --poll-interval 0 2>/dev/null)
[ "$OUT" = "delivered 0, pending 1, completed 0, retried 0, failed 1, unsupported 0" ] && ok \
    || bad "410: $OUT"
R recipients list --failed >"$T/failed.txt" 2>&1
grep -q "mailchimp .*erasure .*failed .*attempts 1 .*person $P: the recipient answered HTTP 410" \
    "$T/failed.txt" && ! grep -q pekka "$T/failed.txt" && ok || bad "list: $(cat "$T/failed.txt")"
J=$(R recipients list --failed --format json)
[ "$(echo "$J" | jq -r '.failed_notices[0].last_error')" = "the recipient answered HTTP 410" ] \
    && ! echo "$J" | grep -q pekka && ok || bad "list json: $J"
# A missing secret is an error naming the variable, never a value.
R recipients notify "$P" --kind rectification >/dev/null 2>&1
OUT=$(env -u WEBHOOK_SECRET "$REKISTERI" recipients send 2>&1)
echo "$OUT" | grep -q "environment variable WEBHOOK_SECRET" && ok || bad "no secret: $OUT"

# ---- serve delivers by itself, and the Mailchimp webhook ----
rk_sink http "$T/live"
LP=$PORT
scenario four "$LP" "$OP"
A=$(add_person anna@example.fi "Anna A")
B=$(add_person bertta@example.fi "Bertta B")
rk_serve "$T/serve.out" "$T/serve.err" --public-rate 0
R recipients notify "$A" --kind erasure >/dev/null 2>&1
for _ in $(seq 50); do [ "$(reqs live)" -ge 1 ] && break; sleep 0.1; done
[ "$(reqs live)" = 1 ] && ok || bad "serve did not deliver: $(cat "$T/serve.err")"
# The deliverer counts its queue for /metrics after an idle second's pass: wait for it (10 s).
for _ in $(seq 50); do
    curl -s "$U/metrics" | grep -q '^rekisteri_recipient_notices{state="pending"} 1$' && break
    sleep 0.2
done
curl -s "$U/metrics" | grep -q '^rekisteri_recipient_notices{state="pending"} 1$' && ok \
    || bad "metrics: $(curl -s "$U/metrics" | grep recipient)"

C="curl -s --max-time 10 -o $T/body -w %{http_code}"
HOOK="$U/hooks/mailchimp/$MC_SECRET"
LIST=a1b2c3d4e5
in_audience() { R audience --purpose sales_promotion | grep -qi "$1"; }
in_audience anna@example.fi && ok || bad "anna not in the audience at first"
[ "$($C "$HOOK")" = 200 ] && ok || bad "GET check of the hook"
[ "$($C -X POST --data-urlencode type=unsubscribe --data-urlencode "data[list_id]=$LIST" \
    --data-urlencode 'data[email]=Anna@Example.fi' --data-urlencode 'fired_at=2026-03-01 10:00:00' \
    "$HOOK")" = 200 ] && [ "$(jq -r .changed "$T/body")" = 1 ] && ok \
    || bad "unsubscribe: $(cat "$T/body")"
! in_audience anna@example.fi && in_audience bertta@example.fi && ok \
    || bad "anna still in the audience"
R consent list "$A" >"$T/hist.txt" 2>&1
grep -qi mailchimp "$T/hist.txt" && ok || bad "channel mailchimp not recorded: $(cat "$T/hist.txt")"
# Repeating it is harmless.
[ "$($C -X POST -d "type=unsubscribe&data%5Blist_id%5D=$LIST&data%5Bemail%5D=anna%40example.fi" \
    "$HOOK")" = 200 ] && [ "$(jq -r .changed "$T/body")" = 0 ] && ok || bad "unsubscribe twice"
# upemail changes the email; the person is found by the new one.
[ "$($C -X POST -d "type=upemail&data%5Blist_id%5D=$LIST&data%5Bold_email%5D=bertta%40example.fi&data%5Bnew_email%5D=bertta.b%40example.fi" \
    "$HOOK")" = 200 ] && [ "$(jq -r .changed "$T/body")" = 1 ] && ok \
    || bad "upemail: $(cat "$T/body")"
R person find bertta.b@example.fi 2>/dev/null | grep -q "$B" && ok || bad "new email not found"
# profile changes the name.
[ "$($C -X POST -d "type=profile&data%5Blist_id%5D=$LIST&data%5Bemail%5D=bertta.b%40example.fi&data%5Bmerges%5D%5BFNAME%5D=Bertta&data%5Bmerges%5D%5BLNAME%5D=Uusi" \
    "$HOOK")" = 200 ] && R person show "$B" 2>/dev/null | grep -q "Bertta Uusi" && ok \
    || bad "profile: $(cat "$T/body")"
# A direction control or an invisible character in a changed name or email is refused (400,
# naming the field and the reason), and nothing changes.
[ "$($C -X POST --data-urlencode type=profile --data-urlencode "data[list_id]=$LIST" \
    --data-urlencode 'data[email]=bertta.b@example.fi' \
    --data-urlencode "data[merges][FNAME]=Bertta$(printf '\342\200\256')" "$HOOK")" = 400 ] \
    && jq -r .error.message "$T/body" | grep -q 'FNAME.*direction-control character' \
    && R person show "$B" 2>/dev/null | grep -q "Bertta Uusi" && ok \
    || bad "profile with U+202E: $(cat "$T/body")"
[ "$($C -X POST --data-urlencode type=upemail --data-urlencode "data[list_id]=$LIST" \
    --data-urlencode 'data[old_email]=bertta.b@example.fi' \
    --data-urlencode "data[new_email]=bertta$(printf '\342\200\213')@example.fi" "$HOOK")" = 400 ] \
    && jq -r .error.message "$T/body" | grep -q 'data\[new_email\]' \
    && R person find bertta.b@example.fi >/dev/null 2>&1 && ok \
    || bad "upemail with U+200B: $(cat "$T/body")"
# Unknown address: nothing to do. Other event types are acknowledged.
[ "$($C -X POST -d "type=unsubscribe&data%5Blist_id%5D=$LIST&data%5Bemail%5D=nobody%40example.fi" \
    "$HOOK")" = 200 ] && [ "$(jq -r .persons "$T/body")" = 0 ] && ok || bad "unknown address"
[ "$($C -X POST -d "type=subscribe&data%5Blist_id%5D=$LIST&data%5Bemail%5D=x%40example.fi" \
    "$HOOK")" = 200 ] && [ "$(jq -r .result "$T/body")" = ignored ] && ok || bad "subscribe"
# Refusals: wrong secret 404 (GET and POST), other list 400, malformed 400.
[ "$($C -X POST -d "type=unsubscribe&data%5Blist_id%5D=$LIST&data%5Bemail%5D=bertta.b%40example.fi" \
    "$U/hooks/mailchimp/wrong-secret-0123456789")" = 404 ] && ok || bad "wrong secret"
[ "$($C "$U/hooks/mailchimp/wrong-secret-0123456789")" = 404 ] && ok || bad "wrong secret GET"
[ "$($C -X POST -d "type=unsubscribe&data%5Blist_id%5D=other&data%5Bemail%5D=bertta.b%40example.fi" \
    "$HOOK")" = 400 ] && [ "$(jq -r .error.code "$T/body")" = unknown_list ] && ok \
    || bad "other list"
[ "$($C -X POST -d "type=unsubscribe&data%5Blist_id%5D=$LIST" "$HOOK")" = 400 ] \
    && jq -r .error.message "$T/body" | grep -q 'data\[email\]' && ok || bad "no email"
[ "$($C -X POST -d "type=upemail&data%5Blist_id%5D=$LIST&data%5Bold_email%5D=%ZZ" "$HOOK")" = 400 ] \
    && ok || bad "malformed escape"
[ "$($C -X POST -d "type=cleaned&data%5Blist_id%5D=$LIST&data%5Bemail%5D=not-an-address" \
    "$HOOK")" = 400 ] && ! grep -q not-an-address "$T/body" && ok || bad "bad address"
in_audience bertta.b@example.fi && ok || bad "a refused hook changed something"
# No personal data or secret in the service's log.
! grep -Eqi "anna|bertta|nobody|$MC_SECRET" "$T/serve.err" && grep -q '/hooks/mailchimp/{secret}' \
    "$T/serve.err" && ok || bad "serve log: $(grep -Ei 'anna|bertta|hooks' "$T/serve.err" | head -3)"

rk_finish recipients.sh
