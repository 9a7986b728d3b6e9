#!/bin/sh
# console_auth.sh — staff accounts and signing in to the console (issue 12,
# core/staff.h, http/api_staff.c): the `staff` commands and their refusals,
# the set-password link, sign-in by curl with a cookie jar, the cookie's
# attributes, one answer for an unknown account, a disabled one and a wrong
# password, throttling, the CSRF rule (cookie + POST without the header, from
# another origin), bearer tokens still working, sessions ending on disable,
# role change, sign-out and idleness, the staff API's accounts and tokens, and
# an audit chain that names accounts only by id.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
R() { "$REKISTERI" "$@"; }
PW='kolme iloista kirahvia'

# ---- the CLI ---------------------------------------------------------------------------
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
R staff add --email dora@example.fi --name "Dora Dpo" --role dpo --public-url https://r.example.fi/ \
    >"$T/add" 2>"$T/add.err" && ok || bad "staff add: $(cat "$T/add.err")"
SETUP=$(tail -n 1 "$T/add")
case $SETUP in https://r.example.fi/console/setup/*) ok ;; *) bad "setup URL not last: $SETUP" ;; esac
TOKEN=${SETUP##*/}
R staff add --email dora@example.fi --name "Dora Again" --role dpo >/dev/null 2>"$T/e"
[ $? = 2 ] && grep -q "exists" "$T/e" && ok || bad "duplicate email: $(cat "$T/e")"
R staff add --email x@example.fi --name "X" --role nosuch >/dev/null 2>"$T/e"
[ $? = 2 ] && grep -q "not declared" "$T/e" && ok || bad "undeclared role"
R staff add --email not-an-email --name "X" --role dpo >/dev/null 2>"$T/e"
[ $? = 2 ] && ok || bad "malformed email"
R staff add --email x@example.fi --role dpo >/dev/null 2>"$T/e"
[ $? = 2 ] && ok || bad "missing --name"
printf 'salasana2024\n' >"$T/weak"
R staff add --email x@example.fi --name "X Y" --role dpo --password-file "$T/weak" >/dev/null 2>"$T/e"
[ $? = 2 ] && grep -q "common" "$T/e" && ok || bad "common password accepted: $(cat "$T/e")"
printf 'short\n' >"$T/weak"
R staff add --email x@example.fi --name "X Y" --role dpo --password-file "$T/weak" >/dev/null 2>"$T/e"
[ $? = 2 ] && grep -q "12 characters" "$T/e" && ok || bad "short password accepted"
printf 'seppo sepponen rules\n' >"$T/weak"
R staff add --email seppo@example.fi --name "Seppo Sepponen" --role dpo --password-file "$T/weak" \
    >/dev/null 2>"$T/e"
[ $? = 2 ] && grep -q "email\|name" "$T/e" && ok || bad "password with the name accepted"
R staff add --email x@example.fi --name "X Y" --role dpo --password-file "$T/nofile" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "missing password file"
printf '%s\n' "$PW" >"$T/pw"
R staff add --email sam@example.fi --name "Sam Sales" --role sales --password-file "$T/pw" >"$T/o" \
    && grep -q "password set" "$T/o" && ok || bad "staff add --password-file"
R staff add --email mia@example.fi --name "Mia Market" --role marketing --password-file "$T/pw" \
    >/dev/null && ok || bad "staff add marketing"
R staff add --email tia@example.fi --name "Tia Throttle" --role sales --password-file "$T/pw" \
    >/dev/null && ok || bad "staff add tia"
R staff add --email dis@example.fi --name "Dis Abled" --role sales --password-file "$T/pw" \
    >/dev/null && R staff disable dis@example.fi >/dev/null && ok || bad "staff disable"
R staff list --format json >"$T/list"
[ "$(jq length "$T/list")" = 5 ] && [ "$(jq -r '.[]|select(.email=="dora@example.fi").state' "$T/list")" = invited ] \
    && [ "$(jq -r '.[]|select(.email=="dis@example.fi").state' "$T/list")" = disabled ] \
    && [ "$(jq -r '.[]|select(.email=="sam@example.fi").state' "$T/list")" = active ] \
    && ok || bad "staff list: $(cat "$T/list")"
R staff role sam@example.fi --role nosuch >/dev/null 2>&1
[ $? = 2 ] && ok || bad "staff role: undeclared role"
R staff enable nobody@example.fi >/dev/null 2>"$T/e"
[ $? = 2 ] && grep -q "no staff account" "$T/e" && ok || bad "unknown account"
R staff disable >/dev/null 2>&1
[ $? = 2 ] && ok || bad "staff disable without EMAIL"
R staff reset dis@example.fi >/dev/null 2>&1
[ $? = 2 ] && ok || bad "reset of a disabled account"
R token create --name crm --role dpo >"$T/bearer" 2>/dev/null && ok || bad "token create"
BEARER=$(cat "$T/bearer")

rk_serve "$T/out" "$T/err" --sweep-interval 0 --public-rate 0
J="$T/jar"

# ---- the set-password link -----------------------------------------------------------------
s=$(curl -s -o "$T/p" -w '%{http_code}' -H 'Accept-Language: en' "$U/console/setup/$TOKEN")
[ "$s" = 200 ] && grep -q 'name="password2"' "$T/p" && grep -q 'lang="en"' "$T/p" && ok \
    || bad "setup page: $s"
s=$(curl -s -o "$T/p" -w '%{http_code}' --data-urlencode "password=salasana1234" \
    --data-urlencode "password2=salasana1234" "$U/console/setup/$TOKEN?lang=fi")
[ "$s" = 422 ] && grep -q "liian yleinen" "$T/p" && grep -q "<title>Virhe: " "$T/p" \
    && grep -q 'href="#password"' "$T/p" && ok || bad "weak password on the page: $s"
s=$(curl -s -o "$T/p" -w '%{http_code}' --data-urlencode "password=$PW" \
    --data-urlencode "password2=$PW!" "$U/console/setup/$TOKEN?lang=en")
[ "$s" = 422 ] && grep -q "do not match" "$T/p" && ok || bad "mismatch: $s"
s=$(curl -s -o "$T/p" -w '%{http_code}' -H "Origin: https://evil.example" \
    --data-urlencode "password=$PW" --data-urlencode "password2=$PW" "$U/console/setup/$TOKEN")
[ "$s" = 403 ] && ok || bad "setup from another origin: $s"
s=$(curl -s -o "$T/p" -w '%{http_code}' --data-urlencode "password=$PW" \
    --data-urlencode "password2=$PW" "$U/console/setup/$TOKEN")
[ "$s" = 200 ] && ok || bad "setting the password: $s $(cat "$T/p")"
s=$(curl -s -o "$T/p" -w '%{http_code}' "$U/console/setup/$TOKEN")
[ "$s" = 404 ] && grep -q "staff reset" "$T/p" && ok || bad "the link is single use: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' "$U/console/setup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
[ "$s" = 404 ] && ok || bad "unknown link: $s"

# ---- sign-in -------------------------------------------------------------------------------
s=$(curl -s -o "$T/p" -w '%{http_code}' "$U/console/login?lang=en")
[ "$s" = 200 ] && grep -q 'name="email"' "$T/p" && grep -q 'name="password"' "$T/p" \
    && grep -q '<html lang="en">' "$T/p" && ok || bad "login page: $s"
s=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -c "$J" -b "$J" \
    --data-urlencode email=Dora@Example.fi --data-urlencode "password=$PW" "$U/console/login")
