#!/bin/sh
# disk_full.sh — the service when the database cannot be written: a file
# size limit (RLIMIT_FSIZE, set on the running server with prlimit; writes
# then fail with EFBIG, which SQLite reports like a full disk) makes every
# write through the staff API and the newsletter form answer 503
# storage_unavailable with Retry-After, while reads and public pages keep
# working; nothing answered 503 is in the database, everything answered 2xx
# is; once the limit is lifted writes succeed again without a restart, the
# audit chain verifies and the integrity check passes. Then the CLI under the
# same kind of limit: an import stops with exit 1 and a clear message, and
# exactly the rows it reports imported are there. Last the outbox and the
# art 19 notices: a sender or deliverer whose outcome cannot be recorded does
# not send again and again (one copy each, before and after the limit is
# lifted). No root, no mounts.
# CTest sets REKISTERI, RK_SOURCE_DIR, SMTP_SINK and HTTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}" "${HTTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_on_exit() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }
pid=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
command -v prlimit >/dev/null || { echo "FAIL: prlimit (util-linux) is missing"; exit 1; }

R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
TOKEN=$(R token create --name loader --role dpo 2>/dev/null)
rk_serve "$T/out" "$T/err" --public-rate 0 --sweep-interval 0

# api NAME / form NAME: one write; prints the status, keeps body and headers in $T/NAME.*
api() {
    curl -s -D "$T/$1.h" -o "$T/$1.b" -w '%{http_code}' --max-time 10 \
        -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
        -d "{\"register\":\"customer\",\"purpose\":\"customer_relationship\",\"source\":\"meeting\",\"values\":{\"email\":\"$1@example.net\"}}" \
        "$U/api/v1/persons"
}
form() {
    curl -s -D "$T/$1.h" -o "$T/$1.b" -w '%{http_code}' --max-time 10 -H 'Accept-Language: en' \
        -d "email=$1@example.net&consent=yes" "$U/forms/newsletter"
}
# write KIND NAME: records NAME as acknowledged or refused for the checks at the end.
write() {
    code=$($1 "$2")
    case "$code" in
    200 | 201) echo "$1 $2" >>"$T/acked" ;;
    503) echo "$1 $2" >>"$T/refused" ;;
    *) bad "$1 $2: unexpected status $code: $(head -c 300 "$T/$2.b")" ;;
    esac
}
: >"$T/acked"
: >"$T/refused"
for i in 1 2 3; do
    write api "before$i"
    write form "fbefore$i"
done
[ "$(wc -l <"$T/acked")" = 6 ] && ok || bad "writes before the limit: $(cat "$T/refused")"
P1=$(jq -r .id "$T/before1.b")

# Cap the files the server may write a little above what the WAL and its index hold now.
wal=$(stat -c %s var/rekisteri.db-wal 2>/dev/null || echo 0)
cap=$((wal > 32768 ? wal + 8192 : 32768 + 8192))
HARD=$(prlimit --pid "$pid" --fsize --raw --noheadings -o HARD | tr -d ' ')
prlimit --pid "$pid" --fsize="$cap:" || { echo "FAIL: prlimit"; exit 1; }
i=0
while [ "$i" -lt 300 ] && [ "$(grep -c '^api' "$T/refused")" -lt 3 ]; do
    i=$((i + 1))
    write api "during$i"
    write form "fduring$i"
done
kill -0 "$pid" 2>/dev/null && ok || bad "the server died under the file size limit (SIGXFSZ?)"
napi=$(grep -c '^api' "$T/refused")
nform=$(grep -c '^form' "$T/refused")
[ "$napi" -ge 3 ] && [ "$nform" -ge 1 ] && ok \
    || bad "no 503 under a $cap-byte file size limit after $i writes each ($napi api, $nform form)"
last=$(grep '^api' "$T/refused" | tail -1 | cut -d' ' -f2)
grep -qi '^retry-after: [0-9]' "$T/$last.h" && ok || bad "503 without Retry-After: $(cat "$T/$last.h")"
jq -e '.error.code == "storage_unavailable" and (.error.message | test("could not be written.*nothing was saved"))' \
    "$T/$last.b" >/dev/null && ok || bad "503 body: $(cat "$T/$last.b")"
flast=$(grep '^form' "$T/refused" | tail -1 | cut -d' ' -f2)
grep -q 'try again' "$T/$flast.b" && grep -qi '^retry-after:' "$T/$flast.h" && ok \
    || bad "form 503: $(head -c 400 "$T/$flast.b")"

