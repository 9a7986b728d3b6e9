#!/bin/sh
# http_framing.sh — `rekisteri serve` refuses every request head that could
# frame its request in more than one way (issue 11 item 3, src/http/framing.c):
# each gets one 400 (501 for a transfer coding it does not implement) and the
# connection is closed at once, so the request smuggled after it on the same
# connection is never answered. A well-formed keep-alive pair is the control.
# The requests are sent byte for byte with tests/tools/rawhttp.py.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_DB="$T/none.db" REKISTERI_KEY_FILE="$T/none.key" # the public side is enough

rk_serve "$T/out" "$T/err"
port=${U#http://127.0.0.1:}
port=${port%/}

H='Host: rekisteri.test\r\n'
NEXT="GET /healthz HTTP/1.1\r\n${H}\r\n" # the request smuggled after each bad head

# Each case: NAME, the status lines wanted, the request (escaped as rawhttp.py reads it).
# Every one must get exactly those status lines, and the connection closed within 5 s
# (the service's own timeout for a stalled request is 10 s).
cat >"$T/cases" <<EOF
# Control: two well-formed requests on one connection are both answered.
keepalive 200,200 GET /healthz HTTP/1.1\r\n${H}\r\nGET /privacy HTTP/1.1\r\n${H}Connection: close\r\n\r\n
keepalive_lf 200,200 GET /healthz HTTP/1.1\n${H}\nGET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n
# Two Content-Lengths: the first would win and the next bytes be a request.
two_lengths 400 GET /healthz HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 40\r\n\r\n$NEXT
two_same_lengths 400 POST /requests HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 0\r\n\r\n$NEXT
# Content-Length beside Transfer-Encoding: chunked.
length_and_chunked 400 POST /forms/newsletter HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$NEXT
# A transfer coding other than chunked: at once, not after a 10 s wait for the body's end.
gzip_chunked 501 POST /forms/newsletter HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n$NEXT
gzip_alone 400 POST /forms/newsletter HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n$NEXT
chunked_space 400 POST /forms/newsletter HTTP/1.1\r\n${H}Transfer-Encoding: chunked \r\n\r\n0\r\n\r\n$NEXT
chunked_http10 400 POST /forms/newsletter HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$NEXT
# HTTP/1.1 without Host, or with two.
no_host 400 GET /healthz HTTP/1.1\r\n\r\n$NEXT
two_hosts 400 GET /healthz HTTP/1.1\r\n${H}Host: other.test\r\n\r\n$NEXT
# A bare CR in a header.
bare_cr 400 GET /healthz HTTP/1.1\r\n${H}X-Note: a\rContent-Length: 40\r\n\r\n$NEXT
# NUL bytes: encoded in the path or the query, raw in the path or a header value.
nul_encoded_path 400 GET /privacy%00 HTTP/1.1\r\n${H}\r\n$NEXT
nul_encoded_query 400 GET /privacy?lang=en%00x HTTP/1.1\r\n${H}\r\n$NEXT
nul_raw_path 400 GET /privacy\x00/x HTTP/1.1\r\n${H}\r\n$NEXT
nul_bearer 400 GET /healthz HTTP/1.1\r\n${H}Authorization: Bearer abc\x00def\r\n\r\n$NEXT
nul_bearer_end 400 GET /healthz HTTP/1.1\r\n${H}Authorization: Bearer abc\x00\r\n\r\n$NEXT
# A folded header line, a space in the target, a field the service reads once, twice.
folded 400 GET /healthz HTTP/1.1\r\n${H}X-Note: a\r\n b\r\n\r\n$NEXT
space_in_target 400 GET /privacy x HTTP/1.1\r\n${H}\r\n$NEXT
two_authorizations 400 GET /healthz HTTP/1.1\r\n${H}Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n$NEXT
# A Content-Length that is not a number, or too large for 64 bits: libmicrohttpd 0.9.75
# answers these itself, before the service sees the request, and writes its header block
# twice (docs/operations.md). Nothing after it is answered: the connection is closed.
negative_length 400,400 POST /forms/newsletter HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n$NEXT
huge_length 413,413 POST /forms/newsletter HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n$NEXT
# More header fields than the check keeps on its stack.
many_fields 200 GET /healthz HTTP/1.1\r\n${H}X-Field-0: value 0\r\nX-Field-1: value 1\r\nX-Field-2: value 2\r\nX-Field-3: value 3\r\nX-Field-4: value 4\r\nX-Field-5: value 5\r\nX-Field-6: value 6\r\nX-Field-7: value 7\r\nX-Field-8: value 8\r\nX-Field-9: value 9\r\nX-Field-10: value 10\r\nX-Field-11: value 11\r\nX-Field-12: value 12\r\nX-Field-13: value 13\r\nX-Field-14: value 14\r\nX-Field-15: value 15\r\nX-Field-16: value 16\r\nX-Field-17: value 17\r\nX-Field-18: value 18\r\nX-Field-19: value 19\r\nX-Field-20: value 20\r\nX-Field-21: value 21\r\nX-Field-22: value 22\r\nX-Field-23: value 23\r\nX-Field-24: value 24\r\nX-Field-25: value 25\r\nX-Field-26: value 26\r\nX-Field-27: value 27\r\nX-Field-28: value 28\r\nX-Field-29: value 29\r\nX-Field-30: value 30\r\nX-Field-31: value 31\r\nX-Field-32: value 32\r\nX-Field-33: value 33\r\nX-Field-34: value 34\r\nX-Field-35: value 35\r\nX-Field-36: value 36\r\nX-Field-37: value 37\r\nX-Field-38: value 38\r\nX-Field-39: value 39\r\nConnection: close\r\n\r\n
many_fields_nul 400 GET /healthz HTTP/1.1\r\n${H}X-Field-0: value 0\r\nX-Field-1: value 1\r\nX-Field-2: value 2\r\nX-Field-3: value 3\r\nX-Field-4: value 4\r\nX-Field-5: value 5\r\nX-Field-6: value 6\r\nX-Field-7: value 7\r\nX-Field-8: value 8\r\nX-Field-9: value 9\r\nX-Field-10: value 10\r\nX-Field-11: value 11\r\nX-Field-12: value 12\r\nX-Field-13: value 13\r\nX-Field-14: value 14\r\nX-Field-15: value 15\r\nX-Field-16: value 16\r\nX-Field-17: value 17\r\nX-Field-18: value 18\r\nX-Field-19: value 19\r\nX-Field-20: value 20\r\nX-Field-21: value 21\r\nX-Field-22: value 22\r\nX-Field-23: value 23\r\nX-Field-24: value 24\r\nX-Field-25: value 25\r\nX-Field-26: value 26\r\nX-Field-27: value 27\r\nX-Field-28: value 28\r\nX-Field-29: value 29\r\nX-Field-30: value 30\r\nX-Field-31: value 31\r\nX-Field-32: value 32\r\nX-Field-33: value 33\r\nX-Field-34: value 34\r\nX-Field-35: val\x00ue\r\nX-Field-36: value 36\r\nX-Field-37: value 37\r\nX-Field-38: value 38\r\nX-Field-39: value 39\r\n\r\n$NEXT
# The server goes on.
after 200 GET /healthz HTTP/1.1\r\n${H}Connection: close\r\n\r\n
EOF
# rawhttp.py reads NAME REQUEST; the statuses wanted stay here.
sed -n 's/^\([a-z0-9_]*\) [0-9,]* /\1 /p' "$T/cases" >"$T/requests"
mkdir "$T/got"
python3 "$RK_SOURCE_DIR/tests/tools/rawhttp.py" --timeout 5 --dump "$T/got" --batch "$T/requests" \
    127.0.0.1 "$port" >"$T/results" || bad "rawhttp.py failed"
n=0
while read -r name want _; do
    case $name in "#"* | "") continue ;; esac
    n=$((n + 1))
    got=$(sed -n "s/^$name //p" "$T/results")
    case $got in
    "statuses=$want closed=1 "*) ok ;;
    *) bad "$name: want statuses=$want and the connection closed, got: $got" ;;
    esac