[ "$s" = 303 ] && grep -qi '^Location: /console/' "$T/h" && ok || bad "sign-in: $s"
C=$(grep -i '^Set-Cookie:' "$T/h" | tr -d '\r')
case $C in *"__Host-rk_session="*) ok ;; *) bad "cookie name: $C" ;; esac
for a in "HttpOnly" "SameSite=Strict" "Path=/" "Secure"; do
    case $C in *"; $a"*) ok ;; *) bad "cookie lacks $a: $C" ;; esac
done
case $C in *Domain*|*Max-Age*|*Expires*) bad "cookie has Domain or a lifetime: $C" ;; *) ok ;; esac
curl -s -b "$J" "$U/api/v1/me" >"$T/me"
[ "$(jq -r .account.email "$T/me")" = dora@example.fi ] && [ "$(jq -r .token "$T/me")" = null ] \
    && [ "$(jq -r '.caps|index("staff") != null' "$T/me")" = true ] \
    && [ "$(jq -r .role.id "$T/me")" = dpo ] && [ "$(jq -r '.registers|length' "$T/me")" = 2 ] \
    && [ "$(jq -r '.session.expires|test("Z$")' "$T/me")" = true ] && ok \
    || bad "me: $(cat "$T/me")"
CSRF=$(jq -r .csrf "$T/me")
[ ${#CSRF} = 43 ] && ok || bad "csrf token: $CSRF"
DORA=$(jq -r .account.id "$T/me")

# ---- one answer for the three failures -------------------------------------------------------
fail_as() { # EMAIL PASSWORD -> the page with the echoed email blanked, and the time
    curl -s -o "$T/f" -w '%{http_code} %{time_total}\n' --data-urlencode "email=$1" \
        --data-urlencode "password=$2" "$U/console/login?lang=fi" >"$T/ft"
    sed 's/value="[^"]*"/value=""/' "$T/f"
}
fail_as nobody@example.fi "$PW" >"$T/f1"; read -r s1 t1 <"$T/ft"
fail_as dis@example.fi "$PW" >"$T/f2"; read -r s2 t2 <"$T/ft"
fail_as sam@example.fi "wrong password here" >"$T/f3"; read -r s3 t3 <"$T/ft"
[ "$s1" = 401 ] && [ "$s2" = 401 ] && [ "$s3" = 401 ] && ok || bad "failure statuses: $s1 $s2 $s3"
cmp -s "$T/f1" "$T/f2" && cmp -s "$T/f1" "$T/f3" && ok || bad "the three failures differ"
grep -q "Sähköpostiosoite tai salasana on väärin" "$T/f1" && grep -q 'role="alert"' "$T/f1" \
    && ok || bad "failure page: $(cat "$T/f1")"
# each ran argon2 (tens of milliseconds), the unknown one against the dummy hash
awk -v a="$t1" -v b="$t2" -v c="$t3" 'BEGIN { exit !(a > 0.02 && b > 0.02 && c > 0.02) }' \
    && ok || bad "a failure answered without the password check: $t1 $t2 $t3"
s=$(curl -s -o "$T/p" -w '%{http_code}' --data-urlencode "email=" "$U/console/login?lang=en")
[ "$s" = 400 ] && grep -q "Enter your email address" "$T/p" && ok || bad "empty form: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: https://evil.example" \
    --data-urlencode email=sam@example.fi --data-urlencode "password=$PW" "$U/console/login")
[ "$s" = 403 ] && ok || bad "cross-site sign-in: $s"

# ---- throttling: 5 failures, then even the right password waits ----------------------------------
for i in 1 2 3 4 5; do
    curl -s -o /dev/null --data-urlencode email=tia@example.fi \
        --data-urlencode "password=wrong password $i" "$U/console/login"
done
s=$(curl -s -o "$T/p" -D "$T/h" -w '%{http_code}' --data-urlencode email=tia@example.fi \
    --data-urlencode "password=$PW" "$U/console/login?lang=en")
[ "$s" = 429 ] && grep -qi '^Retry-After: [0-9]' "$T/h" && grep -q "Too many failed" "$T/p" \
    && ok || bad "throttled: $s"
for i in 1 2 3 4 5; do # the same for an email no account has
    curl -s -o /dev/null --data-urlencode email=ghost@example.fi \
        --data-urlencode "password=wrong password $i" "$U/console/login"
done
s=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode email=ghost@example.fi \
    --data-urlencode "password=$PW" "$U/console/login")
