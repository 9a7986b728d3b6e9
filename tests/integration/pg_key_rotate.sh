#!/bin/sh
# pg_key_rotate.sh — a key rotated while two `rekisteri serve` run on one PostgreSQL
# database, each with a key file of its own as on two machines (issue 17, "caches agree:
# a rotated key takes effect on every instance within a second"; core/rotate.h "Running
# instances"). A form-POST loop runs against each instance throughout. `key rotate` runs
# with A's key file. Then:
#   - A takes the new key within a second (its log: key_rotated), the token from before is
#     refused there and a new one works;
#   - B, whose key file is still the old one, within a second says so (key_behind) and
#     /healthz answers 503; its writes are refused (503), never written under the old key;
#   - once A's key file is copied to B's place, B takes it within a second: /healthz 200,
#     the new token works, its form POSTs go in again;
#   - every address whose POST got a 2xx is in the register, found under the new key;
#     each got its confirmation mail; `audit verify` holds.
# CTest sets REKISTERI, RK_SOURCE_DIR, SMTP_SINK and RK_CENSUS; it starts its own cluster.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
START=$(date +%s)
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
unset REKISTERI_NOW
rk_pg_start
export REKISTERI_DB="$RK_PG_URI"
KA=$T/a/reg.key KB=$T/b/reg.key
mkdir -p "$T/a" "$T/b"
export REKISTERI_KEY_FILE="$KA" # the CLI (and rk_census) act as machine A
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
# logged FILE TEXT: waits (10 s at most) until FILE holds TEXT; prints the seconds waited.
logged() {
    t0=$(now)
    for _ in $(seq 100); do
        grep -q -- "$2" "$1" && { since "$t0"; return 0; }
        sleep 0.1
    done
    return 1
}
api() { curl -s --max-time 10 -o "$T/api.json" -w '%{http_code}' -H "Authorization: Bearer $2" "$1$3"; }
code() { curl -s --max-time 10 -o "$T/code.body" -w '%{http_code}' "$@"; }

R init >"$T/init" 2>&1 || { echo "FAIL: init: $(tail -3 "$T/init")"; exit 1; }
cp -p "$KA" "$KB"
rk_sink smtp "$T/mail_a"
SINK_A=$PORT
rk_sink smtp "$T/mail_b"
SINK_B=$PORT
rk_serve "$T/out_a" "$T/err_a" --key-file "$KA" --journal "$T/a/erasures" \
    --smtp "smtp://127.0.0.1:$SINK_A" --public-rate 0
PID_A=$pid U_A=$U
rk_serve "$T/out_b" "$T/err_b" --key-file "$KB" --journal "$T/b/erasures" \
    --smtp "smtp://127.0.0.1:$SINK_B" --public-rate 0
PID_B=$pid U_B=$U

TOK1=$(R token create --name before --role dpo 2>"$T/tok1.err") || bad "token create: $(cat "$T/tok1.err")"
CHECK="/api/v1/check?email=ei.ketaan@example.fi&purpose=sales_promotion"
[ "$(api "$U_A" "$TOK1" "$CHECK")" = 200 ] && [ "$(api "$U_B" "$TOK1" "$CHECK")" = 200 ] && ok ||
    bad "the token before the rotation on both"

# loop NAME URL: form POSTs of NAME1..@example.fi until $T/stop exists (600 at most), one
# every 50 ms; the 2xx'd addresses go to $T/ok_NAME, the others (with the status) to fail_NAME.
loop() {
    : >"$T/ok_$1"
    : >"$T/fail_$1"
    i=1
    while [ ! -e "$T/stop" ] && [ "$i" -le 600 ]; do
        rk_form_post "$1" "$1$i@example.fi" "$2"
        i=$((i + 1))
        sleep 0.05
    done
}
loop a "$U_A" &
LOOP_A=$!
pids="$pids $LOOP_A"
loop b "$U_B" &
LOOP_B=$!
pids="$pids $LOOP_B"
sleep 1

# ---- the rotation, with A's key file, while both serve and write ----
R key rotate >"$T/rot.out" 2>"$T/rot.err" && ok || bad "key rotate: $(cat "$T/rot.err")"
ROTATED=$(now)
grep -q "generation 1 -> 2" "$T/rot.out" && ok || bad "rotate output: $(cat "$T/rot.out")"
TAKE_A=$(logged "$T/err_a" '"event":"key_rotated","from":1,"to":2') && ok ||
    bad "A did not take the rotated key: $(tail -3 "$T/err_a")"
BEHIND_B=$(logged "$T/err_b" '"event":"key_behind","from":1,"to":2') && ok ||
    bad "B did not say its key file is behind: $(tail -3 "$T/err_b")"
# How long each took (the watcher reads every 250 ms; then the swap) is printed with the
# figures at the end, not asserted: timing is the benchmarks' business, and a loaded
# machine stretches it. Not taken up within logged()'s 10 s is a failure above.

# A under the new key: the old token is refused (rotation revokes them), a new one works.
[ "$(api "$U_A" "$TOK1" "$CHECK")" = 401 ] && ok || bad "A still takes the old token"
TOK2=$(R token create --name after --role dpo 2>"$T/tok2.err") || bad "token create after: $(cat "$T/tok2.err")"
[ "$(api "$U_A" "$TOK2" "$CHECK")" = 200 ] && ok || bad "A refuses the new token: $(cat "$T/api.json")"
# B, behind: out of the load balancer's rotation, and writes refused, not written.
[ "$(code "$U_B/healthz")" = 503 ] && grep -q key_behind "$T/code.body" && ok ||
    bad "B's /healthz while behind: $(cat "$T/code.body")"
