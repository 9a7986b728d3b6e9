#!/bin/sh
# read_only.sh — `rekisteri serve` over a database it may read but not write
# (the file and its directory read-only, after a clean stop: WAL mode with no
# -wal or -shm file, which it cannot create). It starts, says at start that
# the database is read-only, serves reads and the public pages, answers every
# write with 503 storage_unavailable and Retry-After, and changes no file.
# As root (CI), permission bits do not apply, so the server runs as nobody
# (setpriv, util-linux) over a root-owned copy; otherwise the copy is chmod'ed.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_on_exit() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }
pid=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW

R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
TOKEN=$(R token create --name reader --role dpo 2>/dev/null)
P1=$(R person add --register customer --purpose customer_relationship --source meeting \
    --email luettava@example.net --name Luettava 2>/dev/null)
[ -n "$P1" ] && ok || bad "person add"

# The copy the server may only read: a directory of its own, after a clean stop.
mkdir ro
cp var/rekisteri.db var/rekisteri.key ro/
# the declaration too: the checkout may sit in a folder the server's user cannot enter
cp "$REKISTERI_DECLARATION" ro/declaration.yaml
# sqlite3: the subject is the SQLite file itself (its WAL mode, the -wal/-shm files).
[ "$(sqlite3 ro/rekisteri.db 'PRAGMA journal_mode')" = wal ] && ok || bad "the copy is not in WAL mode"
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || { echo "FAIL: setpriv (util-linux) is missing"; exit 1; }
    chmod 755 "$T" ro
    chmod 644 ro/rekisteri.db ro/declaration.yaml
    chown nobody ro/rekisteri.key # the key stays 0600, readable by the server's user alone
    AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    who="as nobody over root's files"
else
    chmod 444 ro/rekisteri.db
    chmod 555 ro
    AS=
    who="over chmod'ed files"
fi
sum=$(sha256sum ro/rekisteri.db | cut -d' ' -f1)

REKISTERI_DECLARATION="$T/ro/declaration.yaml" \
    $AS "$REKISTERI" serve --listen 127.0.0.1:0 --public-rate 0 --sweep-interval 0 \
    --db ro/rekisteri.db --key-file ro/rekisteri.key >"$T/out" 2>"$T/err" &
pid=$!
U=
for _ in $(seq 100); do
    U=$(sed -n 's/^listening on //p' "$T/out")
    [ -n "$U" ] && break
    sleep 0.05
done
[ -n "$U" ] || { echo "FAIL: server did not start ($who): $(tail -3 "$T/err")"; exit 1; }
U=${U%/}
grep -q "serving it read-only" "$T/err" && ok || bad "no read-only line at start: $(head -5 "$T/err")"
grep -q '"event":"start".*"api":true,"read_only":true' "$T/err" && ok || bad "start event: $(grep start "$T/err")"

# Reads and public pages.
code=$(curl -s -o "$T/p.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U/api/v1/persons/$P1")
[ "$code" = 200 ] && jq -e '.id' "$T/p.b" >/dev/null && ok || bad "GET person: $code $(cat "$T/p.b")"
for path in /healthz /privacy /forms/newsletter "/api/v1/check?email=luettava@example.net&purpose=customer_relationship"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U$path")
    [ "$code" = 200 ] && ok || bad "GET $path: $code"
done

# Writes: 503 storage_unavailable with Retry-After, the same on every route.
code=$(curl -s -D "$T/w.h" -o "$T/w.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: application/json" \
    -d '{"register":"customer","purpose":"customer_relationship","source":"meeting","values":{"email":"uusi@example.net"}}' \
    "$U/api/v1/persons")
[ "$code" = 503 ] && jq -e '.error.code == "storage_unavailable"' "$T/w.b" >/dev/null && ok \
    || bad "POST person: $code $(cat "$T/w.b")"
grep -qi '^retry-after: [0-9]' "$T/w.h" && ok || bad "no Retry-After: $(cat "$T/w.h")"
code=$(curl -s -o "$T/c.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: application/json" -X PATCH \
    -d '{"register":"customer","purpose":"customer_relationship","source":"meeting","values":{"name":"Uusi"}}' \
    "$U/api/v1/persons/$P1")
[ "$code" = 503 ] && jq -e '.error.code == "storage_unavailable"' "$T/c.b" >/dev/null && ok \
    || bad "PATCH person: $code $(cat "$T/c.b")"
code=$(curl -s -o "$T/f.b" -w '%{http_code}' -H 'Accept: application/json' \
    -d "email=uusi@example.net&consent=yes" "$U/forms/newsletter")
[ "$code" = 503 ] && jq -e '.error.code == "storage_unavailable"' "$T/f.b" >/dev/null && ok \
    || bad "POST form: $code $(cat "$T/f.b")"
printf 'name,email,consent_at\nA,a@example.org,2025-01-01\n' >one.csv
code=$(curl -s -o "$T/i.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: text/csv' --data-binary @one.csv \
    "$U/api/v1/import?register=marketing&purpose=sales_promotion&source=web_form")
[ "$code" = 503 ] && jq -e '.error.code == "storage_unavailable"' "$T/i.b" >/dev/null && ok \
    || bad "POST import: $code $(cat "$T/i.b")"
curl -s "$U/metrics" | grep -q '^rekisteri_storage_writable 0$' && ok || bad "metrics: writable 0"
grep -q '@example' "$T/err" && bad "the log holds an email address" || ok

kill -TERM "$pid" && wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] && ok || bad "serve exited $rc on SIGTERM"
[ "$(sha256sum ro/rekisteri.db | cut -d' ' -f1)" = "$sum" ] && ok || bad "the database changed"
[ ! -e ro/rekisteri.db-wal ] && [ ! -e ro/rekisteri.db-shm ] && ok || bad "files created: $(ls ro)"

rk_finish "" "$who"
