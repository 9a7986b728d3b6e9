#!/bin/sh
# pg_pooler.sh — rekisteri through PgBouncer in transaction mode (issue 17: "works through a
# transaction-mode pooler"; docs/design-postgres.md (b), "Transaction-mode poolers";
# docs/deployment.md, "A pooler"). A cluster of the script's own and PgBouncer 1.18 in front
# of it (lib.sh: rk_pgbouncer_start, pool_mode = transaction, default_pool_size = 4, or
# RK_PGB_POOL); every rekisteri command and the server reach the database through the
# pooler's URI only (psql straight to the cluster only observes, and once stands in for
# another instance's sweep lease). Through it: `init` creates the schema; a CSV import,
# `person find` and `person show`; a consent given, its record, withdrawn; `audit verify`.
# `serve --threads 4` with the mail sink: 4 client loops x 40 newsletter form POSTs and 2 x
# 40 bearer-token GET /api/v1/check at once, so more clients (the request threads, the
# writer, the workers, the sweep) than server connections interleave their transactions:
# every 2xx'd address is in the register, each confirmation mail arrives once (the worker's
# claims), the server's own sweeps pass, `audit verify` holds. The pooler really
# multiplexed: while the load ran, more clients than pool connections (SHOW POOLS of its
# admin console), never more server connections nor more backends of the database in
# pg_stat_activity (sampled) than the pool, and more transactions (SHOW STATS) than
# requests. Then `sweep` (its lease held elsewhere: skipped; free: taken and dropped), an
# erasure whose checkpoint (VACUUM FULL, CHECKPOINT) runs through the pooler and leaves
# nothing pending, `backup`, `restore --force` (the erasure journal re-applied), a sweep two
# years on that expires every signup in batches, and `audit verify` again. Bounded: 240
# requests, every wait bounded (a client waits for a server connection at most 20 s),
# under 60 s. Not on the PostgreSQL pass (CMakeLists.txt, RK_PG_INTEGRATION_TESTS): like
# pg_two_instances.sh it is PostgreSQL-only and starts its own cluster, on every run.
# CTest sets REKISTERI, RK_SOURCE_DIR, SMTP_SINK and RK_CENSUS.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
START=$(date +%s)
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
unset REKISTERI_NOW
export REKISTERI_KEY_FILE="$T/reg.key" REKISTERI_ERASURE_JOURNAL="$T/erasures"
export REKISTERI_ACTOR=tester REKISTERI_CLAIM_LEASE=5
rk_pg_start
rk_pgbouncer_start
export REKISTERI_DB="$RK_PGB_URI"
POOL=${RK_PGB_POOL:-4}
LOOPS=4 N=40 # client loops x form POSTs each
PASS=${RK_PG_URI#*://*:}
PASS=${PASS%%@*}
# q SQL: the cluster itself, only to look (never what rekisteri does).
q() { psql "$RK_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# pools: the pooler's SHOW POOLS line for the register's database, as name=value pairs.
pools() {
    psql "$RK_PGB_ADMIN" -qA -F' ' -c 'SHOW POOLS' 2>/dev/null | awk '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $col["database"] == "rekisteri_test" {
            printf "cl_active=%s cl_waiting=%s sv_active=%s sv_idle=%s sv_used=%s sv_tested=%s sv_login=%s\n",
                $col["cl_active"], $col["cl_waiting"], $col["sv_active"], $col["sv_idle"],
                $col["sv_used"], $col["sv_tested"], $col["sv_login"] }'
}
RK_SECRET=$PASS # lib.sh's r: no command may print the password

# ---- The CLI through the pooler ----
r init init
expect_ok init
[ "$(q 'SELECT count(*) FROM schema_version')" = 1 ] && ok || bad "init made no schema through the pooler"
{
    echo "name,email,phone,organisation"
    for i in $(seq 20); do
        printf 'Henkilö %d,h%d@example.net,+35840%07d,Yritys %d Oy\n' "$i" "$i" "$i" $((i % 5))
    done
} >few.csv
r imp import --register customer --purpose customer_relationship --source contract few.csv
expect_ok imp
[ "$(rk_census entries)" = 20 ] && ok || bad "import: $(rk_census entries) entries, want 20"
r find person find h7@example.net --format json
expect_ok find
P=$(jq -r '.[0].id // empty' "$T/find.out" 2>/dev/null)
[ -n "$P" ] && ok || bad "person find: no id in $(out find)"
r show person show "$P" --format json
expect_ok show
grep -q 'h7@example.net' "$T/show.out" && ok || bad "person show: $(out show)"
r give consent give "$P" --purpose sales_promotion --channel phone
expect_ok give
r rec1 consent record "$P" --purpose sales_promotion --format json
expect_ok rec1
jq -e '.consent.state == "given" and .consent.in_force' "$T/rec1.out" >/dev/null 2>&1 && ok ||
    bad "consent record: $(out rec1)"
r wd consent withdraw "$P" --purpose sales_promotion
expect_ok wd
r rec2 consent record "$P" --purpose sales_promotion --format json
expect_ok rec2
jq -e '.consent.state == "withdrawn" and (.consent.in_force | not)' "$T/rec2.out" >/dev/null 2>&1 && ok ||
    bad "consent record after withdraw: $(out rec2)"
r v1 audit verify
expect_ok v1
CLI_S=$(($(date +%s) - START))
TOKEN=$(R token create --name pooled --role marketing 2>/dev/null)
[ -n "$TOKEN" ] && ok || bad "token create"

# ---- serve through the pooler, under load ----
rk_sink smtp "$T/mail"
rk_serve "$T/serve.out" "$T/serve.err" --threads 4 --smtp "smtp://127.0.0.1:$PORT" \
    --public-rate 0 --sweep-interval 1
SERVE=$pid

# checks NAME: N staff API reads (GET /api/v1/check, the bearer token) beside the form loops,
# so that the request threads use their own connections too; non-200s to $T/fail_NAME.
checks() {
    : >"$T/fail_$1"
    for i in $(seq "$N"); do
        code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
            "$U/api/v1/check?email=c$i@example.fi&purpose=sales_promotion")
        [ "$code" = 200 ] || echo "check $i $code" >>"$T/fail_$1"
    done
}
# loop NAME: N form POSTs of NAME1..NAMEN@example.fi; 2xx'd addresses to $T/ok_NAME, the
# others (with the status) to $T/fail_NAME.
loop() {
    : >"$T/ok_$1"
    : >"$T/fail_$1"
    for i in $(seq "$N"); do
        rk_form_post "$1" "$1$i@example.fi" "$U"
    done
}
# The pooler's and the cluster's view, sampled while the loops run: SHOW POOLS, and the
# database's client backends (the pooler's server connections; psql's own q is excluded).
# It also ends with the script ($$ is the script's pid in this subshell too).
sample() {
    while [ ! -f "$T/loads_done" ] && kill -0 $$ 2>/dev/null; do
        pools >>"$T/pools"
        q "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rekisteri_test'
           AND backend_type = 'client backend' AND pid <> pg_backend_pid()" >>"$T/backends"
        sleep 0.05
    done
}
sample &
SAMPLER=$!
pids="$pids $SAMPLER"
LOADS=
for l in $(seq "$LOOPS" | sed 's/^/c/'); do
    loop "$l" &
    LOADS="$LOADS $!"
    pids="$pids $!"
