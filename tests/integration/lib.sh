# tests/integration/lib.sh — what every integration script shares, sourced right
# after `set -u` and the check of CTest's variables:
#     . "$RK_SOURCE_DIR/tests/integration/lib.sh"
# It gives:
#   T          a temporary folder, removed at exit (also on failure or a signal)
#              together with every process recorded in `pids`;
#   ok / bad   the pass/fail tally (bad prints "FAIL: ..." on stderr), and
#              rk_finish, which prints it and whose status is the script's;
#   R          the binary (CTest's REKISTERI) with the arguments given;
#   r / rc / out / expect_ok / refused  one command's run kept under a name, its
#              status and output read back, and the two common verdicts on it;
#   rk_serve   `rekisteri serve` on a free 127.0.0.1 port, waited for;
#   rk_form_post  one form POST of a load loop, its answer tallied;
#   rk_sink    the SMTP or HTTP receiver (tests/tools/*_sink.c) on a free port;
#   rk_census  the store's row counts (tests/tools/rk_census.c) instead of SQL;
#   rk_stop    stopping one process the script started;
#   rk_pg_start / rk_pg_stop  a PostgreSQL 15 cluster of the script's own under
#              $T (never a system-wide one), stopped and removed at exit.
#   rk_pgbouncer_start / rk_pgbouncer_stop  PgBouncer in transaction mode in
#              front of that cluster (RK_PGB_URI), stopped at exit before it.
#   rk_default_db  the register's place when the script names none: SQLite's
#              default path, or on the PostgreSQL pass (RK_BACKEND=postgres)
#              such a cluster; rk_new_db, another register (a new database there).
# CMake's glob of tests/integration/*.sh leaves this file out (CMakeLists.txt).
T=$(mktemp -d)
pids=
fails=0 passes=0
# rk_on_exit: a script's own last words (e.g. restoring a limit); defaults to nothing.
rk_on_exit() { :; }
rk_cleanup() {
    rk_on_exit
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    chmod -R u+w "$T" 2>/dev/null
    rm -rf "$T"
}
trap rk_cleanup EXIT
trap 'exit 1' INT TERM
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
R() { "$REKISTERI" "$@"; }

# r NAME ARGS...: the binary with ARGS (at most 60 s), its stdout in $T/NAME.out, its
# stderr in $T/NAME.err and its status in $T/NAME.rc. With RK_SECRET set (a password in
# the database's URI), output holding it is a failure: no command may print it.
r() {
    name=$1
    shift
    timeout 60 "$REKISTERI" "$@" >"$T/$name.out" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
    if [ -n "${RK_SECRET:-}" ] && grep -qF -- "$RK_SECRET" "$T/$name.out" "$T/$name.err"; then
        bad "$name printed the password"
    fi
}
rc() { cat "$T/$1.rc"; }
out() { cat "$T/$1.out"; }
# expect_ok NAME: it exited 0.
expect_ok() { [ "$(rc "$1")" = 0 ] && ok || bad "$1: status $(rc "$1"): $(cat "$T/$1.err")"; }
# refused NAME STATUS TEXT: it exited STATUS with one line on stderr containing TEXT.
refused() {
    if [ "$(rc "$1")" != "$2" ]; then bad "$1: status $(rc "$1"), want $2: $(cat "$T/$1.err")"
    elif [ "$(wc -l <"$T/$1.err")" != 1 ]; then bad "$1: want one line on stderr:"; cat "$T/$1.err" >&2
    elif ! grep -q -- "$3" "$T/$1.err"; then bad "$1: stderr lacks '$3': $(cat "$T/$1.err")"
    else ok; fi
}

# rk_form_post NAME EMAIL URL: one newsletter form POST of EMAIL (a name, consent given,
# in Finnish) to the service at URL, answered within 20 s; EMAIL goes to $T/ok_NAME when
# the answer is a 2xx, else to $T/fail_NAME with the status (000: no answer). Load loops
# call it; a 2xx means the address is committed, which they check afterwards.
rk_form_post() {
    _rk_code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' --data-urlencode "email=$2" \
        --data-urlencode "name=Kuormittaja ${2%%@*}" -d consent=yes -d lang=fi "$3/forms/newsletter")
    case $_rk_code in 2??) echo "$2" >>"$T/ok_$1" ;; *) echo "$2 $_rk_code" >>"$T/fail_$1" ;; esac
}

