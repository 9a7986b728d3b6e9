#!/bin/sh
# crash_import.sh — an import killed part-way leaves no half-written person,
# and running it again finishes it. `rekisteri import` of 50,000 valid rows
# is SIGKILLed at a random moment between 10% and 90% committed, twice (the
# second time while it re-reads the rows already in); after each kill the
# database passes PRAGMA integrity_check, the audit chain verifies, and every
# person is whole (entry, three values with provenance, consent event and
# state, one person.add event — checked by counting). A last run of the same
# file completes: exactly 50,000 persons, no duplicates, and the rows already
# imported are rejected as "already in register" (docs/import.md). Then the
# same with the staff API (20,000 rows): the server is SIGKILLed during
# POST /api/v1/import and the upload repeated after the restart.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_on_exit() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }
pid=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
N=50000
# q SQL: this script's subject is the SQLite file after a kill mid-transaction: its
# integrity and that no row is half-written, read raw (the counts go through rk_census).
q() { sqlite3 var/rekisteri.db "$1"; }
rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

awk -v n=$N 'BEGIN { print "name,email,phone,consent_at,consent_evidence";
    for (i = 1; i <= n; i++) printf "Henkilö %d,h%d@example.org,+35840%07d,2025-01-01,form %d\n", i, i, i, i }' \
    >in.csv

# whole WHEN: the database is sound and every person in it is complete.
whole() {
    [ "$(q 'PRAGMA integrity_check')" = ok ] && ok || bad "$1: integrity check"
    R audit verify >/dev/null && ok || bad "$1: the audit chain does not verify"
    p=$(rk_census persons)
    counts=$(q "SELECT (SELECT count(*) FROM entry WHERE register = 'marketing'),
        (SELECT count(*) FROM entry WHERE name_prov IS NOT NULL AND email_prov IS NOT NULL
            AND phone_prov IS NOT NULL AND email_hash IS NOT NULL AND phone_hash IS NOT NULL),
        (SELECT count(*) FROM consent_event WHERE purpose = 'sales_promotion' AND evidence IS NOT NULL),
        (SELECT count(*) FROM consent_state WHERE purpose = 'sales_promotion'),
        (SELECT count(*) FROM audit WHERE action = 'person.add'),
        (SELECT count(DISTINCT email_hash) FROM entry), (SELECT count(DISTINCT phone_hash) FROM entry),
        (SELECT count(*) FROM entry e LEFT JOIN provenance v ON v.id = e.email_prov WHERE v.id IS NULL)")
    [ "$counts" = "$p|$p|$p|$p|$p|$p|$p|0" ] && ok \
        || bad "$1: $p persons, but entries|whole|consent events|states|person.add|emails|phones|orphans: $counts"
}

# killed WHAT: runs the command in the background and SIGKILLs it once between 10% and 80%
# of the rows are committed (a random point, then a random moment within the next batch;
# at most 80%, so that a batch of 10,000 cannot finish the file first).
killed() {
    target=$((N / 10 + $(rand) % (N * 7 / 10)))
    "$@" >"$T/run.out" 2>"$T/run.err" &
    p=$!
    k=0
    while kill -0 "$p" 2>/dev/null; do
        n=$(rk_census persons 2>/dev/null || echo 0)
        [ "${n:-0}" -ge "$target" ] && break
        sleep 0.05
    done
    sleep "0.0$(($(rand) % 10))"
    kill -9 "$p" 2>/dev/null && k=1
    wait "$p" 2>/dev/null
    n=$(q 'SELECT count(*) FROM person')
    if [ "$k" = 1 ] && [ "$n" -ge $((N / 10)) ] && [ "$n" -le $((N * 9 / 10)) ]; then ok; else
        bad "kill at $target: killed=$k with $n persons in: $(tail -c 300 "$T/run.err")"
    fi
}

# ---- the CLI ----
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
IMPORT="$REKISTERI import --register marketing --purpose sales_promotion --source web_form"
killed $IMPORT in.csv
whole "after the first kill ($n persons)"
killed $IMPORT --batch 1000 in.csv
whole "after the second kill ($n persons)"
before=$(q 'SELECT count(*) FROM person')
$IMPORT in.csv >"$T/last.out" 2>"$T/last.err"
rc=$?
[ "$rc" = 1 ] && ok || bad "the last run: exit $rc (1: the rows already in are rejected): $(cat "$T/last.err")"
[ "$(q 'SELECT count(*) FROM person')" = $N ] && ok || bad "after the last run: $(q 'SELECT count(*) FROM person') persons"
grep -q "$N rows: $((N - before)) imported, $before rejected" "$T/last.out" && ok \
    || bad "the last run's summary ($before were in): $(cat "$T/last.out")"
[ "$(grep -c 'already in register' in.csv.rejects)" = "$before" ] && ok \
    || bad "rejects: $(grep -c 'already in register' in.csv.rejects) 'already in register', $before expected"
whole "after the last run"

# ---- the service: killed during an upload to POST /api/v1/import ----
rm -rf var
N=20000 # the first 20,000 rows: enough to kill part-way, and quicker
head -n $((N + 1)) in.csv >up.csv
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
TOKEN=$(R token create --name loader --role dpo 2>/dev/null)
start() {
    rm -f "$T/out" # not the last server's address
    "$REKISTERI" serve --listen 127.0.0.1:0 --public-rate 0 --sweep-interval 0 >"$T/out" 2>>"$T/err" &
    pid=$!
    U=
    for _ in $(seq 100); do
        U=$(sed -n 's/^listening on //p' "$T/out")
        [ -n "$U" ] && break
        sleep 0.05
    done
    [ -n "$U" ] || { echo "FAIL: server did not start: $(tail -3 "$T/err")"; exit 1; }
    U=${U%/}
}
upload() {
    curl -s -o "$T/up.b" -w '%{http_code}' --max-time 300 -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: text/csv' --data-binary @up.csv \
        "$U/api/v1/import?register=marketing&purpose=sales_promotion&source=web_form"
}
start
upload >/dev/null &
cpid=$!
target=$((N / 10 + $(rand) % (N * 7 / 10)))
while kill -0 "$cpid" 2>/dev/null; do
    n=$(q 'SELECT count(*) FROM person' 2>/dev/null || echo 0)
    [ "${n:-0}" -ge "$target" ] && break
    sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
wait "$cpid" 2>/dev/null
pid=
n=$(q 'SELECT count(*) FROM person')
[ "$n" -ge $((N / 10)) ] && [ "$n" -lt $N ] && ok || bad "server killed at $target with $n persons in"
whole "after the server was killed ($n persons)"
start
code=$(upload)
[ "$code" = 200 ] && ok || bad "the upload again: $code $(head -c 300 "$T/up.b")"
jq -e ".rows == $N and .imported == $((N - n)) and .rejected == $n" "$T/up.b" >/dev/null && ok \
    || bad "the upload again ($n were in): $(jq -c 'del(.rejects)' "$T/up.b")"
kill -TERM "$pid" && wait "$pid"
pid=
[ "$(q 'SELECT count(*) FROM person')" = $N ] && ok || bad "after the upload: $(q 'SELECT count(*) FROM person') persons"
whole "after the upload again"

rk_finish