done
for l in k1 k2; do
    checks "$l" &
    LOADS="$LOADS $!"
    pids="$pids $!"
done
T0_LOAD=$(date +%s.%N)
for p in $LOADS; do
    wait "$p"
    rk_forget "$p"
done
LOAD_S=$(awk -v a="$(date +%s.%N)" -v b="$T0_LOAD" 'BEGIN { printf "%.1f", a - b }')
: >"$T/loads_done"
wait "$SAMPLER"
rk_forget "$SAMPLER"

cat "$T"/ok_c* | sort -u >"$T/ok"
cat "$T"/fail_c* "$T"/fail_k* >"$T/fail"
OK_N=$(wc -l <"$T/ok")
[ ! -s "$T/fail" ] && ok || bad "$(wc -l <"$T/fail") requests failed: $(head -3 "$T/fail")"
[ "$OK_N" = $((LOOPS * N)) ] && ok || bad "only $OK_N 2xx of $((LOOPS * N))"
xargs -P 4 -I{} sh -c '"$RK_CENSUS" --email "$1" persons >/dev/null 2>&1 || echo "$1"' _ {} \
    <"$T/ok" >"$T/missing"
[ ! -s "$T/missing" ] && ok || bad "$(wc -l <"$T/missing") 2xx'd addresses not in the register: $(head -3 "$T/missing")"