c=$(code --data-urlencode "email=behind@example.fi" -d consent=yes -d lang=fi "$U_B/forms/newsletter")
[ "$c" = 503 ] && ok || bad "B's form POST while behind: $c"
"$RK_CENSUS" --email behind@example.fi persons >/dev/null 2>&1 && bad "B wrote while behind" || ok
[ "$(api "$U_B" "$TOK2" "$CHECK")" = 401 ] && ok || bad "B (old key) took the new token"
sleep 1

# ---- B's machine gets the rotated key file (as the operator copies it) ----
cp -p "$KA" "$KB.tmp" && mv "$KB.tmp" "$KB"
COPIED=$(now)
TAKE_B=$(logged "$T/err_b" '"event":"key_rotated","from":1,"to":2') && ok ||
    bad "B did not take the copied key file: $(tail -3 "$T/err_b")"
[ "$(code "$U_B/healthz")" = 200 ] && ok || bad "B's /healthz after the copy: $(cat "$T/code.body")"
[ "$(api "$U_B" "$TOK2" "$CHECK")" = 200 ] && ok || bad "B refuses the new token: $(cat "$T/api.json")"
sleep 1
touch "$T/stop"
wait "$LOOP_A"
wait "$LOOP_B"
rk_forget "$LOOP_A"
rk_forget "$LOOP_B"

# ---- what was written ----
OK_A=$(wc -l <"$T/ok_a") OK_B=$(wc -l <"$T/ok_b")
FAIL_A=$(wc -l <"$T/fail_a") FAIL_B=$(wc -l <"$T/fail_b")
# A: the requests caught while it swapped keys wait and are answered (the listener pauses,
# it does not refuse); only writes of the rotation's own moment (between its commit and
# the swap) are refused, with 503, and none of them is written (below). How many depends
# on the machine's speed: counted, not bounded.
grep -v ' 503$' "$T/fail_a" | grep -q . && bad "A failed otherwise than 503: $(grep -v ' 503$' "$T/fail_a" | head -3)" || ok
# B: refused while behind (503 only), and answered again after the copy.
grep -v ' 503$' "$T/fail_b" | grep -q . && bad "B failed otherwise than 503: $(grep -v ' 503$' "$T/fail_b" | head -3)" || ok
[ "$FAIL_B" -gt 0 ] && ok || bad "B refused nothing while behind"
tail -n 3 "$T/ok_b" | grep -q . && [ "$(tail -n 1 "$T/ok_b")" != "$(head -n 1 "$T/ok_b")" ] && ok ||
    bad "B wrote nothing after the copy"
sort -u "$T/ok_a" "$T/ok_b" >"$T/ok"
OK_N=$(wc -l <"$T/ok")
# Every 2xx'd address is in the register, found by its address under the new key.
xargs -P 4 -I{} sh -c '"$RK_CENSUS" --email "$1" persons >/dev/null 2>&1 || echo "$1"' _ {} \
    <"$T/ok" >"$T/missing"
missing=$(wc -l <"$T/missing")
[ "$missing" = 0 ] && ok || bad "$missing 2xx'd addresses not found under the new key: $(head -3 "$T/missing")"
# Every refused address is not.
cat "$T/fail_a" "$T/fail_b" | cut -d' ' -f1 | xargs -P 4 -I{} sh -c '"$RK_CENSUS" --email "$1" persons >/dev/null 2>&1 && echo "$1"' _ {} \
    >"$T/written"
[ ! -s "$T/written" ] && ok || bad "refused but written: $(head -3 "$T/written")"
# Each 2xx'd address got its confirmation (opened under the generation it was sealed in,
# re-sealed by the rotation when it was still queued).
for _ in $(seq 100); do
    n=$(cat "$T"/mail_a/*.eml "$T"/mail_b/*.eml 2>/dev/null | tr -d '\r' | grep -c '^To: ')
    [ "$n" -ge "$OK_N" ] && break
    sleep 0.1
done
cat "$T"/mail_a/*.eml "$T"/mail_b/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^To: //p' |
    tr 'A-Z' 'a-z' | sort -u >"$T/to"
NOMAIL=$(comm -13 "$T/to" "$T/ok" | wc -l)
[ "$NOMAIL" = 0 ] && ok || bad "$NOMAIL 2xx'd addresses got no confirmation: $(comm -13 "$T/to" "$T/ok" | head -3)"
R audit verify >"$T/verify" 2>&1 && ok || bad "audit verify: $(tail -3 "$T/verify")"
# B's erasure journal followed the rotation (its marker), as A's key file's own did.
R journal verify --journal "$T/b/erasures" >"$T/jb" 2>&1 && grep -q "continues under key generation 2" "$T/jb" && ok ||
    bad "B's journal: $(cat "$T/jb")"
kill -0 "$PID_A" 2>/dev/null && kill -0 "$PID_B" 2>/dev/null && ok || bad "an instance died"

ELAPSED=$(($(date +%s) - START))
echo "figures: A took the key ${TAKE_A:-never} s after the rotation, B said it was behind after ${BEHIND_B:-never} s and took the copied file ${TAKE_B:-never} s after the copy; 2xx a=$OK_A (refused $FAIL_A) b=$OK_B (refused $FAIL_B, while behind); $ELAPSED s"
rk_finish pg_key_rotate