# Reads and public pages keep working meanwhile.
code=$(curl -s -o "$T/read.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U/api/v1/persons/$P1")
[ "$code" = 200 ] && ok || bad "a read while writes fail: $code $(cat "$T/read.b")"
for path in /healthz /privacy /forms/newsletter "/api/v1/check?email=before2@example.net&purpose=customer_relationship"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U$path")
    [ "$code" = 200 ] && ok || bad "GET $path while writes fail: $code"
done
curl -s "$U/metrics" >"$T/m1"
grep -q '^rekisteri_storage_writable 0$' "$T/m1" && ok || bad "metrics: writable should be 0"
n=$(sed -n 's/^rekisteri_storage_write_failures_total //p' "$T/m1")
[ "${n:-0}" -ge "$napi" ] && ok || bad "metrics: write failures ${n:-none} < $napi"
grep -q '"event":"storage_unwritable".*could not be written' "$T/err" && ok \
    || bad "no storage_unwritable log line"

# Space returns: writes succeed again, without a restart.
prlimit --pid "$pid" --fsize="$HARD:" || bad "prlimit: lifting the limit"
write api after1
write form fafter1
write api after2
grep -q '^api after2$' "$T/acked" && grep -q '^form fafter1$' "$T/acked" && ok \
    || bad "writes after the limit was lifted: $(tail -3 "$T/refused")"
curl -s "$U/metrics" | grep -q '^rekisteri_storage_writable 1$' && ok || bad "metrics: writable 1 again"
grep -q '"event":"storage_writable"' "$T/err" && ok || bad "no storage_writable log line"
grep -q '@example.net' "$T/err" && bad "the log holds an email address" || ok
kill -TERM "$pid" && wait "$pid"
pid=

# Every acknowledged write is there; no refused one is, not even in part.
missing=0
while read -r kind e; do
    if [ "$kind" = api ]; then
        R person find "$e@example.net" >/dev/null 2>&1 || missing=$((missing + 1))
    else
        [ "$(rk_census --email "$e@example.net" signups 2>/dev/null)" = 1 ] \
            || missing=$((missing + 1))
    fi
done <"$T/acked"
[ "$missing" = 0 ] && ok || bad "$missing acknowledged writes lost"
present=0
while read -r kind e; do
    if [ "$kind" = api ]; then
        R person find "$e@example.net" >/dev/null 2>&1 && present=$((present + 1))
    else
        [ "$(rk_census --email "$e@example.net" signups 2>/dev/null)" = 1 ] \
            && present=$((present + 1))
    fi
done <"$T/refused"
[ "$present" = 0 ] && ok || bad "$present writes answered 503 were saved"
R audit verify >/dev/null && ok || bad "the audit chain does not verify"
# sqlite3: the subject is the SQLite file after failed writes: its own integrity check.
[ "$(sqlite3 var/rekisteri.db 'PRAGMA integrity_check')" = ok ] && ok || bad "integrity check"

# The CLI under a file size limit: exit 1, a clear message, exactly the reported rows in.
{
    echo "name,email,consent_at"
    for i in $(seq 1 3000); do echo "Person $i,cli$i@example.org,2025-01-01"; done
} >big.csv
before=$(rk_census persons)
prlimit --fsize=400000 "$REKISTERI" import --register marketing --purpose sales_promotion \
    --source web_form --batch 100 big.csv >"$T/imp.out" 2>"$T/imp.err"
rc=$?
[ "$rc" = 1 ] && ok || bad "import under a file size limit: exit $rc: $(cat "$T/imp.err")"
grep -q 'stopped: the database could not be written.*rows imported before it' "$T/imp.err" && ok \
    || bad "import message: $(cat "$T/imp.err")"
grep -q '@example' "$T/imp.err" && bad "the message holds an email address" || ok
reported=$(sed -n 's/.*; \([0-9]*\) rows imported before it.*/\1/p' "$T/imp.err")
after=$(rk_census persons)
[ -n "$reported" ] && [ "$reported" -lt 3000 ] && [ $((after - before)) = "$reported" ] && ok \
    || bad "import: reported ${reported:-nothing}, $((after - before)) persons added"
