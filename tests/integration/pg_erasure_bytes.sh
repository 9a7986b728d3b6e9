#!/bin/sh
# pg_erasure_bytes.sh — erasure that really erases on PostgreSQL (issue 17,
# docs/design-postgres.md (c)): on a cluster of the script's own, among 3,000
# persons imported through the CLI, one is erased (`rights erase`); its
# checkpoint rewrites the tables that can hold a person's values (VACUUM FULL),
# and afterwards not one byte of their name, email or phone is in any file of
# the database's directory (base/<dboid>/: every table, index and TOAST file,
# each file searched whole); the others' values are still there. The WAL is
# allowed to hold them until its segments are recycled (docs/operations.md,
# "Erasure on PostgreSQL"): what it holds is printed, not judged. A second
# erasure while an older transaction is open is not rewritten (the rewrite would
# keep the rows that transaction may still see): it is reported, kept pending,
# and made final by the next checkpoint (the sweep's) once that transaction ends.
# CTest sets REKISTERI, RK_SOURCE_DIR and RK_CENSUS.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
START=$(date +%s)
unset REKISTERI_KEY_FILE REKISTERI_NOW
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
rk_pg_start
export REKISTERI_DB="$RK_PG_URI"
q() { psql "$RK_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# Until the CLI knows a URI is no path (init makes the folder above it, every command
# stat()s it: cli_reg.c), that path exists here, as folders under $T.
mkdir -p "$RK_PG_URI"
R init >/dev/null 2>"$T/err" || { echo "FAIL: init: $(cat "$T/err")"; exit 1; }
DBOID=$(q "SELECT oid FROM pg_database WHERE datname = current_database()")
BASE=$RK_PG_DATA/base/$DBOID
# in_base VALUE...: the files of the database's directory that hold any of the values.
in_base() { for v in "$@"; do grep -rlaF -- "$v" "$BASE"; done | sort -u; }
# in_wal VALUE: how many WAL segments hold the value.
in_wal() { grep -rlaF -- "$1" "$RK_PG_DATA/pg_wal" | wc -l | tr -d ' '; }
# settle: what the server has in its buffers written to the files (the search reads files).
settle() { q CHECKPOINT; }
{
    echo "name,email,phone,organisation"
    i=0
    while [ $i -lt 3000 ]; do
        printf 'Henkilö %d,h%d@example.net,+35840%07d,Yritys %d Oy\n' $i $i $i $((i % 50))
        i=$((i + 1))
    done
} >many.csv
R import --register customer --purpose customer_relationship --source contract many.csv \
    >/dev/null 2>"$T/err" && ok || bad "import: $(cat "$T/err")"
[ "$(rk_census entries)" = 3000 ] && ok || bad "import: $(rk_census entries) entries"

# erase NAME EMAIL PHONE ORG [EXPECT]: adds the person to both registers, erases them
# through the CLI; EXPECT "busy": the checkpoint is to say it could not rewrite yet.
add() {
    id=$(R person add --register customer --purpose customer_relationship --source meeting \
        --name "$1" --email "$2" --phone "$3" --organisation "$4")
    R person add --register marketing --purpose sales_promotion --source web_form --person "$id" \
        --name "$1" --email "$2" --consent-channel web_form >/dev/null
    settle
    [ -n "$(in_base "$1" "$2" "$3")" ] && ok || bad "set-up: $1 is not in the table files"
}
add "Zygmunt Qwertyläinen" zygmunt.qwerty@example.org +358401112233 "Toiminimi Qwertyläinen"
R rights erase "$id" >/dev/null 2>"$T/err" || bad "rights erase: $(cat "$T/err")"
[ ! -s "$T/err" ] && ok || bad "rights erase did not make the erasure final: $(cat "$T/err")"
# No CHECKPOINT of the test's own here: what the files hold now is the promise.
left=$(in_base "Zygmunt" "Qwertyläinen" zygmunt.qwerty@example.org +358401112233)
[ -z "$left" ] && ok || bad "the erased person's values are still in: $left"
settle
left=$(in_base "Zygmunt" "Qwertyläinen" zygmunt.qwerty@example.org +358401112233)
[ -z "$left" ] && ok || bad "after a CHECKPOINT, the erased person's values are in: $left"
[ "$(q 'SELECT pending FROM erasure_pending')" = 0 ] && ok || bad "the erasure is still pending"
[ -n "$(in_base "Henkilö 2999" h2999@example.net +358400002999)" ] && ok \
    || bad "an unerased person's values are gone from the files"
[ "$(rk_census entries)" = 3000 ] && ok || bad "the others did not all survive"
q "SELECT pg_switch_wal()" >/dev/null
settle
echo "WAL (allowed): segments holding the erased email: $(in_wal zygmunt.qwerty@example.org)," \
    "name: $(in_wal Qwertyläinen), phone: $(in_wal +358401112233), of $(ls "$RK_PG_DATA/pg_wal" | grep -c '^0')"

# An older transaction open (its snapshot may still see the rows): the rewrite waits.
add "Xenia Vbnmsdottir" xenia.vbnm@example.org +358409998877 "Vbnm Tmi"
mkfifo held
psql "$RK_PG_URI" -qAt <held >/dev/null 2>&1 &
pids="$pids $!"
exec 3>held
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM key_state;" >&3
for _ in $(seq 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" = 1 ] && break
    sleep 0.1
done
R rights erase "$id" >/dev/null 2>"$T/err" || bad "rights erase (busy): $(cat "$T/err")"
[ -s "$T/err" ] && ok || bad "rights erase said nothing of the rewrite it could not do"
[ "$(q 'SELECT pending FROM erasure_pending')" -ge 1 ] && ok || bad "the busy erasure is not pending"
echo "COMMIT;" >&3
exec 3>&-
for _ in $(seq 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" = 0 ] && break
    sleep 0.1
done
# The sweep's checkpoint takes it (it checkpoints after deleting personal data: here the
# expired signups of nobody; so its own run is made to delete something — a person's
# consent that has run out is not at hand; a sweep with nothing to do does not checkpoint).
R sweep --format json >"$T/sweep.json" 2>"$T/err" || bad "sweep: $(cat "$T/err")"
if [ "$(q 'SELECT pending FROM erasure_pending')" != 0 ]; then
    echo "note: the sweep did not checkpoint (nothing personal swept); the next CLI erasure will"
    add "Wilhelmiina Kvistberg" wilhelmiina.kvist@example.org +358405556677 "Kvist Tmi"
    R rights erase "$id" >/dev/null 2>"$T/err" || bad "rights erase (after): $(cat "$T/err")"
fi
[ "$(q 'SELECT pending FROM erasure_pending')" = 0 ] && ok || bad "the pending erasure was not made final"
left=$(in_base "Xenia" Vbnmsdottir xenia.vbnm@example.org +358409998877)
[ -z "$left" ] && ok || bad "the second erased person's values are still in: $left"
[ -n "$(in_base "Henkilö 1234" h1234@example.net)" ] && ok || bad "an unerased person is gone"
R audit verify >/dev/null 2>&1 && ok || bad "the audit chain does not verify"
took=$(($(date +%s) - START))
echo "took ${took}s"
rk_finish
