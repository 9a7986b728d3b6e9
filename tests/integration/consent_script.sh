#!/bin/sh
# consent_script.sh — the consent manager for the company's website as served (issue 13 C,
# src/http/consent_script.c): GET /consent.js carries the declaration's cookie configuration
# and its version and parses as JavaScript; both it and GET /consent.css are cacheable for
# five minutes and loadable from another origin; all of the JavaScript and CSS a visitor
# downloads, the example's configuration included, is at most 6 KB gzip -9 (the figure is
# printed); a changed cookie section is a new version; without a cookies: section there is
# nothing to serve (404). CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
cp -R "$RK_SOURCE_DIR/examples/smartum" "$T/site"
export REKISTERI_DECLARATION="$T/site/declaration.yaml"
"$REKISTERI" init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }

# header FILE NAME: the value of the response header NAME in FILE (curl -D), without CR.
header() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n 1; }

rk_serve "$T/out" "$T/err" --sweep-interval 0
S=$(curl -s -D "$T/h.js" -o "$T/consent.js" -w '%{http_code}' "$U/consent.js")
[ "$S" = 200 ] && ok || bad "GET /consent.js: $S"
[ "$(header "$T/h.js" Content-Type)" = "text/javascript; charset=utf-8" ] && ok || bad "consent.js type"
[ "$(header "$T/h.js" Cache-Control)" = "public, max-age=300" ] && ok || bad "consent.js Cache-Control"
[ "$(header "$T/h.js" Cross-Origin-Resource-Policy)" = "cross-origin" ] && ok || bad "consent.js CORP"
grep -q '__RK_' "$T/consent.js" && bad "a template mark left in consent.js" || ok
grep -q '"controller":"Smartum Oy"' "$T/consent.js" && ok || bad "no configuration in consent.js"
V1=$(sed -n "s/.*V = '\([0-9a-f]\{16\}\)'.*/\1/p" "$T/consent.js")
[ -n "$V1" ] && ok || bad "no version in consent.js"
if command -v node >/dev/null 2>&1; then
    node --check "$T/consent.js" 2>"$T/node.err" && ok || bad "consent.js does not parse: $(cat "$T/node.err")"
else
    bad "node not found: run scripts/setup (it installs nodejs)"
fi
grep -nE '\beval\b|new Function|innerHTML|\.style\.|setAttribute\(.style' "$T/consent.js" \
    && bad "consent.js uses eval, innerHTML or inline style (the site's CSP forbids them)" || ok

S=$(curl -s -D "$T/h.css" -o "$T/consent.css" -w '%{http_code}' "$U/consent.css")
[ "$S" = 200 ] && ok || bad "GET /consent.css: $S"
[ "$(header "$T/h.css" Content-Type)" = "text/css; charset=utf-8" ] && ok || bad "consent.css type"
[ "$(header "$T/h.css" Cross-Origin-Resource-Policy)" = "cross-origin" ] && ok || bad "consent.css CORP"
[ "$(header "$T/h.css" Cache-Control)" = "public, max-age=300" ] && ok || bad "consent.css Cache-Control"
for h in "$T/h.js" "$T/h.css"; do
    [ "$(header "$h" Access-Control-Allow-Origin)" = "*" ] && ok || bad "$h: not readable from other origins"
done

# The weight: everything the browser downloads for the consent manager, compressed together.
JS=$(gzip -9 -c "$T/consent.js" | wc -c)
CSS=$(gzip -9 -c "$T/consent.css" | wc -c)
ALL=$(cat "$T/consent.js" "$T/consent.css" | gzip -9 -c | wc -c)
echo "consent manager, gzip -9: JS $JS + CSS $CSS bytes apart, $ALL bytes together (limit 6144), the example's configuration included"
[ "$JS" -gt 0 ] && [ $((JS + CSS)) -le 6144 ] && ok || bad "consent.js + consent.css are $((JS + CSS)) bytes gzip, over 6144"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# A changed cookie section (a lifetime) is a new version: the browser asks again.
sed -i 's/{name: _fbp, lifetime: 90d}/{name: _fbp, lifetime: 60d}/' "$T/site/declaration.yaml"
grep -q '_fbp, lifetime: 60d' "$T/site/declaration.yaml" && ok || bad "the test could not change the declaration"
rk_serve "$T/out2" "$T/err2" --sweep-interval 0
V2=$(curl -s "$U/consent.js" | sed -n "s/.*V = '\([0-9a-f]\{16\}\)'.*/\1/p")
[ -n "$V2" ] && [ "$V2" != "$V1" ] && ok || bad "a changed cookie section kept version $V1 ($V2)"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# Without a cookies: section: nothing to serve.
awk '/^cookies:/ { skip = 1; next } skip && /^[a-z_]+:/ { skip = 0 } !skip' \
    "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >"$T/site/declaration.yaml"
grep -q '^cookies:' "$T/site/declaration.yaml" && bad "the test could not remove cookies:" || ok
rk_serve "$T/out3" "$T/err3" --sweep-interval 0
for p in consent.js consent.css; do
    S=$(curl -s -o /dev/null -w '%{http_code}' "$U/$p")
    [ "$S" = 404 ] && ok || bad "GET /$p without a cookies: section: $S, not 404"
done
rk_finish consent_script