# Multiplexed: more clients than server connections at some moment, never more backends.
MAXCL=$(awk '{ split($1, a, "="); split($2, b, "="); n = a[2] + b[2]; if (n > m) m = n } END { print m + 0 }' "$T/pools")
MAXWAIT=$(awk '{ split($2, b, "="); if (b[2] > m) m = b[2] } END { print m + 0 }' "$T/pools")
MAXSV=$(awk '{ n = 0; for (i = 3; i <= 7; i++) { split($i, a, "="); n += a[2] } if (n > m) m = n } END { print m + 0 }' "$T/pools")
MAXBE=$(sort -n "$T/backends" | tail -1)
SAMPLES=$(wc -l <"$T/backends")
[ "$SAMPLES" -gt 0 ] && ok || bad "no samples of the pool taken"
[ "$MAXCL" -gt "$POOL" ] && ok || bad "never more than $POOL clients at the pooler (max $MAXCL): nothing shared"
[ "$MAXSV" -le "$POOL" ] && ok || bad "the pooler held $MAXSV server connections (pool $POOL)"
[ "${MAXBE:-99}" -le "$POOL" ] && ok || bad "$MAXBE client backends in pg_stat_activity (pool $POOL)"
XACTS=$(psql "$RK_PGB_ADMIN" -qA -F' ' -c 'SHOW STATS' 2>/dev/null | awk '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $col["database"] == "rekisteri_test" { print $col["total_xact_count"] }')
[ "${XACTS:-0}" -gt $((LOOPS * N)) ] && ok || bad "SHOW STATS: ${XACTS:-no} transactions pooled"

# Each confirmation once: the outbox drains (bounded), then every address got one mail.
for _ in $(seq 150); do
    [ "$(q "SELECT count(*) FROM outbox WHERE state = 'queued'")" = 0 ] && break
    sleep 0.1
done
QUEUED=$(q "SELECT count(*) FROM outbox WHERE state = 'queued'")
[ "$QUEUED" = 0 ] && ok || bad "$QUEUED mails still queued (the worker's claims through the pooler)"
cat "$T"/mail/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^To: //p' | tr 'A-Z' 'a-z' | sort >"$T/to"
MAILS=$(wc -l <"$T/to")
NOMAIL=$(sort -u "$T/to" | comm -13 - "$T/ok" | wc -l)
[ "$NOMAIL" = 0 ] && ok || bad "$NOMAIL 2xx'd addresses got no confirmation: $(sort -u "$T/to" | comm -13 - "$T/ok" | head -3)"
DUPS=$(uniq -d "$T/to" | wc -l)
[ "$DUPS" = 0 ] && ok || bad "$DUPS addresses got the confirmation more than once: $(uniq -d "$T/to" | head -3)"

# The staff API: a bearer token checked through the pooler.
code=$(curl -s --max-time 10 -o "$T/check.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$U/api/v1/check?email=c11@example.fi&purpose=sales_promotion")
[ "$code" = 200 ] && ok || bad "GET /api/v1/check: $code $(cat "$T/check.b")"
# The server's own sweeps took their lease and passed.
grep -q '"event":"sweep","ok":true' "$T/serve.err" && ok || bad "no sweep of the server passed: $(grep sweep "$T/serve.err" | tail -2)"
grep -q '"event":"sweep","ok":false' "$T/serve.err" &&
    bad "a sweep failed: $(grep '"ok":false' "$T/serve.err" | head -2)" || ok
