#!/bin/sh
# serve_token_cache.sh — the server caches valid bearer tokens for a second
# (src/http/api.c): a token revoked while the server runs stops working
# within that second, on every server thread; an unknown token is never
# cached. Also checks `serve --threads`. CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
pid=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"

R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
R person add --register marketing --purpose sales_promotion --source web_form \
  --name "Anna A" --email anna@example.fi --consent-channel web_form >/dev/null
TK=$(R token create --name temp --role marketing 2>/dev/null)
[ -n "$TK" ] && ok || bad "set-up"
R serve --listen 127.0.0.1:0 --threads 0 >/dev/null 2>&1 && bad "--threads 0 accepted" || ok

rk_serve "$T/out" "$T/err" --threads 3
U=$U/
# code TOKEN: the status of a check with the token, on a fresh connection each time.
code() {
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
        "${U}api/v1/check?purpose=sales_promotion&email=anna@example.fi"
}
# Several requests, so that each of the three threads has probably cached the token.
for _ in 1 2 3 4 5 6; do
    [ "$(code "$TK")" = 200 ] && ok || bad "valid token refused"
done
R token revoke temp >/dev/null
sleep 1.2
all=
for _ in 1 2 3 4 5 6; do all="$all$(code "$TK")"; done
[ "$all" = 401401401401401401 ] && ok || bad "revoked token still works after the TTL: $all"
[ "$(code rk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)" = 401 ] && ok || bad "unknown token"

rk_finish