[ "$s" = 429 ] && ok || bad "throttled unknown: $s"
R audit list --format json >"$T/audit" 2>/dev/null
grep -q '"staff.locked"' "$T/audit" && ok || bad "no staff.locked event"

# ---- CSRF --------------------------------------------------------------------------------------
NEW='{"email":"new@example.fi","name":"New Person","role":"marketing"}'
post() { # URL [HEADERS...] -> status; body in $T/b
    _u=$1; shift
    curl -s -o "$T/b" -w '%{http_code}' -b "$J" -H 'Content-Type: application/json' "$@" -d "$NEW" "$_u"
}
s=$(post "$U/api/v1/staff")
[ "$s" = 403 ] && [ "$(jq -r .error.code "$T/b")" = csrf ] && ok || bad "cookie POST without token: $s"
s=$(post "$U/api/v1/staff" -H "X-CSRF-Token: $CSRF")
[ "$s" = 403 ] && ok || bad "token without Origin or Sec-Fetch-Site: $s"
s=$(post "$U/api/v1/staff" -H "X-CSRF-Token: $CSRF" -H "Origin: https://evil.example")
[ "$s" = 403 ] && [ "$(jq -r .error.code "$T/b")" = csrf ] && ok || bad "cross-origin: $s"
s=$(post "$U/api/v1/staff" -H "X-CSRF-Token: $CSRF" -H "Sec-Fetch-Site: cross-site")
[ "$s" = 403 ] && ok || bad "Sec-Fetch-Site cross-site: $s"
s=$(post "$U/api/v1/staff" -H "X-CSRF-Token: x$CSRF" -H "Origin: $U")
[ "$s" = 403 ] && ok || bad "wrong token: $s"
s=$(post "$U/api/v1/staff" -H "X-CSRF-Token: $CSRF" -H "Origin: $U")
[ "$s" = 201 ] && jq -e '.setup_url|test("/console/setup/")' "$T/b" >/dev/null && ok \
    || bad "same-origin POST: $s $(cat "$T/b")"