r v2 audit verify
expect_ok v2
rk_stop "$SERVE" && ok || bad "serve did not stop cleanly"
SERVE_S=$(($(date +%s) - START - CLI_S))

# ---- sweep, erasure, backup, restore through the pooler ----
# The sweep's lease: held by another instance (a row standing in for it), the sweep skips;
# free, it runs, and drops the lease when done.
q "INSERT INTO lease (name, holder, until) VALUES ('sweep', 'another-instance', '2999-01-01T00:00:00Z')"
r sw0 sweep --format json
expect_ok sw0
jq -e '.running_elsewhere == true' "$T/sw0.out" >/dev/null 2>&1 && ok ||
    bad "sweep with the lease held elsewhere: $(out sw0) $(tail -2 "$T/sw0.err")"
q "DELETE FROM lease WHERE name = 'sweep'"
r sw sweep --format json
expect_ok sw
jq -e '(.running_elsewhere | not) and .consents_expired == 0 and .signups_expired == 0' \
    "$T/sw.out" >/dev/null 2>&1 && ok || bad "sweep: $(out sw) $(tail -2 "$T/sw.err")"
[ "$(q "SELECT count(*) FROM lease WHERE name = 'sweep'")" = 0 ] && ok || bad "the sweep kept its lease"
PERSONS_BK=$(rk_census persons) SIGNUPS_BK=$(rk_census signups)
r bk backup "$T/pooled.bak"
expect_ok bk
P2=$(R person find h2@example.net --format json 2>/dev/null | jq -r '.[0].id // empty')
r er rights erase "$P2"
expect_ok er
# The erasure's checkpoint (VACUUM FULL, CHECKPOINT) ran through the pooler: nothing pending.
[ ! -s "$T/er.err" ] && ok || bad "rights erase did not make the erasure final: $(cat "$T/er.err")"
[ "$(q 'SELECT pending FROM erasure_pending')" = 0 ] && ok || bad "the erasure is still pending"
r rs restore --force "$T/pooled.bak"
expect_ok rs
# The backup's rows are back, the erasure journal re-applied: the erased person stays gone.
R person find h2@example.net >/dev/null 2>&1 && bad "the erased person is back after restore" || ok
R person find h3@example.net >/dev/null 2>&1 && ok || bad "restore lost an unerased person"
[ "$(rk_census persons)" = $((PERSONS_BK - 1)) ] && ok || bad "after restore $(rk_census persons) persons, want $((PERSONS_BK - 1))"
[ "$(rk_census signups)" = "$SIGNUPS_BK" ] && ok || bad "after restore $(rk_census signups) signups, want $SIGNUPS_BK"
rk_census --email c11@example.fi persons >/dev/null 2>&1 && ok || bad "restore lost a form's signup"
# A sweep with work: two years on, every unconfirmed signup has expired (deleted in batches).
r sw2 sweep --now 2031-01-01T00:00:00Z --format json
expect_ok sw2
jq -e --argjson n "$SIGNUPS_BK" '.signups_expired == $n' "$T/sw2.out" >/dev/null 2>&1 && ok ||
    bad "sweep two years on: $(out sw2) $(tail -2 "$T/sw2.err"), want $SIGNUPS_BK signups expired"
[ "$(rk_census signups)" = 0 ] && ok || bad "$(rk_census signups) signups left after the sweep"
r v3 audit verify
expect_ok v3

ELAPSED=$(($(date +%s) - START))
echo "figures: CLI $CLI_S s, serve $SERVE_S s, the rest $((ELAPSED - CLI_S - SERVE_S)) s; $OK_N 2xx of $((LOOPS * N)) form POSTs (and $((2 * N)) checks) in $LOAD_S s; mails $MAILS, duplicates $DUPS; pool $POOL: clients at the pooler up to $MAXCL (waiting up to $MAXWAIT), server connections up to $MAXSV, backends up to ${MAXBE:-?} over $SAMPLES samples; $XACTS transactions pooled; $ELAPSED s"
rk_finish pg_pooler