# rk_serve [-a] OUT ERR [ARGS...]: starts `rekisteri serve --listen 127.0.0.1:0 ARGS`
# with its stdout in OUT and stderr in ERR (-a: added to ERR, for a log kept across
# restarts), and waits until it listens. Sets
# pid (its process, also killed at exit) and U (its URL, without the trailing
# slash). Ends the script when it has not listened within RK_WAIT seconds
# (30 unless set) or has exited.
rk_serve() {
    _rk_add=
    [ "$1" = -a ] && { _rk_add=1; shift; }
    _rk_out=$1 _rk_err=$2
    shift 2
    # Emptied here, not only by the redirection below: that runs in the background child,
    # maybe after the loop below first reads OUT, which would then find the "listening on"
    # line of a server started earlier with the same OUT (and its stopped port).
    : >"$_rk_out"
    if [ -n "$_rk_add" ]; then
        "$REKISTERI" serve --listen 127.0.0.1:0 "$@" >"$_rk_out" 2>>"$_rk_err" &
    else
        "$REKISTERI" serve --listen 127.0.0.1:0 "$@" >"$_rk_out" 2>"$_rk_err" &
    fi
    pid=$!
    pids="$pids $pid"
    U=
    for _ in $(seq $((${RK_WAIT:-30} * 10))); do
        U=$(sed -n 's/^listening on //p' "$_rk_out" 2>/dev/null)
        [ -n "$U" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$U" ] || { echo "FAIL: server did not start: $(tail -5 "$_rk_err")"; exit 1; }
    U=${U%/}
}

# rk_wait_file FILE: waits (RK_WAIT seconds, 30 unless set) until FILE is not
# empty; status 1 when it stays empty.
rk_wait_file() {
    for _ in $(seq $((${RK_WAIT:-30} * 10))); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# rk_sink smtp|http DIR [OPTIONS...]: starts the test SMTP server (SMTP_SINK) or
# HTTP receiver (HTTP_SINK) keeping what it receives in DIR (created), on a
# free loopback port written to DIR.port, and waits for it. Sets PORT and
# sink_pid (also killed at exit). --max-seconds 250 unless OPTIONS give one
# (the last one given wins). Ends the script when it does not start.
rk_sink() {
    case $1 in
    smtp) _rk_bin=${SMTP_SINK:?} ;;
    http) _rk_bin=${HTTP_SINK:?} ;;
    *) echo "FAIL: rk_sink $1: smtp or http" >&2; exit 1 ;;
    esac
    _rk_dir=$2
    shift 2
    mkdir -p "$_rk_dir"
    rm -f "$_rk_dir.port"
    "$_rk_bin" --dir "$_rk_dir" --port-file "$_rk_dir.port" --max-seconds 250 "$@" &
    sink_pid=$!
    pids="$pids $sink_pid"
    PORT=
    rk_wait_file "$_rk_dir.port" && PORT=$(cat "$_rk_dir.port")
    [ -n "$PORT" ] || { echo "FAIL: ${_rk_bin##*/} did not start"; exit 1; }
}

# rk_stop PID [SIGNAL]: sends SIGNAL (TERM unless given) to a process the script
# started and waits for it; the status is the process's.
rk_stop() {
    kill "-${2:-TERM}" "$1" 2>/dev/null
    wait "$1"
    _rk_st=$?
    rk_forget "$1"
    return $_rk_st
}
# rk_forget PID: a process that has ended, no longer to be killed at exit.
rk_forget() {
    _rk_left=
    for _rk_p in $pids; do [ "$_rk_p" = "$1" ] || _rk_left="$_rk_left $_rk_p"; done
    pids=$_rk_left
}

# rk_census [--db PATH] [--person ID] FIELD: one count of the store's census
# (src/store/store.h: struct rk_census), read through the store's own
# operations by tests/tools/rk_census.c — never SQL. PATH is REKISTERI_DB's
# or var/rekisteri.db's. Prints the number.
rk_census() {
    "${RK_CENSUS:?}" "$@"
}

# rk_example_webhook URL SECRET_ENV: prints the example declaration with the
# mailchimp recipient told through a webhook connector to URL signed with the
# secret in SECRET_ENV, and the salesforce recipient without a connector (its
# notices unsupported): the shape the art 19 tests of webhooks were written for.
rk_example_webhook() {
    awk -v url="$1" -v env="$2" '
        /^    connector:$/ { held = $0; next }
        held != "" {
            if ($0 == "      type: salesforce") { skip = 1; held = ""; next }
            if ($0 == "      type: mailchimp") {
                print held; print "      type: webhook"
                print "      url: " url; print "      secret_env: " env
                mc = 1; held = ""; next
            }
            print held; held = ""
        }
        skip && /^      / { next }
        { skip = 0 }
        mc && /^      (list_id|api_key_env):/ { next }
        mc && !/^      / { mc = 0 }
        { print }' "$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
}