s=$(post "$U/api/v1/staff" -H "X-CSRF-Token: $CSRF" -H "Sec-Fetch-Site: same-origin")
[ "$s" = 409 ] && ok || bad "same email again: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$U/api/v1/staff")
[ "$s" = 200 ] && ok || bad "a GET needs no token: $s"

# ---- bearer tokens still work (no CSRF: no cookie), and win over a cookie ----------------------
curl -s -H "Authorization: Bearer $BEARER" "$U/api/v1/me" >"$T/me"
[ "$(jq -r .token "$T/me")" = crm ] && [ "$(jq -r .account "$T/me")" = null ] \
    && [ "$(jq -r .csrf "$T/me")" = null ] && ok || bad "me by bearer: $(cat "$T/me")"
s=$(curl -s -o "$T/b" -w '%{http_code}' -H "Authorization: Bearer $BEARER" \
    -H 'Content-Type: application/json' -d '{"email":"bea@example.fi","name":"Bea","role":"sales"}' \
    "$U/api/v1/staff")
[ "$s" = 201 ] && ok || bad "bearer POST: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer nope" -b "$J" "$U/api/v1/me")
[ "$s" = 401 ] && ok || bad "a bad bearer is not rescued by the cookie: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/me")
[ "$s" = 401 ] && ok || bad "nothing sent: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: __Host-rk_session=forged" "$U/api/v1/me")
[ "$s" = 401 ] && ok || bad "forged cookie: $s"

# ---- the staff API: roles, accounts, history, tokens ----------------------------------------------
JS="$T/jar.sam"
curl -s -o /dev/null -c "$JS" --data-urlencode email=sam@example.fi --data-urlencode "password=$PW" \
    "$U/console/login"
curl -s -b "$JS" "$U/api/v1/me" >"$T/me"
[ "$(jq -r '.caps|index("staff")' "$T/me")" = null ] && [ "$(jq -r '.registers|length' "$T/me")" = 1 ] \
    && ok || bad "sales me: $(cat "$T/me")"
