#!/bin/sh
# sweep.sh — the retention sweep through the CLI: two marketing consents
# given a year and a half apart under the example's 2-year validity; with
# --now past the first one's expiry, a dry run counts it and writes nothing,
# the run expires it (the person leaves the marketing register and the
# audience, the other stays), the audit chain records it and still holds,
# and a second run does nothing. Output names no person.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_ACTOR=tester

r init init
expect_ok init
M="--register marketing --purpose sales_promotion --source web_form --consent-channel web_form"
REKISTERI_NOW=2025-01-15T10:00:00Z r a1 person add $M --name Maija --email maija@example.fi
expect_ok a1
P1=$(out a1)
REKISTERI_NOW=2026-06-01T10:00:00Z r a2 person add $M --name Matti --email matti@example.fi
expect_ok a2
P2=$(out a2)

# Before the first expiry: nothing to do.
r early sweep --now 2027-01-15T09:59:59Z --format json
expect_ok early
jq -e '.consents_expired == 0 and .signups_expired == 0' "$T/early.out" >/dev/null && ok \
    || bad "early: $(out early)"

AFTER=2027-01-16T00:00:00Z
r dry sweep --dry-run --now $AFTER --format json
expect_ok dry
jq -e '.dry_run and .consents_expired == 1 and .signups_expired == 0' "$T/dry.out" >/dev/null \
    && ok || bad "dry: $(out dry)"
r audit0 audit list --format json
jq -e 'map(select(.action | startswith("sweep."))) | length == 0' "$T/audit0.out" >/dev/null \
    && ok || bad "dry run wrote audit events"
r aud0 audience --purpose sales_promotion
grep -q "$P1" "$T/aud0.out" && ok || bad "dry run changed the audience"

r run sweep --now $AFTER
expect_ok run
grep -q "consents past validity  expired 1" "$T/run.out" && ok || bad "run: $(out run)"
grep -q -e "$P1" -e maija -e Maija "$T/run.out" && bad "sweep output names a person" || ok

r aud1 audience --purpose sales_promotion
grep -q "$P1" "$T/aud1.out" && bad "expired consenter still in the audience" || ok
grep -q "$P2" "$T/aud1.out" && ok || bad "live consenter left the audience"
r show1 person show "$P1" --format json
jq -e '[.registers[]? | select(.register == "marketing")] | length == 0' "$T/show1.out" \
    >/dev/null && ok || bad "expired consenter still in the marketing register: $(out show1)"
r cl1 consent list "$P1" --format json
jq -e '.[-1].kind == "expired" or .[-1].event == "expired"' "$T/cl1.out" >/dev/null && ok \
    || bad "ledger lacks the expiry: $(out cl1)"

r audit1 audit list --format json
jq -e --arg p "$P1" '(map(select(.action == "sweep.consent_expired" and .person == $p
        and .detail == "sales_promotion")) | length == 1)
    and (map(select(.action == "sweep.run")) | length == 1)' "$T/audit1.out" >/dev/null \
    && ok || bad "audit: $(out audit1)"
r verify audit verify
expect_ok verify

# Idempotent: a second run does nothing and writes nothing.
r again sweep --now $AFTER --format json
expect_ok again
jq -e '.consents_expired == 0 and .signups_expired == 0' "$T/again.out" >/dev/null && ok \
    || bad "second run: $(out again)"
r audit2 audit list --format json
[ "$(jq length "$T/audit2.out")" = "$(jq length "$T/audit1.out")" ] && ok \
    || bad "second run wrote audit events"

# The service runs the sweep itself: Matti's consent (given 2026-06-01) has run
# out by 2028; a server started then, sweeping every second, expires it.
REKISTERI_NOW=2028-07-01T00:00:00Z "$REKISTERI" serve --listen 127.0.0.1:0 --sweep-interval 1 \
    >"$T/serve.out" 2>"$T/serve.err" &
spid=$!
for _ in $(seq 100); do
    grep -q '"event":"sweep","ok":true,"consents_expired":1' "$T/serve.err" && break
    sleep 0.1
done
kill -TERM "$spid" && wait "$spid"
grep -q '"event":"sweep","ok":true,"consents_expired":1' "$T/serve.err" && ok \
    || bad "the service did not sweep: $(cat "$T/serve.err")"
r aud2 audience --purpose sales_promotion
grep -q matti "$T/aud2.out" && bad "still in the audience after the service's sweep" || ok
r audit3 audit list --format json
jq -e --arg p "$P2" 'map(select(.action == "sweep.consent_expired" and .person == $p and
    .actor == "sweep")) | length == 1' "$T/audit3.out" >/dev/null && ok || bad "service sweep not audited"
r badint serve --sweep-interval -5
[ "$(rc badint)" = 2 ] && ok || bad "bad --sweep-interval: status $(rc badint)"

r badnow sweep --now yesterday
[ "$(rc badnow)" = 2 ] && ok || bad "bad --now: status $(rc badnow)"

rk_finish sweep.sh