R audit verify >/dev/null && ok || bad "the audit chain does not verify after the import"
# sqlite3: the subject is the SQLite file after failed writes: its own integrity check.
[ "$(sqlite3 var/rekisteri.db 'PRAGMA integrity_check')" = ok ] && ok || bad "integrity check"

# The outbox: 12 queued messages, a sender whose marks fail once the WAL passes 32 KiB.
mkdir -p "$T/sink" mail && cd mail || exit 1
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
rk_sink smtp "$T/sink" --max-seconds 120
for i in $(seq 1 12); do R mail test --to "m$i@example.fi" --subject "S $i" >/dev/null 2>&1; done
prlimit --fsize=32768: "$REKISTERI" serve --listen 127.0.0.1:0 --sweep-interval 0 \
    --smtp "smtp://127.0.0.1:$(cat "$T/sink.port")" --mail-from noreply@example.fi \
    >"$T/mout" 2>"$T/merr" &
pid=$!
emls() { find "$T/sink" -name '*.eml' | wc -l | tr -d ' '; }
n1=0
for _ in $(seq 300); do
    grep -q '"event":"mail".*pass ended' "$T/merr" && break
    sleep 0.1
done
sleep 2 # two more passes, which must only retry the mark
n1=$(emls)
[ "$n1" -ge 1 ] && [ "$n1" -lt 12 ] && ok || bad "sent under the limit: $n1 of 12 ($(tail -2 "$T/merr"))"
prlimit --pid "$pid" --fsize="$HARD:" || bad "prlimit: lifting the limit"
for _ in $(seq 300); do
    [ "$(R outbox list --format json | jq -r .sent)" = 12 ] && break
    sleep 0.1
done
kill -TERM "$pid" && wait "$pid"
pid=
[ "$(R outbox list --format json | jq -r .sent)" = 12 ] && ok || bad "outbox: $(R outbox list --format json)"
[ "$(emls)" = 12 ] && ok || bad "the sink got $(emls) messages for 12 (resent while unrecorded?)"
[ -z "$(grep -h '^Message-ID' "$T"/sink/*.eml | sort | uniq -d)" ] && ok || bad "a Message-ID twice"

# Art 19 notices: 12 erasure notices to a webhook recipient, the deliverer's marks failing.
cd "$T" && mkdir -p hook notices && cd notices || exit 1
rk_sink http "$T/hook" --max-seconds 120
export WEBHOOK_SECRET=whsec-0123456789abcdef
rk_example_webhook "http://127.0.0.1:$(cat "$T/hook.port")/hook" WEBHOOK_SECRET >decl.yaml
export REKISTERI_DECLARATION="$PWD/decl.yaml"
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
for i in $(seq 1 12); do
    P=$(R person add --register marketing --purpose sales_promotion --source web_form \
        --email "n$i@example.fi" --consent-channel web_form 2>/dev/null)
    R recipients notify "$P" --kind erasure >/dev/null 2>&1
done
queued=$(R recipients list --format json | jq -r .queued)
prlimit --fsize=32768: "$REKISTERI" serve --listen 127.0.0.1:0 --sweep-interval 0 \
    >"$T/nout" 2>"$T/nerr" &
pid=$!
for _ in $(seq 300); do
    grep -q '"event":"recipient".*pass ended' "$T/nerr" && break
    sleep 0.1
done
sleep 2
hooks() { find "$T/hook" -name '*.req' | wc -l | tr -d ' '; }
h1=$(hooks)
[ "$h1" -ge 1 ] && [ "$h1" -lt 12 ] && ok || bad "delivered under the limit: $h1 of 12 ($(tail -2 "$T/nerr"))"
prlimit --pid "$pid" --fsize="$HARD:" || bad "prlimit: lifting the limit"
for _ in $(seq 300); do
    [ "$(hooks)" -ge 12 ] && [ "$(R recipients list --format json | jq -r .done)" -ge 12 ] && break
    sleep 0.1
done
kill -TERM "$pid" && wait "$pid"
pid=
[ "$(hooks)" = 12 ] && ok || bad "the webhook got $(hooks) notices for 12 (resent while unrecorded?)"
[ "$(R recipients list --format json | jq -r .done)" -ge 12 ] && ok \
    || bad "notices: $(R recipients list --format json | jq -c 'del(.notices)') ($queued queued)"

rk_finish "" "$(wc -l <"$T/acked") acknowledged, $(wc -l <"$T/refused") refused with 503"
