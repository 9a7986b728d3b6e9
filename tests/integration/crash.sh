#!/bin/sh
# crash.sh — nothing acknowledged is lost: four clients post new persons
# (the staff API) and newsletter signups (the public form) as fast as they
# can while the server is killed with SIGKILL at random moments, three times,
# and restarted. Afterwards every write that was answered 2xx is in the
# database, and the audit chain verifies.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_on_exit() { for p in $cpids $pid; do kill -9 "$p" 2>/dev/null; done; }
pid=
cpids=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW

R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
TOKEN=$(R token create --name loader --role dpo 2>/dev/null)
PORT=
start() {
    "$REKISTERI" serve --listen "127.0.0.1:${PORT:-0}" --public-rate 0 --sweep-interval 0 \
        >"$T/out" 2>>"$T/err" &
    pid=$!
    U=
    for _ in $(seq 100); do
        U=$(sed -n 's/^listening on //p' "$T/out")
        [ -n "$U" ] && break
        sleep 0.05
    done
    [ -n "$U" ] || { echo "FAIL: server did not start: $(tail -3 "$T/err")"; exit 1; }
    U=${U%/}
    PORT=${U##*:}
}
# client N: posts until told to stop; appends each acknowledged email to acked.N.
client() {
    i=0
    while [ ! -f "$T/stop" ]; do
        i=$((i + 1))
        if [ $((i % 2)) = 0 ]; then
            e="api.$1.$i@example.net"
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $TOKEN" \
                -H "Content-Type: application/json" -d "{\"register\":\"customer\",\"purpose\":\"customer_relationship\",\"source\":\"meeting\",\"values\":{\"email\":\"$e\"}}" \
                "$U/api/v1/persons" 2>/dev/null)
            [ "$code" = 201 ] && echo "api $e" >>"$T/acked.$1"
        else
            e="form.$1.$i@example.net"
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
                -d "email=$e&consent=yes" "$U/forms/newsletter" 2>/dev/null)
            [ "$code" = 200 ] && echo "form $e" >>"$T/acked.$1"
        fi
    done
}

start
for n in 1 2 3 4; do
    client $n &
    cpids="$cpids $!"
done
for round in 1 2 3; do
    sleep "1.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    start
done
sleep 1
touch "$T/stop"
for p in $cpids; do wait "$p"; done
cpids=
kill -TERM "$pid" && wait "$pid"
pid=

cat "$T"/acked.* >"$T/acked"
n=$(wc -l <"$T/acked")
[ "$n" -gt 20 ] && ok || bad "too few acknowledged writes to mean anything: $n"
missing=0
while read -r kind e; do
    if [ "$kind" = api ]; then
        R person find "$e" >/dev/null 2>&1 || missing=$((missing + 1))
    else
        # A signup is held apart until confirmed: its pending consent and its email are there.
        [ "$(rk_census --email "$e" signups 2>/dev/null)" = 1 ] \
            || missing=$((missing + 1))
    fi
done <"$T/acked"
[ "$missing" = 0 ] && ok || bad "$missing of $n acknowledged writes lost"
R audit verify >/dev/null && ok || bad "the audit chain does not verify after the crashes"
# sqlite3: the subject is the SQLite file after SIGKILLs: its own integrity check (on the
# PostgreSQL pass the server recovers its own files; the rows above are what it kept).
if [ "${RK_BACKEND:-sqlite}" = sqlite ]; then
    [ "$(sqlite3 var/rekisteri.db 'PRAGMA integrity_check')" = ok ] && ok || bad "integrity check"
fi
rk_finish "" "$n acknowledged writes, 3 crashes"
