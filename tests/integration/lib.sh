# tests/integration/lib.sh — what every integration script shares, sourced right
# after `set -u` and the check of CTest's variables:
#     . "$RK_SOURCE_DIR/tests/integration/lib.sh"
# It gives:
#   T          a temporary folder, removed at exit (also on failure or a signal)
#              together with every process recorded in `pids`;
#   ok / bad   the pass/fail tally (bad prints "FAIL: ..." on stderr), and
#              rk_finish, which prints it and whose status is the script's;
#   R          the binary (CTest's REKISTERI) with the arguments given;
#   rk_serve   `rekisteri serve` on a free 127.0.0.1 port, waited for;
#   rk_sink    the SMTP or HTTP receiver (tests/tools/*_sink.c) on a free port;
#   rk_census  the store's row counts (tests/tools/rk_census.c) instead of SQL;
#   rk_stop    stopping one process the script started.
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