SAM=$(jq -r .account.id "$T/me")
s=$(curl -s -o "$T/b" -w '%{http_code}' -b "$JS" "$U/api/v1/staff")
[ "$s" = 403 ] && [ "$(jq -r .error.code "$T/b")" = forbidden ] && ok || bad "sales lists staff: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$JS" "$U/api/v1/tokens")
[ "$s" = 403 ] && ok || bad "sales lists tokens: $s"
curl -s -b "$J" "$U/api/v1/staff" >"$T/b"
[ "$(jq -r '.staff|length' "$T/b")" = 7 ] && [ "$(jq -r ".staff[]|select(.id==\"$DORA\").state" "$T/b")" = active ] \
    && ok || bad "staff list: $(cat "$T/b")"
curl -s -b "$J" "$U/api/v1/staff/$SAM/signins" >"$T/b"
[ "$(jq -r '.signins[0].ok' "$T/b")" = true ] && [ "$(jq -r '.signins[0].address' "$T/b")" = loopback ] \
    && [ "$(jq -r '[.signins[]|select(.reason=="password")]|length' "$T/b")" = 1 ] && ok \
    || bad "signins: $(cat "$T/b")"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$U/api/v1/staff/aaaaaaaaaaaaaaaaaaaaaaaaaa/signins")
[ "$s" = 404 ] && ok || bad "signins of unknown: $s"
spost() { # PATH [BODY] -> status, as dora's session
    curl -s -o "$T/b" -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $CSRF" -H "Origin: $U" \
        -H 'Content-Type: application/json' -X POST ${2:+-d "$2"} "$U$1"
}
# what dora writes is hers by name on the person's record, not by the account's id
s=$(spost /api/v1/persons '{"register":"customer","purpose":"customer_relationship","source":"phone","values":{"name":"Kalle Asiakas","email":"kalle@example.fi"}}')
P=$(jq -r .id "$T/b")
[ "$s" = 201 ] && ok || bad "cookie POST /api/v1/persons: $s $(cat "$T/b")"
curl -s -b "$J" "$U/api/v1/persons/$P/record" >"$T/rec"
[ "$(jq -r '.registers[0].values.email.by_name' "$T/rec")" = "Dora Dpo" ] \
    && [ "$(jq -r '.registers[0].values.email.by' "$T/rec")" = "staff:$DORA" ] \
    && [ "$(jq -r '[.audit[]|select(.action=="person.add")][0].actor_name' "$T/rec")" = "Dora Dpo" ] \
    && ok || bad "record names: $(jq -c '{v: .registers[0].values.email, a: .audit}' "$T/rec")"
curl -s -b "$J" "$U/api/v1/me" >"$T/me2"
[ "$(jq -r '.roles|map(.id)|join(",")' "$T/me2")" = "marketing,sales,dpo" ] && ok \
    || bad "me lists the roles for a staff manager: $(jq -c .roles "$T/me2")"
s=$(spost "/api/v1/staff/$DORA/disable")
[ "$s" = 409 ] && ok || bad "disabling oneself: $s"
s=$(spost "/api/v1/staff/$SAM/role" '{"role":"nosuch"}')
[ "$s" = 422 ] && ok || bad "undeclared role: $s"
s=$(spost "/api/v1/staff/aaaaaaaaaaaaaaaaaaaaaaaaaa/disable")
[ "$s" = 404 ] && ok || bad "disable unknown: $s"
# disabling ends the session at once
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$JS" "$U/api/v1/me")
[ "$s" = 200 ] && ok || bad "sam signed in: $s"
s=$(spost "/api/v1/staff/$SAM/disable")
[ "$s" = 200 ] && [ "$(jq -r .state "$T/b")" = disabled ] && ok || bad "disable: $s"
s=$(curl -s -o "$T/b" -w '%{http_code}' -b "$JS" "$U/api/v1/me")
[ "$s" = 401 ] && [ "$(jq -r .error.code "$T/b")" = invalid_session ] && ok \
    || bad "disabled account's session lives: $s"
s=$(spost "/api/v1/staff/$SAM/enable")
[ "$s" = 200 ] && [ "$(jq -r .state "$T/b")" = active ] && ok || bad "enable: $s"
# a role change ends the session too
curl -s -o /dev/null -c "$JS" --data-urlencode email=sam@example.fi --data-urlencode "password=$PW" \
    "$U/console/login"
s=$(spost "/api/v1/staff/$SAM/role" '{"role":"marketing"}')
[ "$s" = 200 ] && [ "$(jq -r .role "$T/b")" = marketing ] && ok || bad "role: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$JS" "$U/api/v1/me")
[ "$s" = 401 ] && ok || bad "session after a role change: $s"
# reset: a new link, the old password gone
s=$(spost "/api/v1/staff/$SAM/reset")
[ "$s" = 200 ] && jq -e '.setup_url|test("/console/setup/")' "$T/b" >/dev/null && ok || bad "reset: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode email=sam@example.fi \
    --data-urlencode "password=$PW" "$U/console/login")
