# tests/integration/lib/common.sh — what the integration scripts share, sourced
# (". "$RK_SOURCE_DIR/tests/integration/lib/common.sh"") after `set -u`: a
# temporary folder T that is removed at exit with every process the script
# recorded in `pids`, the pass/fail tally, and starting `rekisteri serve` on a
# free loopback port. It lives below lib/ so that CTest's glob of
# tests/integration/*.sh does not take it for a test.
T=$(mktemp -d)
pids=
fails=0 passes=0
rk_cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    chmod -R u+w "$T" 2>/dev/null
    rm -rf "$T"
}
trap rk_cleanup EXIT
trap 'exit 1' INT TERM
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# rk_serve OUT ERR [ARGS...]: starts `rekisteri serve --listen 127.0.0.1:0 ARGS`
# with its stdout in OUT and stderr in ERR, and waits until it listens. Sets
# pid (its process, also killed at exit) and U (its URL, without the trailing
# slash). Ends the script when it has not listened within 30 s or has exited.
rk_serve() {
    _rk_out=$1 _rk_err=$2
    shift 2
    "$REKISTERI" serve --listen 127.0.0.1:0 "$@" >"$_rk_out" 2>"$_rk_err" &
    pid=$!
    pids="$pids $pid"
    U=
    for _ in $(seq 300); do
        U=$(sed -n 's/^listening on //p' "$_rk_out" 2>/dev/null)
        [ -n "$U" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$U" ] || { echo "FAIL: server did not start: $(cat "$_rk_err")"; exit 1; }
    U=${U%/}
}

# rk_finish [NAME]: prints the tally; its status is the script's.
rk_finish() {
    echo "${1:+$1: }$passes passed, $fails failed"
    [ "$fails" = 0 ]
}
