#!/bin/sh
# serve_api.sh — the staff API over loopback against a real SQLite register:
# no or bad token → 401 with a Bearer challenge, a revoked token → 401, and a
# valid token sees of a person only the registers and categories its
# declared role is granted (marketing sees the marketing register only, sales
# the customer register only); unknown or invisible persons → 404.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
pid=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"

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

rk_serve "$T/out" "$T/err"
U=$U/
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
# ---- writes: POST /api/v1/persons through the single writer ----
post() { # post NAME TOKEN JSON
    if [ -n "$2" ]; then
        $C -D "$T/$1.h" -o "$T/$1.b" -H "Authorization: Bearer $2" -H "Content-Type: application/json" \
            --data-binary "$3" "${U}api/v1/persons"
    else
        $C -D "$T/$1.h" -o "$T/$1.b" --data-binary "$3" "${U}api/v1/persons"
    fi
}
CUST='"register":"customer","purpose":"customer_relationship","source":"phone"'
post p_none "" "{$CUST,\"values\":{\"name\":\"X\"}}"
[ "$(status p_none)" = 401 ] && ok || bad "POST without token: $(status p_none)"
post p1 "$SA" "{$CUST,\"source_detail\":\"call\",\"values\":{\"name\":\"Uusi Asiakas\",\"email\":\"uusi@example.fi\"}}"
NEW=$(jq -r .id "$T/p1.b" 2>/dev/null)
[ "$(status p1)" = 201 ] && echo "$NEW" | grep -Eq '^[a-z2-7]{26}$' && ok || bad "POST: $(status p1) $(cat "$T/p1.b")"
R person show "$NEW" --format json | jq -e '.registers[0].values.email.by == "sa"
    and .registers[0].values.email.source_detail == "call"' >/dev/null && ok || bad "API write provenance"
get g1 "$SA" "api/v1/persons/$NEW"
jq -e '.registers[0].values.email == "uusi@example.fi"' "$T/g1.b" >/dev/null && ok || bad "written person not readable"
post p2 "$MK" "{$CUST,\"values\":{\"name\":\"X\"}}"
[ "$(status p2)" = 403 ] && ok || bad "marketing writes to customer: $(status p2)"
post p3 "$SA" "{$CUST,\"values\":{\"shoe_size\":\"44\"}}"
[ "$(status p3)" = 400 ] && jq -e '.error.message | startswith("/values/shoe_size")' "$T/p3.b" >/dev/null \
    && ok || bad "unknown field: $(status p3) $(cat "$T/p3.b")"
post p4 "$SA" "{$CUST,\"values\":{\"email\":\"not-an-email\"}}"
[ "$(status p4)" = 400 ] && ! grep -q "not-an-email" "$T/p4.b" && ok || bad "bad email: $(cat "$T/p4.b")"
# for people: the field it concerns and a Finnish sentence naming the declared category
jq -e '.error.field == "email" and .error.fi == "Sähköpostiosoite ei sisällä @-merkkiä."' \
    "$T/p4.b" >/dev/null && ok || bad "bad email, field and fi: $(cat "$T/p4.b")"
post p5 "$SA" '{"register": '
[ "$(status p5)" = 400 ] && jq -e '.error.code == "bad_json"' "$T/p5.b" >/dev/null && ok || bad "bad JSON"
post p6 "$SA" "{$CUST,\"values\":{\"name\":\"Y\",\"email\":\"UUSI@example.fi\"}}"
[ "$(status p6)" = 409 ] && jq -e '.error.field == "email" and (.error.fi | test("jo henkilö"))' \
    "$T/p6.b" >/dev/null && ok || bad "duplicate email: $(status p6) $(cat "$T/p6.b")"
MKT='"register":"marketing","purpose":"sales_promotion","source":"web_form"'
post p7 "$MK" "{$MKT,\"values\":{\"name\":\"Z\",\"email\":\"z@example.fi\"}}"
[ "$(status p7)" = 422 ] && jq -e '.error.code == "refused" and .error.field == "consent"
    and (.error.fi | test("suostumus"))' "$T/p7.b" >/dev/null && ok || bad "no consent: $(status p7) $(cat "$T/p7.b")"
