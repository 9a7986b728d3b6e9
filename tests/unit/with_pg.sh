#!/bin/sh
# with_pg.sh PROGRAM [ARGS...] — runs a unit test program against a PostgreSQL
# cluster of its own: starts one with rk_pg_start (tests/integration/lib.sh:
# initdb and pg_ctl into a temporary directory, a free loopback port, as
# nobody when run as root), exports RK_PG_URI and RK_STORE_BACKEND=postgres,
# runs the program and exits with its status; the cluster is stopped and
# removed at exit, also on failure.
. "$(dirname "$0")/../integration/lib.sh"
rk_pg_start
export RK_PG_URI RK_STORE_BACKEND=postgres
"$@"
exit $?
