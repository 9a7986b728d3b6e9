#!/bin/sh
# pg_harness.sh — the PostgreSQL harness of lib.sh (rk_pg_start / rk_pg_stop) that
# the PostgreSQL backend's tests will stand on (issue 17): the cluster is
# PostgreSQL 15, listens on 127.0.0.1 and its own socket only, runs as an
# unprivileged user, takes a table, a row and reads it back over RK_PG_URI;
# stopped, no postgres of its data directory is left and the directory is gone;
# and a script that fails right after starting one leaves no server behind.
# CTest sets RK_SOURCE_DIR (REKISTERI is not needed: no rekisteri runs here).
set -u
: "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1

# The processes whose command line names data directory $1: the postmaster (its
# children carry no -D; they die with it, which rk_pg_alive's wait covers).
pg_procs() {
    for d in /proc/[0-9]*; do
        tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "-D $1" && echo "${d#/proc/}"
    done
    return 0
}
q() { psql "$RK_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

rk_pg_start
DATA=$RK_PG_DATA
case $(q 'select version()') in "PostgreSQL 15."*) ok ;; *) bad "version: $(q 'select version()')" ;; esac
[ "$(q 'show listen_addresses')" = 127.0.0.1 ] && ok || bad "listen_addresses"
[ "$(q 'show unix_socket_directories')" = "$RK_PG_SOCK" ] && ok || bad "socket directory"
[ -S "$RK_PG_SOCK/.s.PGSQL.$RK_PG_PORT" ] && ok || bad "no socket in $RK_PG_SOCK"
# What the kernel says the postmaster listens on: only 127.0.0.1:PORT over TCP.
PM=$(head -1 "$DATA/postmaster.pid")
LISTEN=$(awk 'NR > 1 && $4 == "0A" { print $2 }' /proc/net/tcp /proc/net/tcp6 | sort -u)
PORT_HEX=$(printf '%04X' "$RK_PG_PORT")
[ "$(echo "$LISTEN" | grep -c ":$PORT_HEX\$")" = 1 ] && ok || bad "listeners on the port: $LISTEN"
echo "$LISTEN" | grep -q "^0100007F:$PORT_HEX\$" && ok || bad "not on 127.0.0.1: $LISTEN"
# The server's user: not root, and the one the harness names.
PUSER=$(ps -o user= -p "$PM")
[ "$PUSER" != root ] && [ "$PUSER" = "$RK_PG_USER" ] && ok || bad "runs as $PUSER"
[ "$(q 'select current_database()')" = rekisteri_test ] && ok || bad "database"
q "create table t (id int primary key, name text)" && q "insert into t values (1, 'Aino')" &&
    [ "$(q 'select name from t where id = 1')" = Aino ] && ok || bad "table round trip"
# TCP needs the password: the URI without it is refused.
NOPW=$(echo "$RK_PG_URI" | sed 's|//rk:[^@]*@|//rk@|')
env -u PGPASSWORD PGPASSFILE=/dev/null psql "$NOPW" -w -qAt -c 'select 1' >/dev/null 2>&1 && bad "no password accepted" || ok

rk_pg_stop
[ -z "$(pg_procs "$DATA")" ] && ok || bad "postgres left: $(pg_procs "$DATA")"
rk_pg_alive "$PM" && bad "postmaster $PM alive" || ok
[ ! -e "$DATA" ] && [ ! -e "${DATA%/data}" ] && ok || bad "data directory left"

# A script that fails mid-way: its exit trap stops its cluster.
sh -c '. "$RK_SOURCE_DIR/tests/integration/lib.sh"; rk_pg_start
    echo "$RK_PG_DATA $(head -1 "$RK_PG_DATA/postmaster.pid")" >"$0"; exit 1' "$T/failed" \
    >/dev/null 2>&1
read -r DATA2 PM2 <"$T/failed"
[ -n "$PM2" ] && ok || bad "the failing script's cluster did not start"
rk_pg_alive "$PM2" && bad "postmaster $PM2 of a failed script alive" || ok
[ -z "$(pg_procs "$DATA2")" ] && ok || bad "postgres left by a failed script"
[ ! -e "$DATA2" ] && ok || bad "a failed script's data directory left"

# Killed by a signal (TERM) while its server runs: the same.
sh -c '. "$RK_SOURCE_DIR/tests/integration/lib.sh"; rk_pg_start
    echo "$RK_PG_DATA $(head -1 "$RK_PG_DATA/postmaster.pid")" >"$0"; sleep 60 & pids="$pids $!"; wait' "$T/killed" \
    >/dev/null 2>&1 &
KPID=$!
rk_wait_file "$T/killed" || bad "the killed script's cluster did not start"
kill -TERM "$KPID"
wait "$KPID"
read -r DATA3 PM3 <"$T/killed"
rk_pg_alive "$PM3" && bad "postmaster $PM3 of a killed script alive" || ok
[ ! -e "$DATA3" ] && ok || bad "a killed script's data directory left"

rk_finish pg_harness