post p8 "$MK" "{$MKT,\"values\":{\"name\":\"Z\",\"email\":\"z@example.fi\"},\"consent\":{\"channel\":\"web_form\",\"evidence\":\"form:api\"}}"
[ "$(status p8)" = 201 ] && ok || bad "with consent: $(status p8) $(cat "$T/p8.b")"

# Many writers at once: every 201 is in the register (group commit).
seq 1 40 | xargs -P 8 -I{} curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' \
    -H "Authorization: Bearer $SA" -H "Content-Type: application/json" --data-binary \
    "{$CUST,\"values\":{\"name\":\"Rinnakkainen {}\",\"email\":\"r{}@example.fi\"}}" \
    "${U}api/v1/persons" >"$T/par"
[ "$(grep -c '^201$' "$T/par")" = 40 ] && ok || bad "parallel POSTs: $(sort "$T/par" | uniq -c)"
# ---- may we contact? ----
chk() { get "$1" "$2" "api/v1/check?$3"; }
chk c1 "$MK" "email=MATTI@example.fi&purpose=sales_promotion"
[ "$(status c1)" = 200 ] && jq -e --arg id "$P" '.allowed == true and .person == $id
    and (.reason | startswith("live consent until"))' "$T/c1.b" >/dev/null && ok || bad "check live: $(cat "$T/c1.b")"
chk c2 "$MK" "email=nobody@example.fi&purpose=sales_promotion"
jq -e '.allowed == false and .person == null' "$T/c2.b" >/dev/null && ok || bad "check unknown: $(cat "$T/c2.b")"
chk c3 "$SA" "phone=040%20172%203700&purpose=customer_relationship"
jq -e '.allowed == false and .reason == "no contract in effect"' "$T/c3.b" >/dev/null \
    && ok || bad "check contract: $(cat "$T/c3.b")"
chk c4 "$MK" "email=matti@example.fi&purpose=customer_relationship"
[ "$(status c4)" = 403 ] && ok || bad "check outside the role: $(status c4)"
chk c5 "$MK" "email=not-an-email&purpose=sales_promotion"
[ "$(status c5)" = 400 ] && ! grep -q "not-an-email" "$T/c5.b" && ok || bad "check bad email: $(cat "$T/c5.b")"
chk c6 "$MK" "purpose=sales_promotion"
[ "$(status c6)" = 400 ] && ok || bad "check without email: $(status c6)"

# ---- one-click unsubscribe (RFC 8058) ----
LINK=$(R link unsubscribe "$P" --purpose sales_promotion)
echo "$LINK" | grep -Eq '^/u/[A-Za-z0-9_-]+$' && ok || bad "link: $LINK"
in_audience() { R audience --purpose sales_promotion | grep -q "^$1,"; }
$C -D "$T/u1.h" -o "$T/u1.b" "${U%/}$LINK"
[ "$(status u1)" = 200 ] && grep -q '<form method="post">' "$T/u1.b" \
    && grep -q 'name="List-Unsubscribe" value="One-Click"' "$T/u1.b" && ok || bad "GET unsubscribe page"
in_audience "$P" && ok || bad "a GET unsubscribed (link scanners would)"
$C -D "$T/u2.h" -o "$T/u2.b" -d "List-Unsubscribe=One-Click" "${U%/}$LINK"
[ "$(status u2)" = 200 ] && ! grep -qi "^Location:" "$T/u2.h" && ! grep -qi "^Set-Cookie:" "$T/u2.h" \
    && ok || bad "POST unsubscribe: $(status u2)"
in_audience "$P" && bad "still in the audience after one-click unsubscribe" || ok
# The withdrawal took P out of the marketing register (held on consent only): sales, which sees
# the customer register, learns why; marketing no longer sees P and gets an unknown's answer.
chk c7 "$SA" "email=matti@example.fi&purpose=sales_promotion"
jq -e '.allowed == false and .reason == "no live consent for the purpose (it is withdrawn)"' "$T/c7.b" \
    >/dev/null && ok || bad "check after unsubscribe: $(cat "$T/c7.b")"
