#!/bin/sh
# make_run.sh — what `make run` starts (scripts/run), in a temporary VAR: a
# fresh database and key, the lint summary, an admin token that works on the
# staff API, the service on the example declaration, and emails written as
# .eml files: the newsletter form's confirmation link arrives there and
# confirms. Run a second time on the same VAR, it keeps the data and reuses
# the one admin token kept in VAR/admin-token (mode 0600) instead of minting
# another; once that token is revoked, the next start makes a new one and
# still only one admin token is live. Tokens an older scripts/run left live
# are revoked at start.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
rk_on_exit() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; }
pid=
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_DECLARATION REKISTERI_NOW SMTP
C="curl -s --max-time 10"

# start: scripts/run in the background; sets U (the URL) and TOKEN.
start() {
    VAR="$T/var" LISTEN=127.0.0.1:0 BUILD="$(dirname "$REKISTERI")" \
        sh "$RK_SOURCE_DIR/scripts/run" >"$T/out" 2>"$T/err" &
    pid=$!
    U=
    for _ in $(seq 600); do # 60 s: a loaded machine runs several CLI commands first
        U=$(sed -n 's/^listening on //p' "$T/out")
        [ -n "$U" ] && break
        sleep 0.1
    done
    U=${U%/}
    TOKEN=$(sed -n 's/^  admin token *//p' "$T/out")
    SETUP=$(grep -o '/console/setup/[A-Za-z0-9_-]*' "$T/out")
}
stop() { kill "$pid"; wait "$pid"; pid=; }

start
[ -n "$U" ] && [ -n "$TOKEN" ] && ok || { echo "FAIL: did not start: $(cat "$T/out" "$T/err")"; exit 1; }
[ -f "$T/var/rekisteri.db" ] && [ "$(stat -c %a "$T/var/rekisteri.key")" = 600 ] && ok \
    || bad "database or key missing"
grep -q "6 errors, 11 warnings" "$T/out" && ok || bad "no lint summary"
for line in "console .*/console/" "privacy notice .*/privacy" "forms .*/forms/newsletter" \
    "request form .*/requests" "admin account *admin@example.fi (role dpo)"; do
    grep -q "^  $line" "$T/out" && ok || bad "banner lacks '$line': $(cat "$T/out")"
done
# The console's admin account: its one-time link sets the password, then it signs in.
$C -o /dev/null -w '%{http_code}' "$U$SETUP" >"$T/code"
[ -n "$SETUP" ] && [ "$(cat "$T/code")" = 200 ] && ok || bad "setup link: '$SETUP' $(cat "$T/code")"
PW='kesä-aamun-kahvi-7'
$C -o /dev/null -w '%{http_code}' -H "Origin: $U" --data-urlencode "password=$PW" \
    --data-urlencode "password2=$PW" "$U$SETUP" >"$T/code"
case $(cat "$T/code") in 2*|303) ok ;; *) bad "setting the password: $(cat "$T/code")" ;; esac
$C -o /dev/null -w '%{http_code}' -c "$T/jar" -H "Origin: $U" --data-urlencode "email=admin@example.fi" \
    --data-urlencode "password=$PW" "$U/console/login" >"$T/code"
[ "$(cat "$T/code")" = 303 ] && grep -q rk_session "$T/jar" && ok || bad "sign-in: $(cat "$T/code")"
$C -o "$T/me.json" -b "$T/jar" "$U/api/v1/me"
jq -e '.role.id == "dpo" and (.caps | index("staff"))' "$T/me.json" >/dev/null && ok \
    || bad "me: $(cat "$T/me.json")"
$C -o "$T/c.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$U/api/v1/check?email=x@example.fi&purpose=sales_promotion" >"$T/code"
[ "$(cat "$T/code")" = 200 ] && jq -e '.allowed == false' "$T/c.json" >/dev/null && ok \
    || bad "admin token: $(cat "$T/code")"
$C -o /dev/null -d "email=kokeilija%40example.fi&consent=yes&lang=fi" "$U/forms/newsletter"
for _ in $(seq 300); do # 30 s: the sender's pass on a loaded machine
    [ -n "$(find "$T/var/mail" -name '*.eml')" ] && break
    sleep 0.1