done <"$T/cases"
[ "$n" = 25 ] && ok || bad "$n cases read, 25 written"

# The refusal is the service's usual JSON error, with the security headers.
tr -d '\r' <"$T/got/two_lengths" >"$T/two_lengths.txt"
grep -q '^Connection: close$' "$T/two_lengths.txt" && grep -q '^X-Content-Type-Options: nosniff$' \
    "$T/two_lengths.txt" && ok || bad "refusal without Connection: close or security headers"
sed '1,/^$/d' "$T/two_lengths.txt" | jq -e '.error.code == "bad_request" and
    (.error.message | test("more than one Content-Length"))' >/dev/null && ok \
    || bad "refusal body: $(cat "$T/two_lengths.txt")"
tr -d '\r' <"$T/got/gzip_chunked" | sed '1,/^$/d' | jq -e '.error.code == "not_implemented"' \
    >/dev/null && ok || bad "501 body: $(cat "$T/got/gzip_chunked")"

# The log: one JSON line per request, refusals as "malformed", without targets or tokens.
kill -TERM "$pid"
wait "$pid"
pid=
n=$(grep -c '"route":"malformed","status":400' "$T/err")
[ "$n" -ge 19 ] && ok || bad "refusals not logged as malformed: $n"
grep -q '"route":"malformed","status":501' "$T/err" && ok || bad "501 not logged"
grep -q 'privacy%00\|privacy x\|Bearer\|abc\|lang=' "$T/err" && bad "a target or a header logged" || ok
while read -r line; do
    echo "$line" | jq -e . >/dev/null 2>&1 || { bad "log line is not JSON: $line"; break; }
done <"$T/err"

rk_finish
