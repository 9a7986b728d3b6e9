#!/bin/sh
# pg_two_instances.sh — two `rekisteri serve` on one PostgreSQL database and one key
# file (issue 17; docs/design-postgres.md (b) and (d)): two client loops POST the
# newsletter form to both at once with distinct addresses, one instance is killed with
# SIGKILL mid-load and its loop goes on against the survivor. Then: every address whose
# POST got a 2xx is in the register (rk_census --email: its pending signup), each
# confirmation mail arrived, and more than once only within the crash window of the
# killed instance (what it had claimed when it died: counted and printed); the mails the
# dead instance had claimed are sent by the survivor once their lease (REKISTERI_CLAIM_LEASE
# = 3 s) has run out; `rekisteri audit verify` holds; the survivor still answers /healthz
# and a new form POST. Instance A's relay is slow (the sink answers DATA after 2 s), so
# that A holds claims when it is killed. Bounded: 2 x 150 requests, every wait bounded,
# well under 90 s.
# CTest sets REKISTERI, RK_SOURCE_DIR, SMTP_SINK and RK_CENSUS; it starts its own cluster.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
START=$(date +%s)
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
unset REKISTERI_KEY_FILE REKISTERI_NOW
rk_pg_start
export REKISTERI_DB="$RK_PG_URI" REKISTERI_CLAIM_LEASE=3
N=150       # requests per loop
KILL_AT=40  # A is killed once its loop has this many 2xx
q() { psql "$RK_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }

R init >"$T/init" 2>&1 || { echo "FAIL: init: $(tail -3 "$T/init")"; exit 1; }
rk_sink smtp "$T/mail_a" --delay-ms 2000
SINK_A=$PORT
rk_sink smtp "$T/mail_b"
SINK_B=$PORT
rk_serve "$T/out_a" "$T/err_a" --smtp "smtp://127.0.0.1:$SINK_A" --public-rate 0 --sweep-interval 1
PID_A=$pid U_A=$U
rk_serve "$T/out_b" "$T/err_b" --smtp "smtp://127.0.0.1:$SINK_B" --public-rate 0 --sweep-interval 1
PID_B=$pid U_B=$U

# loop NAME URL: N form POSTs of NAME1..NAMEN@example.fi to the URL in $T/target_NAME (read
# before each request, so the loop follows it to the survivor); the addresses whose POST
# got a 2xx go to $T/ok_NAME, the others to $T/fail_NAME.
loop() {
    echo "$2" >"$T/target_$1"
    : >"$T/ok_$1"
    : >"$T/fail_$1"
    i=1
    while [ "$i" -le "$N" ]; do
        rk_form_post "$1" "$1$i@example.fi" "$(cat "$T/target_$1")"
        i=$((i + 1))
    done
}
loop a "$U_A" &
LOOP_A=$!
pids="$pids $LOOP_A"
loop b "$U_B" &
LOOP_B=$!
pids="$pids $LOOP_B"

# Kill A mid-load (at most 30 s of waiting), then point its loop at B.
for _ in $(seq 300); do
    [ "$(wc -l <"$T/ok_a" 2>/dev/null || echo 0)" -ge "$KILL_AT" ] && break
    sleep 0.1
done
rk_stop "$PID_A" KILL
KILLED=$(now)
echo "$U_B" >"$T/target_a"
# What A held when it died: queued mail claimed and not marked. B marks its own within
# milliseconds (its relay is fast), so what still carries the same claim half a second
# later is A's.
q "SELECT id || ' ' || claimed_by FROM outbox WHERE state = 'queued' AND claimed_by IS NOT NULL
   ORDER BY id" >"$T/claims0"
sleep 0.5
q "SELECT id || ' ' || claimed_by FROM outbox WHERE state = 'queued' AND claimed_by IS NOT NULL
   ORDER BY id" >"$T/claims1"
comm -12 "$T/claims0" "$T/claims1" | cut -d' ' -f1 >"$T/held_a"
HELD=$(wc -l <"$T/held_a")
[ "$HELD" -gt 0 ] && ok || bad "A held no claims when killed (its relay is slow: it should)"

# The dead instance's claims run out after the lease and the survivor sends them.
RETAKE=
if [ "$HELD" -gt 0 ]; then
    IDS=$(paste -sd, "$T/held_a")
    for _ in $(seq 150); do
        if [ "$(q "SELECT count(*) FROM outbox WHERE id IN ($IDS) AND state = 'sent'")" = "$HELD" ]; then
            RETAKE=$(awk -v a="$(now)" -v b="$KILLED" 'BEGIN { printf "%.1f", a - b }')
            break
        fi
        sleep 0.1
    done
    [ -n "$RETAKE" ] && ok || bad "A's $HELD claimed mails were not sent by B within 15 s"
    # Not before the lease ran out: B waited for it.
    EARLY=$(q "SELECT count(*) FROM outbox WHERE id IN ($IDS) AND sent_at < '$(date -u -d "@$(printf '%.0f' "$KILLED")" +%Y-%m-%dT%H:%M:%SZ)'")
    [ "$EARLY" = 0 ] && ok || bad "$EARLY of A's claimed mails sent before A died"
fi

# The loops end (bounded: 10 s per request at most, in practice a few seconds).
wait "$LOOP_A"
wait "$LOOP_B"
rk_forget "$LOOP_A"
rk_forget "$LOOP_B"
sort -u "$T/ok_a" "$T/ok_b" >"$T/ok"
OK_A=$(wc -l <"$T/ok_a") OK_B=$(wc -l <"$T/ok_b") OK_N=$(wc -l <"$T/ok")
FAIL_A=$(wc -l <"$T/fail_a") FAIL_B=$(wc -l <"$T/fail_b")
[ "$FAIL_B" = 0 ] && ok || bad "B refused $FAIL_B requests: $(head -3 "$T/fail_b")"
# At most the requests in flight at the kill fail (curl gets no answer from A).
[ "$FAIL_A" -le 2 ] && ok || bad "loop a had $FAIL_A failures: $(head -3 "$T/fail_a")"
[ "$OK_N" -ge $((2 * N - 2)) ] && ok || bad "only $OK_N 2xx of $((2 * N))"

# Every 2xx'd address is in the register: its pending signup, found by its address.
# Four lookups at a time (each opens the store): a few seconds for 300.
T0_CENSUS=$(date +%s)
xargs -P 4 -I{} sh -c '"$RK_CENSUS" --email "$1" persons >/dev/null 2>&1 || echo "$1"' _ {} \
    <"$T/ok" >"$T/missing"
missing=$(wc -l <"$T/missing")
[ "$missing" = 0 ] && ok || bad "$missing 2xx'd addresses not in the register: $(head -3 "$T/missing")"
CENSUS_S=$(($(date +%s) - T0_CENSUS))

# Every confirmation sent: the outbox drains (bounded), then each address got its mail.
for _ in $(seq 200); do
    [ "$(q "SELECT count(*) FROM outbox WHERE state = 'queued'")" = 0 ] && break
    sleep 0.1
done
QUEUED=$(q "SELECT count(*) FROM outbox WHERE state = 'queued'")
[ "$QUEUED" = 0 ] && ok || bad "$QUEUED mails still queued"
cat "$T"/mail_a/*.eml "$T"/mail_b/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^To: //p' |
    tr 'A-Z' 'a-z' | sort >"$T/to"
MAILS=$(wc -l <"$T/to")
MAILS_A=$(find "$T/mail_a" -name '*.eml' | wc -l)
MAILS_B=$(find "$T/mail_b" -name '*.eml' | wc -l)
NOMAIL=$(sort -u "$T/to" | comm -13 - "$T/ok" | wc -l)
[ "$NOMAIL" = 0 ] && ok || bad "$NOMAIL 2xx'd addresses got no confirmation: $(sort -u "$T/to" | comm -13 - "$T/ok" | head -3)"
uniq -d "$T/to" >"$T/dups"
DUPS=$(wc -l <"$T/dups")
# A duplicate is only what A had in hand when it died (the crash window: the relay's 250
# before A's commit): at most one message, as A sends one at a time.
[ "$DUPS" -le 1 ] && ok || bad "$DUPS addresses got the confirmation twice: $(head -3 "$T/dups")"
[ "$DUPS" = 0 ] || echo "crash window: $DUPS duplicate(s): $(cat "$T/dups")"
SENT=$(q "SELECT count(*) FROM outbox WHERE state = 'sent'")
[ "$SENT" = "$(sort -u "$T/to" | wc -l)" ] && ok || bad "sent $SENT, received for $(sort -u "$T/to" | wc -l) addresses"

# The chain holds across both instances' writes.
R audit verify >"$T/verify" 2>&1 && ok || bad "audit verify: $(tail -3 "$T/verify")"
# One sweep at a time: none failed.
grep -h '"event":"sweep"' "$T/err_a" "$T/err_b" | grep -q '"ok":false' &&
    bad "a sweep failed: $(grep -h '"ok":false' "$T/err_a" "$T/err_b" | head -2)" || ok
SKIPS=$(cat "$T/err_a" "$T/err_b" | grep -c '"event":"sweep_skipped"')

# The survivor serves on.
curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$U_B/healthz" | grep -q '^200$' && ok ||
    bad "survivor /healthz"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' --data-urlencode "email=late@example.fi" \
    --data-urlencode "name=Myöhäinen" -d consent=yes -d lang=fi "$U_B/forms/newsletter")
case $code in 2??) ok ;; *) bad "survivor form POST: $code" ;; esac
for _ in $(seq 50); do
    grep -qi '^To: late@example.fi' "$T"/mail_b/*.eml 2>/dev/null && break
    sleep 0.1
done
grep -qi '^To: late@example.fi' "$T"/mail_b/*.eml && ok || bad "no confirmation for the late POST"

ELAPSED=$(($(date +%s) - START))
echo "figures: 2xx a=$OK_A (failed $FAIL_A) b=$OK_B (failed $FAIL_B); mails $MAILS (sink a $MAILS_A, sink b $MAILS_B); duplicates $DUPS; A held $HELD claims at the kill, sent by B ${RETAKE:-never} s after it (lease 3 s); sweeps skipped for the lease $SKIPS; register check $CENSUS_S s; $ELAPSED s"
rk_finish pg_two_instances