done
M=$(find "$T/var/mail" -name '*.eml' | head -n 1)
[ -n "$M" ] && ok || bad "no email written to var/mail"
LINK=$(tr -d '\r' <"$M" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | grep -o "$U/confirm/[A-Za-z0-9_-]*" | head -n 1)
$C -o /dev/null -w '%{http_code}' -X POST "$LINK" >"$T/code"
[ "$(cat "$T/code")" = 200 ] && ok || bad "confirm: $(cat "$T/code")"
$C -o "$T/c2.json" -H "Authorization: Bearer $TOKEN" \
    "$U/api/v1/check?email=kokeilija@example.fi&purpose=sales_promotion"
jq -e '.allowed == true' "$T/c2.json" >/dev/null && ok || bad "not allowed after confirming: $(cat "$T/c2.json")"
grep -q "kokeilija" "$T/err" && bad "personal data in the log" || ok
stop

# Again: the same database, the same token, and no other live admin token.
FIRST=$TOKEN
[ "$(stat -c %a "$T/var/admin-token")" = 600 ] && ok || bad "admin-token file not mode 0600"
# a token an older scripts/run left live: revoked at the next start
REKISTERI_DB="$T/var/rekisteri.db" REKISTERI_KEY_FILE="$T/var/rekisteri.key" \
    REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml" \
    "$REKISTERI" token create --name admin-20260101-120000-42 --role dpo >/dev/null 2>&1
start
[ -n "$TOKEN" ] && [ "$TOKEN" = "$FIRST" ] && ok || bad "a new token on the second run"
# The password is set: no new setup link, the banner says how to sign in.
[ -z "$SETUP" ] && grep -q "^  admin account *sign in as admin@example.fi" "$T/out" && ok \
    || bad "second run's admin account line: $(grep 'admin account' "$T/out")"
$C -o "$T/c3.json" -H "Authorization: Bearer $TOKEN" \
    "$U/api/v1/check?email=kokeilija@example.fi&purpose=sales_promotion"
jq -e '.allowed == true' "$T/c3.json" >/dev/null && ok || bad "data lost between runs"
stop
tokens() {
    REKISTERI_DB="$T/var/rekisteri.db" REKISTERI_KEY_FILE="$T/var/rekisteri.key" \
        REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml" \
        "$REKISTERI" token "$@"
}
[ "$(tokens list | grep -cv revoked)" = 1 ] && ok || bad "live tokens: $(tokens list)"
# Revoked: the next start makes a new one, and the old one no longer opens the API.
tokens revoke "$(cut -d' ' -f1 "$T/var/admin-token")" >/dev/null
start
[ -n "$TOKEN" ] && [ "$TOKEN" != "$FIRST" ] && ok || bad "no new token after revoking"
$C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $FIRST" \
    "$U/api/v1/check?email=kokeilija@example.fi&purpose=sales_promotion" >"$T/code"
[ "$(cat "$T/code")" = 401 ] && ok || bad "revoked token answered $(cat "$T/code")"
$C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$U/api/v1/check?email=kokeilija@example.fi&purpose=sales_promotion" >"$T/code"
[ "$(cat "$T/code")" = 200 ] && ok || bad "new token answered $(cat "$T/code")"
stop
[ "$(tokens list | grep -cv revoked)" = 1 ] && ok || bad "live tokens: $(tokens list)"

# `make run CORRECTED=1`: the same company with every lint finding fixed, served on the
# same data (a company that corrects its declaration keeps its registers).
make -s -n -C "$RK_SOURCE_DIR" run CORRECTED=1 2>/dev/null \
    | grep -q "DECL=examples/smartum/corrected.yaml" && ok || bad "CORRECTED=1 does not pick corrected.yaml"
export DECL="$RK_SOURCE_DIR/examples/smartum/corrected.yaml"
start
unset DECL
[ -n "$U" ] && ok || bad "the corrected declaration did not start: $(cat "$T/err")"
grep -q "0 errors, 0 warnings" "$T/out" && ok || bad "corrected lint summary: $(grep -i error "$T/out")"
$C -o "$T/c4.json" -H "Authorization: Bearer $TOKEN" \
    "$U/api/v1/check?email=kokeilija@example.fi&purpose=sales_promotion"
jq -e '.allowed == true' "$T/c4.json" >/dev/null && ok || bad "consent lost under the corrected declaration"
$C -o "$T/notice.html" "$U/privacy"
grep -q "dataprivacyframework.gov" "$T/notice.html" && ! grep -qi "privacyshield.gov" "$T/notice.html" \
    && ok || bad "the corrected notice still points to Privacy Shield"
stop
rk_finish