[ "$s" = 401 ] && ok || bad "password after reset: $s"
# tokens
curl -s -b "$J" "$U/api/v1/tokens" >"$T/b"
[ "$(jq -r '.tokens[0].name' "$T/b")" = crm ] && [ "$(jq -r '.tokens[0].revoked' "$T/b")" = null ] \
    && ok || bad "tokens: $(cat "$T/b")"
s=$(spost "/api/v1/tokens/nosuch/revoke")
[ "$s" = 404 ] && ok || bad "revoke unknown: $s"
s=$(spost "/api/v1/tokens/crm/revoke")
[ "$s" = 200 ] && ok || bad "revoke: $s"
sleep 1.2 # the token cache holds a valid token for up to a second
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BEARER" "$U/api/v1/me")
[ "$s" = 401 ] && ok || bad "revoked token works: $s"

# ---- sign-out --------------------------------------------------------------------------------------
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" -X POST "$U/console/logout")
[ "$s" = 403 ] && ok || bad "sign-out without the token: $s"
s=$(curl -s -o "$T/p" -D "$T/h" -w '%{http_code}' -b "$J" -H "Origin: $U" \
    --data-urlencode "csrf=$CSRF" "$U/console/logout?lang=en")
[ "$s" = 200 ] && grep -q "signed out" "$T/p" && grep -qi '^Set-Cookie: __Host-rk_session=;.*Max-Age=0' "$T/h" \
    && ok || bad "sign-out: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$U/api/v1/me")
[ "$s" = 401 ] && ok || bad "session after sign-out: $s"

# ---- the audit chain: ids, never emails or names ------------------------------------------------
R audit verify >/dev/null 2>&1 && ok || bad "audit verify"
R audit list --format json >"$T/audit" 2>/dev/null
for a in staff.added staff.password_set staff.signin staff.signin_failed staff.locked staff.disabled \
    staff.enabled staff.role staff.reset staff.signout token.revoke; do
    grep -q "\"$a\"" "$T/audit" && ok || bad "no $a event"
done
grep -q "example.fi\|Dora\|Sam Sales\|$PW" "$T/audit" && bad "personal data in the audit chain" || ok
grep -q "\"staff:$DORA\"" "$T/audit" && ok || bad "actor staff:<id> missing"
grep -q "example.fi\|$PW" "$T/err" && bad "email or password in the log" || ok
kill "$pid"

# ---- an idle session ends ----------------------------------------------------------------------
rk_serve "$T/out2" "$T/err2" --sweep-interval 0 --public-rate 0 --session-idle 2
curl -s -o /dev/null -c "$J" --data-urlencode email=dora@example.fi --data-urlencode "password=$PW" \
    "$U/console/login"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$U/api/v1/me")
[ "$s" = 200 ] && ok || bad "fresh session: $s"
sleep 3
s=$(curl -s -o "$T/b" -w '%{http_code}' -b "$J" "$U/api/v1/me")
[ "$s" = 401 ] && [ "$(jq -r .error.code "$T/b")" = invalid_session ] && ok || bad "idle session lives: $s"
R serve --session-idle 0 >/dev/null 2>&1
[ $? = 2 ] && ok || bad "--session-idle 0 accepted"

rk_finish console_auth
