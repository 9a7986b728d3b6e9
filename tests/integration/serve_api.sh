#!/bin/sh
# serve_api.sh — the staff API over loopback against a real SQLite register:
# no or bad token → 401 with a Bearer challenge, a revoked token → 401, and a
# valid token sees of a person only the registers and categories its
# declared role is granted (marketing sees the marketing register only, sales
# the customer register only); unknown or invisible persons → 404.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
R() { "$REKISTERI" "$@"; }

R init >/dev/null || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Matti M" --email matti@example.fi --phone "040 172 3700" --organisation "Kunta X")
R person add --register marketing --purpose sales_promotion --source web_form --person "$P" \
  --name "Matti M" --email matti@example.fi --interests "lounas" --consent-channel web_form >/dev/null
Q=$(R person add --register customer --purpose customer_relationship --source phone --name "Toinen")
MK=$(R token create --name mk --role marketing 2>/dev/null)
SA=$(R token create --name sa --role sales 2>/dev/null)
OLD=$(R token create --name old --role dpo 2>/dev/null)
R token revoke old >/dev/null
[ -n "$P" ] && [ -n "$MK" ] && [ -n "$SA" ] && ok || bad "set-up"

"$REKISTERI" serve --listen 127.0.0.1:0 >"$T/out" 2>"$T/err" &
pid=$!
U=
for _ in $(seq 50); do
    U=$(sed -n 's/^listening on //p' "$T/out")
    [ -n "$U" ] && break
    sleep 0.1
done
[ -n "$U" ] || { echo "FAIL: server did not start: $(cat "$T/err")"; exit 1; }
C="curl -s --max-time 10"
get() { # get NAME TOKEN PATH
    if [ -n "$2" ]; then
        $C -D "$T/$1.h" -o "$T/$1.b" -H "Authorization: Bearer $2" "$U$3"
    else
        $C -D "$T/$1.h" -o "$T/$1.b" "$U$3"
    fi
}
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }

get none "" "api/v1/persons/$P"
[ "$(status none)" = 401 ] && grep -qi '^WWW-Authenticate: Bearer' "$T/none.h" \
    && jq -e '.error.code == "missing_token"' "$T/none.b" >/dev/null && ok || bad "no token"
get bogus "rk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "api/v1/persons/$P"
[ "$(status bogus)" = 401 ] && ok || bad "bogus token: $(status bogus)"
get revoked "$OLD" "api/v1/persons/$P"
[ "$(status revoked)" = 401 ] && jq -e '.error.code == "invalid_token"' "$T/revoked.b" >/dev/null \
    && ok || bad "revoked token: $(status revoked)"

get mk "$MK" "api/v1/persons/$P"
[ "$(status mk)" = 200 ] && jq -e --arg id "$P" '.id == $id and (.registers | length) == 1
    and .registers[0].register == "marketing" and .registers[0].values.interests == "lounas"' \
    "$T/mk.b" >/dev/null && ok || bad "marketing view: $(cat "$T/mk.b")"
get sa "$SA" "api/v1/persons/$P"
[ "$(status sa)" = 200 ] && jq -e '(.registers | length) == 1 and .registers[0].register == "customer"
    and .registers[0].values.organisation == "Kunta X" and .registers[0].values.phone == "+358401723700"' \
    "$T/sa.b" >/dev/null && ok || bad "sales view: $(cat "$T/sa.b")"
get mkq "$MK" "api/v1/persons/$Q"
[ "$(status mkq)" = 404 ] && ok || bad "marketing sees a customer-only person: $(status mkq)"
get unknown "$SA" "api/v1/persons/aaaaaaaaaaaaaaaaaaaaaaaaaa"
[ "$(status unknown)" = 404 ] && ok || bad "unknown person: $(status unknown)"
get badid "$SA" "api/v1/persons/not-an-id"
[ "$(status badid)" = 404 ] && ok || bad "malformed id: $(status badid)"
grep -q "$P\|matti" "$T/err" && bad "a person id or data reached the request log" || ok

kill -TERM "$pid"
wait "$pid"
st=$?
pid=
[ "$st" = 0 ] && ok || bad "exit status $st"
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
