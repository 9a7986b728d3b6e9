#!/bin/sh
# serve_basic.sh — `rekisteri serve` over loopback: it binds 127.0.0.1 on a
# free port, answers /healthz and /privacy (fi/en) with the security headers,
# JSON errors for 404/405/413, keeps connections alive, logs requests without
# URLs or query strings, and stops with status 0 on SIGTERM.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
pid=
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_DB="$T/none.db" REKISTERI_KEY_FILE="$T/none.key" # no storage: API answers 503

rk_serve "$T/out" "$T/err"
U=$U/
case $U in http://127.0.0.1:*/) ok ;; *) bad "not bound to 127.0.0.1: $U" ;; esac
C="curl -s --max-time 10"

$C -D "$T/h1" -o "$T/b1" "${U}healthz"
grep -q "^HTTP/1.1 200" "$T/h1" && jq -e '.status == "ok"' "$T/b1" >/dev/null && ok || bad healthz
for h in "Content-Security-Policy: default-src 'self'" "X-Content-Type-Options: nosniff" \
    "Referrer-Policy: same-origin" "frame-ancestors 'none'"; do
    grep -qi "$h" "$T/h1" && ok || bad "missing header: $h"
done

$C -D "$T/h2" -o "$T/b2" "${U}privacy"
grep -q "^HTTP/1.1 200" "$T/h2" && grep -qi "^Content-Type: text/html; charset=utf-8" "$T/h2" \
    && grep -q '<html lang="fi"' "$T/b2" && grep -q "Smartum Oy" "$T/b2" && ok || bad "privacy fi"
$C -o "$T/b3" -H "Accept-Language: en-GB,en;q=0.9,fi;q=0.5" "${U}privacy"
grep -q '<html lang="en"' "$T/b3" && ok || bad "Accept-Language en"
$C -o "$T/b4" "${U}privacy?lang=en&email=secret.person@example.fi"
grep -q '<html lang="en"' "$T/b4" && ok || bad "?lang=en"

$C -D "$T/h5" -o "$T/b5" "${U}nothing-here"
grep -q "^HTTP/1.1 404" "$T/h5" && jq -e '.error.code == "not_found"' "$T/b5" >/dev/null \
    && grep -qi "^Content-Type: application/json" "$T/h5" && ok || bad 404
$C -D "$T/h6" -o "$T/b6" -X DELETE "${U}privacy"
grep -q "^HTTP/1.1 405" "$T/h6" && jq -e '.error.code == "method_not_allowed"' "$T/b6" >/dev/null \
    && ok || bad 405
head -c 200000 /dev/zero | tr '\0' 'a' >"$T/big"
$C -D "$T/h7" -o "$T/b7" --data-binary @"$T/big" "${U}healthz"
grep -q "^HTTP/1.1 413" "$T/h7" && jq -e '.error.code == "too_large"' "$T/b7" >/dev/null \
    && ok || bad "413: $(head -1 "$T/h7")"

# Without a database the API says so.
$C -D "$T/h9" -o "$T/b9" "${U}api/v1/persons/aaaaaaaaaaaaaaaaaaaaaaaaaa"
grep -q "^HTTP/1.1 503" "$T/h9" && jq -e '.error.code == "unavailable"' "$T/b9" >/dev/null \
    && ok || bad "API without storage: $(head -1 "$T/h9")"

# The OpenAPI document (its agreement with the routes is tests/unit/test_openapi.c).
$C -o "$T/oa" "${U}api/v1/openapi.json"
jq -e '.openapi == "3.1.0" and (.paths | has("/api/v1/persons"))' "$T/oa" >/dev/null && ok || bad "openapi.json"

# Keep-alive: the second request reuses the first connection.
n=$($C -o /dev/null -o /dev/null -w '%{num_connects} ' "${U}healthz" "${U}privacy")
[ "$n" = "1 0 " ] && ok || bad "connection not kept alive: $n"

# Metrics in Prometheus text format, counting what was answered above.
$C -D "$T/h8" -o "$T/m" "${U}metrics"
grep -q "^HTTP/1.1 200" "$T/h8" && grep -qi "^Content-Type: text/plain; version=0.0.4" "$T/h8" \
    && ok || bad "metrics response"
grep -Eq '^rekisteri_http_requests_total\{route="/healthz",status="200"\} [2-9]' "$T/m" && ok \
    || bad "healthz not counted: $(cat "$T/m")"