chk c8 "$MK" "email=matti@example.fi&purpose=sales_promotion"
jq -e '.allowed == false and .person == null and .reason == "not held in any register for this purpose"' \
    "$T/c8.b" >/dev/null && ok || bad "marketing's check after unsubscribe: $(cat "$T/c8.b")"
R consent list "$P" --format json | jq -e 'last | .event == "withdrawn" and .channel == "unsubscribe_link"
    and .collector == "self"' \
    >/dev/null && ok || bad "withdrawal not in the ledger"
$C -D "$T/u3.h" -o "$T/u3.b" -d "List-Unsubscribe=One-Click" "${U%/}$LINK"
[ "$(status u3)" = 200 ] && ok || bad "second POST: $(status u3)"
Z=$(jq -r .id "$T/p8.b")
LZ=$(R link unsubscribe "$Z" --purpose sales_promotion)
$C -D "$T/u4.h" -o "$T/u4.b" -F "List-Unsubscribe=One-Click" "${U%/}$LZ"
[ "$(status u4)" = 200 ] && ! in_audience "$Z" && ok || bad "multipart one-click: $(status u4)"
$C -D "$T/u5.h" -o "$T/u5.b" -d "something=else" "${U%/}$LZ"
[ "$(status u5)" = 400 ] && ok || bad "POST without the field: $(status u5)"
case $LINK in *A) TAMPERED=${LINK%?}B ;; *) TAMPERED=${LINK%?}A ;; esac
$C -D "$T/u6.h" -o "$T/u6.b" "${U%/}$TAMPERED"
[ "$(status u6)" = 404 ] && ok || bad "tampered link: $(status u6)"
OLDLINK=$(REKISTERI_NOW=2020-01-01T00:00:00Z R link unsubscribe "$P" --purpose sales_promotion --days 1)
$C -D "$T/u7.h" -o "$T/u7.b" "${U%/}$OLDLINK"
[ "$(status u7)" = 410 ] && grep -q "/preferences?lang=" "$T/u7.b" && ok \
    || bad "expired link: $(status u7)"

$C -o "$T/metrics" "${U}metrics"
grep -q '^rekisteri_consents_given_total 1$' "$T/metrics" \
    && grep -q '^rekisteri_consents_withdrawn_total 2$' "$T/metrics" \
    && grep -q '^rekisteri_writer_queue_depth 0$' "$T/metrics" && ok \
    || bad "consent metrics: $(grep consents "$T/metrics")"
grep -q "$P\|matti\|uusi@\|$LINK" "$T/err" && bad "a person id, data or link reached the request log" || ok

kill -TERM "$pid"
wait "$pid"
st=$?
rk_forget "$pid"
pid=
[ "$st" = 0 ] && ok || bad "exit status $st"
n=$(R person find Rinnakkainen | wc -l)
[ "$n" = 40 ] && ok || bad "after the parallel POSTs the register holds $n of 40"

# The audit chain: the reads and writes above were recorded with the token's
# name and the person's id, and the chain verifies.
R audit list --person "$P" --format json >"$T/audit.json"
jq -e '[.[] | select(.action == "person.read" and .actor == "sa")] | length >= 1'     "$T/audit.json" >/dev/null && ok || bad "GET person not audited as sa"
jq -e '[.[] | select(.action == "person.check")] | length >= 1' "$T/audit.json" >/dev/null \
    && ok || bad "check not audited"
R audit list --person "$Z" --format json | jq -e \
    '[.[] | select(.action == "consent.withdrawn" and .actor == "self")] | length == 1' \
    >/dev/null && ok || bad "one-click withdrawal not audited as self"
R audit list --person "$NEW" --format json | jq -e '.[0].action == "person.add"' >/dev/null \
    && ok || bad "POST person not audited"
R audit verify >/dev/null && ok || bad "audit chain does not verify"
R audit list | grep -q "@\|matti" && bad "personal data in the audit chain" || ok
rk_finish