# rk_finish [NAME] [NOTE]: prints the tally ("NAME: 3 passed, 0 failed (NOTE)");
# its status is the script's.
rk_finish() {
    echo "${1:+$1: }$passes passed, $fails failed${2:+ ($2)}"
    [ "$fails" = 0 ]
}

# ---- PostgreSQL (issue 17) ----
# rk_pg_start: initdb and pg_ctl from RK_PG_BIN (/usr/lib/postgresql/15/bin unless
# set) make a cluster in $T/pg, listening only on a Unix socket in $T/pg/sock and
# a free 127.0.0.1 port, with a database rekisteri_test. As root it runs as
# `nobody` (initdb and postgres refuse root): $T is opened for traversal (o+x,
# not listing) and $T/pg belongs to nobody. Local socket connections are trusted;
# TCP ones need the superuser rk's random password (scram-sha-256).
# fsync stays on (the default): durability is part of what later tests check, and
# it is cheap here (measured: start 0.8 s, 200 single-row commits 0.12 s); only
# initdb runs with --no-sync (a cluster that dies with the script need not
# survive a power cut of its creation).
# Sets RK_PG_URI (postgresql://rk:PASS@127.0.0.1:PORT/rekisteri_test, for --db),
# RK_PG_SOCK (the socket directory), RK_PG_PORT, RK_PG_DATA (the data directory)
# and RK_PG_USER (the system user it runs as). Hooks rk_pg_stop into the exit
# trap, before rk_cleanup, so the cluster is stopped also on failure or a
# signal. Ends the script when the cluster does not start.
# rk_pg_stop: stops it (pg_ctl stop -m immediate, waited for until the postmaster
# has exited) and removes $T/pg; nothing when it is not running.
# rk_pg_alive PID: whether that process runs (not a zombie).
RK_PG_DATA=
rk_pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$RK_PG_USER" -- "$@"; else "$@"; fi
}
# rk_pg_alive PID: whether process PID runs (a zombie waiting to be reaped does not).
rk_pg_alive() {
    [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
}
# rk_default_db: where the script's register lives when it names none. On the
# PostgreSQL pass (RK_BACKEND=postgres: CTest's integration/pg/NAME) that is a
# cluster of the script's own (rk_pg_start, once) and REKISTERI_DB its URI;
# otherwise REKISTERI_DB is unset and the CLI's default path (var/rekisteri.db,
# relative to the working directory) is taken. Scripts call it where they would
# unset REKISTERI_DB.
rk_default_db() {
    if [ "${RK_BACKEND:-sqlite}" = postgres ]; then
        [ -n "$RK_PG_DATA" ] || rk_pg_start
        export REKISTERI_DB="$RK_PG_URI"
    else
        unset REKISTERI_DB
    fi
}
# rk_new_db: a register of its own, for a script that makes more than one (each in a folder
# of its own): on SQLite REKISTERI_DB unset (var/rekisteri.db of the working directory), on
# the PostgreSQL pass a new empty database in the script's cluster, REKISTERI_DB its URI.
rk_new_db() {
    if [ "${RK_BACKEND:-sqlite}" = postgres ]; then
        [ -n "$RK_PG_DATA" ] || rk_pg_start
        _rk_db=rekisteri_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
        psql "$RK_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "create database $_rk_db" >/dev/null ||
            { echo "FAIL: createdb $_rk_db"; exit 1; }
        export REKISTERI_DB="${RK_PG_URI%/*}/$_rk_db"
    else
        unset REKISTERI_DB
    fi
}
rk_pg_start() {
    _rk_bin=${RK_PG_BIN:-/usr/lib/postgresql/15/bin}
    [ -x "$_rk_bin/initdb" ] || { echo "FAIL: no $_rk_bin/initdb (scripts/setup installs postgresql-15)"; exit 1; }
    RK_PG_USER=$(id -un)
    if [ "$(id -u)" = 0 ]; then RK_PG_USER=nobody; chmod o+x "$T"; fi
    _rk_pg=$T/pg
    mkdir -p "$_rk_pg/sock"
    [ "$(id -u)" = 0 ] && chown -R "$RK_PG_USER" "$_rk_pg"
    chmod 700 "$_rk_pg"
    RK_PG_DATA=$_rk_pg/data
    RK_PG_SOCK=$_rk_pg/sock
    trap 'rk_pg_stop; rk_cleanup' EXIT
    _rk_pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    echo "$_rk_pw" >"$_rk_pg/pw"
    [ "$(id -u)" = 0 ] && chown "$RK_PG_USER" "$_rk_pg/pw"
    rk_pg_as "$_rk_bin/initdb" -D "$RK_PG_DATA" -U rk --pwfile="$_rk_pg/pw" --auth-local=trust \
        --auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >"$_rk_pg/initdb.log" 2>&1 ||
        { echo "FAIL: initdb: $(tail -3 "$_rk_pg/initdb.log")"; exit 1; }
    rm -f "$_rk_pg/pw"
    # A free port: the kernel's choice for a socket bound and closed at once; taken by
    # someone else in between, the start fails and another is tried.
    for _ in 1 2 3 4 5; do
        RK_PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if rk_pg_as "$_rk_bin/pg_ctl" -D "$RK_PG_DATA" -l "$_rk_pg/log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $RK_PG_PORT -c unix_socket_directories=$RK_PG_SOCK" \
            start >/dev/null 2>&1; then
            break
        fi
        RK_PG_PORT=
    done
    [ -n "$RK_PG_PORT" ] || { echo "FAIL: postgres did not start: $(tail -3 "$_rk_pg/log")"; exit 1; }
    rk_pg_as "$_rk_bin/psql" -h "$RK_PG_SOCK" -p "$RK_PG_PORT" -U rk -d postgres -qAt -v ON_ERROR_STOP=1 \
        -c 'create database rekisteri_test' >/dev/null ||
        { echo "FAIL: createdb rekisteri_test"; exit 1; }
    # A script killed outright (CTest's timeout: SIGKILL) runs no trap: a watcher in a
    # session of its own stops the cluster and removes its folder once the script is gone.
    setsid sh -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done
        [ -f "$2/postmaster.pid" ] || exit 0
        if [ "$(id -u)" = 0 ]; then runuser -u "$3" -- "$1/pg_ctl" -D "$2" -m immediate -w stop
        else "$1/pg_ctl" -D "$2" -m immediate -w stop; fi
        rm -rf "${2%/data}"' "$$" "$_rk_bin" "$RK_PG_DATA" "$RK_PG_USER" \
        </dev/null >/dev/null 2>&1 &
    RK_PG_URI="postgresql://rk:$_rk_pw@127.0.0.1:$RK_PG_PORT/rekisteri_test"
    export RK_PG_URI RK_PG_SOCK RK_PG_PORT RK_PG_DATA
}
rk_pg_stop() {
    [ -n "$RK_PG_DATA" ] || return 0
    if [ -f "$RK_PG_DATA/postmaster.pid" ]; then
        _rk_pm=$(head -1 "$RK_PG_DATA/postmaster.pid")
        rk_pg_as "${RK_PG_BIN:-/usr/lib/postgresql/15/bin}/pg_ctl" -D "$RK_PG_DATA" -m immediate \
            -w -t 30 stop >/dev/null 2>&1
        # pg_ctl returns when the pid file is gone, a moment before the postmaster is.
        for _ in $(seq 50); do rk_pg_alive "$_rk_pm" || break; sleep 0.1; done
    fi
    rm -rf "${RK_PG_DATA%/data}"
    RK_PG_DATA=
}

# ---- PgBouncer in front of it (issue 17: a transaction-mode pooler) ----
# rk_pgbouncer_start: after rk_pg_start, runs /usr/sbin/pgbouncer (RK_PGB_BIN to override;
# scripts/setup installs Debian's pgbouncer) from $T/pgb/pgbouncer.ini as RK_PG_USER (it
# refuses root too), daemonized, listening only on a free 127.0.0.1 port (no Unix socket),
# in pool_mode = transaction with default_pool_size = RK_PGB_POOL (4 unless set), so that
# more clients than that share the server connections; max_client_conn 200, a client waits
# for a server connection at most 20 s (query_wait_timeout: a starved pool fails the script
# instead of hanging it). Clients authenticate with scram-sha-256 against $T/pgb/userlist
# (0600: rk and the cluster's password, which PgBouncer also uses to log in to the cluster
# over TCP); rk is also an admin user of the console (database "pgbouncer": SHOW POOLS).
# Sets RK_PGB_URI (RK_PG_URI with the pooler's port: same user, password and database;
# another database name in it goes to that database of the cluster), RK_PGB_PORT and
# RK_PGB_ADMIN (the console's URI). Hooks rk_pgbouncer_stop into the exit trap before
# rk_pg_stop; a watcher stops it after a SIGKILL of the script. Ends the script when it
# does not start.
# rk_pgbouncer_stop: stops it (SIGTERM to the pid in its pidfile, waited for); nothing when
# it is not running.
RK_PGB_DIR=
rk_pgbouncer_start() {
    [ -n "$RK_PG_DATA" ] || { echo "FAIL: rk_pgbouncer_start needs rk_pg_start first"; exit 1; }
    _rk_pgb_bin=${RK_PGB_BIN:-/usr/sbin/pgbouncer}
    [ -x "$_rk_pgb_bin" ] || { echo "FAIL: no $_rk_pgb_bin (scripts/setup installs pgbouncer)"; exit 1; }
    RK_PGB_DIR=$T/pgb
    mkdir -p "$RK_PGB_DIR"
    chmod 700 "$RK_PGB_DIR"
    trap 'rk_pgbouncer_stop; rk_pg_stop; rk_cleanup' EXIT
    _rk_pw=${RK_PG_URI#*://*:}
    _rk_pw=${_rk_pw%%@*}
    (umask 077 && printf '"rk" "%s"\n' "$_rk_pw" >"$RK_PGB_DIR/userlist")
    for _ in 1 2 3 4 5; do
        RK_PGB_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        cat >"$RK_PGB_DIR/pgbouncer.ini" <<EOF_PGB
[databases]
* = host=127.0.0.1 port=$RK_PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $RK_PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $RK_PGB_DIR/userlist
admin_users = rk
pool_mode = transaction
default_pool_size = ${RK_PGB_POOL:-4}
max_client_conn = 200
query_wait_timeout = 20
pidfile = $RK_PGB_DIR/pgbouncer.pid
logfile = $RK_PGB_DIR/pgbouncer.log
EOF_PGB
        [ "$(id -u)" = 0 ] && chown -R "$RK_PG_USER" "$RK_PGB_DIR"
        rm -f "$RK_PGB_DIR/pgbouncer.pid"
        rk_pg_as "$_rk_pgb_bin" -d -q "$RK_PGB_DIR/pgbouncer.ini" >>"$RK_PGB_DIR/start.log" 2>&1
        RK_PGB_ADMIN="postgresql://rk:$_rk_pw@127.0.0.1:$RK_PGB_PORT/pgbouncer"
        for _ in $(seq 50); do
            psql "$RK_PGB_ADMIN" -qAt -c 'SHOW VERSION' >/dev/null 2>&1 && break 2
            sleep 0.1
        done
        # Not listening (the port taken meanwhile, say): stop what may run and try another.
        rk_pgbouncer_stop
        RK_PGB_PORT=
    done
    [ -n "$RK_PGB_PORT" ] || {
        echo "FAIL: pgbouncer did not start: $(tail -3 "$RK_PGB_DIR/pgbouncer.log" "$RK_PGB_DIR/start.log" 2>/dev/null)"
        exit 1
    }
    # As rk_pg_start's: a script killed outright runs no trap; this stops the pooler then.
    setsid sh -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done
        [ -f "$1" ] && kill -TERM "$(cat "$1")"' "$$" "$RK_PGB_DIR/pgbouncer.pid" \
        </dev/null >/dev/null 2>&1 &
    RK_PGB_URI="postgresql://rk:$_rk_pw@127.0.0.1:$RK_PGB_PORT/${RK_PG_URI##*/}"
    export RK_PGB_URI RK_PGB_PORT RK_PGB_ADMIN
}
rk_pgbouncer_stop() {
    [ -n "$RK_PGB_DIR" ] && [ -f "$RK_PGB_DIR/pgbouncer.pid" ] || return 0
    _rk_pgb_pid=$(cat "$RK_PGB_DIR/pgbouncer.pid" 2>/dev/null)
    [ -n "$_rk_pgb_pid" ] || return 0
    kill -TERM "$_rk_pgb_pid" 2>/dev/null
    for _ in $(seq 50); do rk_pg_alive "$_rk_pgb_pid" || break; sleep 0.1; done
    rm -f "$RK_PGB_DIR/pgbouncer.pid"
}

# The PostgreSQL pass puts every script's default register in its cluster from the start.
if [ "${RK_BACKEND:-sqlite}" = postgres ]; then rk_default_db; fi
