#!/bin/sh
# console_serve.sh — how the server serves the staff console (src/http/console.c,
# issue 12): / is a small HTML page (not JSON) linking to the privacy notice, the
# forms, the request form and the console, in Finnish or English; /console/ is the
# app shell, never cached, naming its script and stylesheet by content-hashed paths
# that are cached for a year; an unknown or unhashed asset name is 404; /console
# redirects to /console/; every answer carries the strict CSP; the shell has no
# inline script or style; and all the JS+CSS of a console page is within the
# budget of 60 KB gzip. CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
"$REKISTERI" init >/dev/null || { echo "FAIL: init"; exit 1; }
rk_serve out err
CSP="default-src 'self'; script-src 'self'; style-src 'self'"

# get PATH [CURL ARGS]: the head into h, the body into b; prints the status.
get() {
    p=$1
    shift
    curl -s -D h -o b -w '%{http_code}' "$@" "$U$p"
}
header() { tr -d '\r' <h | sed -n "s/^$1: //Ip" | head -1; }

# ---- / ------------------------------------------------------------------------------------
s=$(get / -H 'Accept-Language: fi-FI,fi;q=0.9')
[ "$s" = 200 ] && ok || bad "/: $s"
case $(header Content-Type) in text/html*) ok ;; *) bad "/: Content-Type $(header Content-Type)" ;; esac
grep -q '^<html lang="fi">' b && ok || bad "/: not Finnish by Accept-Language"
for href in '/privacy?lang=fi' '/forms/newsletter?lang=fi' '/requests?lang=fi' '/console/'; do
    grep -qF "href=\"$href\"" b && ok || bad "/: no link to $href"
done
grep -q '<h1>Smartum Oy</h1>' b && ok || bad "/: no h1 with the controller's name"
grep -q '"error"' b && bad "/: still JSON" || ok
case $(header Content-Security-Policy) in "$CSP"*) ok ;; *) bad "/: CSP $(header Content-Security-Policy)" ;; esac
s=$(get '/?lang=en')
grep -q '^<html lang="en">' b && grep -qF 'href="/privacy?lang=en"' b && grep -q 'Staff console' b && ok ||
    bad "/?lang=en: not English"
s=$(get / -X POST)
[ "$s" = 405 ] && ok || bad "POST /: $s, not 405"

# ---- /console/ and its assets ----------------------------------------------------------------
s=$(get /console/ -H 'Accept-Language: en')
[ "$s" = 200 ] && ok || bad "/console/: $s"
[ "$(header Cache-Control)" = no-store ] && ok || bad "/console/: Cache-Control $(header Cache-Control)"
case $(header Content-Security-Policy) in "$CSP"*) ok ;; *) bad "/console/: CSP $(header Content-Security-Policy)" ;; esac
grep -q '^<html lang="en">' b && ok || bad "/console/: not English by Accept-Language"
grep -q '<noscript>' b && ok || bad "/console/: no message without JavaScript"
grep -Eq '<script>|<script [^>]*>[^<]|<style|style=' b && bad "/console/: inline script or style" || ok
js=$(grep -o '/console/assets/console\.[0-9a-f]\{12\}\.js' b | head -1)
css=$(grep -o '/console/assets/console\.[0-9a-f]\{12\}\.css' b | head -1)
[ -n "$js" ] && [ -n "$css" ] && ok || bad "/console/: no hashed script or stylesheet: $(cat b)"
total=0
for a in "$js" "$css"; do
    s=$(get "$a")
    [ "$s" = 200 ] && ok || bad "$a: $s"
    [ "$(header Cache-Control)" = "public, max-age=31536000, immutable" ] && ok ||
        bad "$a: Cache-Control $(header Cache-Control)"
    [ "$(tr -d '\r' <h | grep -ci '^Cache-Control:')" = 1 ] && ok || bad "$a: more than one Cache-Control"
    [ "$(header X-Content-Type-Options)" = nosniff ] && ok || bad "$a: no nosniff"
    hash=$(sha256sum b | cut -c1-12)
    case $a in *".$hash."*) ok ;; *) bad "$a: the name is not the content's hash ($hash)" ;; esac
    total=$((total + $(gzip -9c b | wc -c)))
done
case $(get "$js" >/dev/null; header Content-Type) in text/javascript*) ok ;; *) bad "$js: Content-Type" ;; esac
case $(get "$css" >/dev/null; header Content-Type) in text/css*) ok ;; *) bad "$css: Content-Type" ;; esac
[ "$total" -le 61440 ] && ok || bad "JS+CSS of the console is $total bytes gzip, over 60 KB"
echo "console JS+CSS: $total bytes gzip"
# The public pages' one stylesheet (web/public/public.css): linked from every public page,
# hashed and cached like the console's, at most 8 KB gzip.
s=$(get /forms/newsletter)
pcss=$(grep -o '/console/assets/public\.[0-9a-f]\{12\}\.css' b | head -1)
[ -n "$pcss" ] && ok || bad "/forms/newsletter links no hashed stylesheet"
s=$(get /privacy)
grep -q "<link rel=\"stylesheet\" href=\"$pcss\">" b && ok || bad "/privacy does not link $pcss"
s=$(get "$pcss")
[ "$s" = 200 ] && [ "$(header Cache-Control)" = "public, max-age=31536000, immutable" ] && ok \
    || bad "$pcss: $s $(header Cache-Control)"
pub=$(gzip -9c b | wc -c)
[ "$pub" -le 8192 ] && ok || bad "the public stylesheet is $pub bytes gzip, over 8 KB"
echo "public CSS: $pub bytes gzip"
s=$(curl -s -o /dev/null -w '%{http_code}' -I "$U$js")
[ "$s" = 200 ] && ok || bad "HEAD $js: $s"
for p in /console/assets/console.js /console/assets/console.000000000000.js /console/assets/x; do
    s=$(get "$p")
    [ "$s" = 404 ] && ok || bad "$p: $s, not 404"
done
s=$(get /console)
[ "$s" = 308 ] && [ "$(header Location)" = /console/ ] && ok || bad "/console: $s $(header Location)"
# The page shell of the sign-in pages links the same stylesheet (rk_console_page_begin): / uses it.
get / >/dev/null
grep -qF "<link rel=\"stylesheet\" href=\"$css\">" b && ok || bad "/: not the console's stylesheet"

grep -q '"route":"/console/assets/{name}"' err && ok || bad "the log names the route, not the path"
rk_finish console_serve