grep -q 'route="unknown",status="404"} 1' "$T/m" && grep -q 'status="413"} 1' "$T/m" && ok \
    || bad "errors not counted"
grep -q '^rekisteri_http_request_duration_seconds_bucket{le="+Inf"} ' "$T/m" \
    && grep -q '^rekisteri_http_request_duration_seconds_count ' "$T/m" && ok || bad "histogram"
grep -q "secret.person" "$T/m" && bad "personal data in metrics" || ok

# Public pages are rate-limited per address: a burst gets 429 with Retry-After,
# while /healthz is not limited. The burst is sent in parallel so that a slow
# machine cannot refill the bucket meanwhile.
mkdir "$T/rl"
seq 100 | xargs -P 10 -I{} curl -s --max-time 10 -D "$T/rl/h{}" -o "$T/rl/b{}" "${U}privacy"
n429=$(grep -l "^HTTP/1.1 429" "$T"/rl/h* | wc -l)
n200=$(grep -l "^HTTP/1.1 200" "$T"/rl/h* | wc -l)
[ "$n429" -gt 0 ] && [ "$n200" -gt 0 ] && ok || bad "no rate limit: $n200 × 200, $n429 × 429"
h=$(grep -l "^HTTP/1.1 429" "$T"/rl/h* | head -n 1)
if [ -n "$h" ] && grep -qi "^Retry-After: [1-9]" "$h" && jq -e '.error.code == "rate_limited"' \
    "$T/rl/b${h##*/h}" >/dev/null; then ok; else bad "429 without Retry-After"; fi
$C -o /dev/null -w '%{http_code}' "${U}healthz" | grep -q 200 && ok || bad "healthz limited"

# Headers over the connection's memory: 431, and the server goes on.
big=$(head -c 40000 /dev/zero | tr '\0' a)
$C -o /dev/null -w '%{http_code}' -H "X-Big: $big" "${U}healthz" | grep -q 431 && ok \
    || bad "huge header not refused with 431"
$C -o /dev/null -w '%{http_code}' "${U}healthz" | grep -q 200 && ok || bad "down after a huge header"

# Second server on the same port: refused with a clear error.
port=${U#http://127.0.0.1:}
port=${port%/}
"$REKISTERI" serve --listen "127.0.0.1:$port" >/dev/null 2>"$T/err2"
[ $? = 1 ] && grep -q "cannot listen" "$T/err2" && ok || bad "port in use: $(cat "$T/err2")"
"$REKISTERI" serve --listen localhost >/dev/null 2>"$T/err3"
[ $? = 2 ] && grep -q "ADDRESS:PORT" "$T/err3" && ok || bad "bad --listen"
"$REKISTERI" serve --request-timeout 0 >/dev/null 2>"$T/err4"
[ $? = 2 ] && grep -q "request-timeout" "$T/err4" && ok || bad "bad --request-timeout"

# A slow client: a body trickling in is cut off after --request-timeout, and
# the server answers others meanwhile.
"$REKISTERI" serve --listen 127.0.0.1:0 --request-timeout 1 >"$T/out5" 2>"$T/err5" &
pid5=$!
U5=
for _ in $(seq 50); do
    U5=$(sed -n 's/^listening on //p' "$T/out5")
    [ -n "$U5" ] && break
    sleep 0.1
done
head -c 30000 /dev/zero | tr '\0' x >"$T/slow.body"
start=$(date +%s)
curl -s -o /dev/null --max-time 20 --limit-rate 2000 -H "Content-Type: application/json" \
    --data-binary @"$T/slow.body" "${U5}api/v1/persons"
took=$(($(date +%s) - start))
[ "$took" -le 6 ] && ok || bad "a slow upload was not cut off (took ${took}s)"
$C -o /dev/null -w '%{http_code}' "${U5}healthz" | grep -q 200 && ok || bad "down after a slow client"
kill -TERM "$pid5"
wait "$pid5"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
status=$?
rk_forget "$pid"
pid=
[ "$status" = 0 ] && ok || bad "SIGTERM: exit status $status"
grep -q '"event":"stop"' "$T/err" && ok || bad "no stop event logged"
grep -q '"route":"/privacy","status":200' "$T/err" && ok || bad "request not logged"
grep -q "secret.person\|email=" "$T/err" && bad "query string logged" || ok
while read -r line; do
    echo "$line" | jq -e . >/dev/null 2>&1 || { bad "log line is not JSON: $line"; break; }
done <"$T/err"

rk_finish
