#!/bin/sh
# serve_staff.sh — the staff API (issue 4) over loopback against a real
# register: a table of every staff route × every kind of caller (no token, a
# bad token, a revoked one, and the example's roles marketing, sales, dpo)
# with the status each must get; every write seen afterwards through the
# CLI; each refusal rule once; malformed, non-UTF-8, deeply nested and
# oversized bodies answered with a clear 4xx while the server stays up; the
# audit chain holding the reads and writes under the token's name; the
# streamed audience export of a few thousand persons equal to `rekisteri
# audience`; and no personal data in the server's log.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
pid=
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
TODAY=$(date -u +%Y-%m-%d)

# ---- the register: P in both registers, Q a customer only, contracts and an invoice ----
R init >/dev/null || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Matti Meikäläinen" --email matti@example.fi --phone "040 172 3700")
R person add --register marketing --purpose sales_promotion --source web_form --person "$P" \
  --name "Matti Meikäläinen" --email matti@example.fi --consent-channel web_form >/dev/null
Q=$(R person add --register customer --purpose customer_relationship --source phone --name "Toinen Asiakas")
Z=$(R person add --register marketing --purpose sales_promotion --source web_form \
      --name "Zeta Peruja" --email zeta@example.fi --consent-channel web_form)
K=$(R contract add "$P" --register customer --purpose customer_relationship --source contract \
      --service "Lounasseteli" --start 2024-01-01)
KE=$(R contract add "$P" --register customer --purpose customer_relationship --source contract \
      --service "Päättynyt" --start 2023-01-01)
R contract end "$KE" --date 2023-12-31 >/dev/null
R invoice add "$P" --register customer --purpose customer_relationship --source contract \
  --number CLI-1 --date 2024-02-01 --amount 10 >/dev/null
MK=$(R token create --name mk --role marketing 2>/dev/null)
SA=$(R token create --name sa --role sales 2>/dev/null)
DP=$(R token create --name dp --role dpo 2>/dev/null)
OLD=$(R token create --name old --role dpo 2>/dev/null)
R token revoke old >/dev/null
BOGUS=rk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
[ -n "$P" ] && [ -n "$Q" ] && [ -n "$Z" ] && [ -n "$K" ] && [ -n "$MK" ] && [ -n "$DP" ] \
    && ok || bad "set-up"

rk_serve "$T/out" "$T/err"

# req NAME TOKEN METHOD PATH [BODY [CONTENT-TYPE]]: answer in $T/NAME.b, headers in $T/NAME.h
req() {
    n=$1 tok=$2 m=$3 path=$4
    set -- -s --max-time 30 -D "$T/$n.h" -o "$T/$n.b" -X "$m" -H "Content-Type: ${CTYPE:-application/json}"
    [ -n "$tok" ] && set -- "$@" -H "Authorization: Bearer $tok"
    [ -n "${BODY+x}" ] && set -- "$@" --data-binary "$BODY"
    curl "$@" "$U$path" </dev/null
    unset BODY CTYPE
}
status() { sed -n 's/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h" | tail -n 1; }
alive() { [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$U/healthz")" = 200 ]; }

# ---- the matrix: route, body, and the status for none, bad, revoked, marketing, sales, dpo ----
CUST='"register":"customer","purpose":"customer_relationship","source":"contract"'
IMPORT_CSV="name,email,consent_at
Matriisi Tuonti,matriisi@example.fi,$TODAY"
cat >"$T/matrix" <<EOF
GET|/api/v1/persons?q=Meik%C3%A4l%C3%A4inen||401 401 401 200 200 200
GET|/api/v1/persons?q=matti@example.fi||401 401 401 200 200 200
GET|/api/v1/persons/$P||401 401 401 200 200 200
GET|/api/v1/persons/$Q||401 401 401 404 200 200
POST|/api/v1/persons|{$CUST,"values":{"name":"Matriisi","email":"uusi@example.fi"}}|401 401 401 403 201 409
PATCH|/api/v1/persons/$P|{$CUST,"values":{"position":"Toimitusjohtaja"}}|401 401 401 403 200 200
GET|/api/v1/persons/$P/consents||401 401 401 200 200 200
GET|/api/v1/persons/$Q/consents||401 401 401 404 200 200
POST|/api/v1/persons/$P/consents|{"purpose":"sales_promotion","channel":"web_form","evidence":"form:matrix"}|401 401 401 201 201 201
POST|/api/v1/persons/$Q/consents/sales_promotion/withdraw||401 401 401 404 422 422
GET|/api/v1/persons/$P/contracts||401 401 401 403 200 200
POST|/api/v1/persons/$P/contracts|{$CUST,"service":"Matriisi","start":"2024-05-01"}|401 401 401 403 201 201
PATCH|/api/v1/contracts/$K|{"field":"service","value":"Lounasseteli Plus"}|401 401 401 404 200 200
POST|/api/v1/contracts/$KE/end||401 401 401 404 422 422
GET|/api/v1/persons/$P/invoices||401 401 401 403 403 200
POST|/api/v1/persons/$P/invoices|{$CUST,"number":"M-1","date":"2024-03-01","amount_cents":12345,"contract":"$K"}|401 401 401 403 403 201
POST|/api/v1/suppressions|{"email":"kielto@example.fi"}|401 401 401 403 403 201
GET|/api/v1/suppressions/check?email=kielto@example.fi||401 401 401 403 403 200
GET|/api/v1/audience?purpose=sales_promotion||401 401 401 200 200 200
GET|/api/v1/audience?purpose=customer_relationship&format=json||401 401 401 403 200 200
POST|/api/v1/import?register=marketing&source=web_form|CSV|401 401 401 200 403 200
GET|/api/v1/check?email=matti@example.fi&purpose=sales_promotion||401 401 401 200 200 200
GET|/api/v1/openapi.json||200 200 200 200 200 200
EOF
i=0
while IFS='|' read -r m path body want; do
    i=$((i + 1))
    set -- $want
    for who in none bogus revoked mk sa dp; do
        case $who in
            none) tok= ;; bogus) tok=$BOGUS ;; revoked) tok=$OLD ;;
            mk) tok=$MK ;; sa) tok=$SA ;; dp) tok=$DP ;;
        esac
        exp=$1
        shift
        if [ "$body" = CSV ]; then
            BODY=$IMPORT_CSV CTYPE=text/csv req "m$i$who" "$tok" "$m" "$path"
        elif [ -n "$body" ]; then
            BODY=$body req "m$i$who" "$tok" "$m" "$path"
        else
            req "m$i$who" "$tok" "$m" "$path"
        fi
        got=$(status "m$i$who")
        if [ "$got" = "$exp" ]; then
            ok
        else
            bad "$m $path as $who: $got, expected $exp: $(head -c 300 "$T/m$i$who.b")"
        fi
        case $got in
            4*|5*) jq -e '.error.code and .error.message' "$T/m$i$who.b" >/dev/null \
                       || bad "$m $path as $who: error is not {error:{code,message}}" ;;
        esac
        [ "$got" = 401 ] && { grep -qi '^WWW-Authenticate: Bearer' "$T/m$i$who.h" \
                                  || bad "$m $path as $who: 401 without a Bearer challenge"; }
    done
done <"$T/matrix"

# ---- the writes, seen through the CLI ----
R person show "$P" --format json >"$T/show.json"
jq -e '.registers[] | select(.register == "customer") | .values.position.value == "Toimitusjohtaja"
    and .values.position.by == "dp"' "$T/show.json" >/dev/null && ok || bad "PATCH person not in person show"
jq -e '[.contracts[] | select(.service == "Matriisi")] | length == 2' "$T/show.json" >/dev/null \
    && ok || bad "POST contracts not in person show"
jq -e --arg k "$K" '.contracts[] | select(.id == $k) | .service == "Lounasseteli Plus"
    and (.history | map(select(.field == "service" and .by == "sa")) | length == 1)' \
    "$T/show.json" >/dev/null && ok || bad "PATCH contract not in its history"
jq -e '[.invoices[] | select(.number == "M-1" and .amount_cents == 12345)] | length == 1' \
    "$T/show.json" >/dev/null && ok || bad "POST invoice not in person show"
R consent list "$P" --format json | jq -e '[.[] | select(.event == "given" and .collector == "mk"
    and .evidence == "form:matrix")] | length == 1' >/dev/null && ok || bad "consent give not in the ledger"
R suppress check --email KIELTO@example.fi >/dev/null && ok || bad "suppression not on the list"
R person find matriisi@example.fi | grep -q marketing && ok || bad "imported row not found"
R person find uusi@example.fi | grep -q customer && ok || bad "POST person not found"
BODY='{"channel":"email","evidence":"ticket 42"}' req wd "$MK" POST "/api/v1/persons/$Z/consents/sales_promotion/withdraw"
[ "$(status wd)" = 200 ] && ok || bad "withdraw: $(status wd) $(cat "$T/wd.b")"
R consent list "$Z" --format json | jq -e 'last | .event == "withdrawn" and .collector == "mk"
    and .evidence == "ticket 42"' >/dev/null && ok || bad "withdrawal not in the ledger"
R person show "$Z" --format json | jq -e '.registers | length == 0' >/dev/null \
    && ok || bad "withdrawal did not take the person out of the marketing register"
req gz "$MK" GET "/api/v1/persons/$Z"
[ "$(status gz)" = 404 ] && ok || bad "withdrawn person still visible to marketing: $(status gz)"
BODY='{"date":"2024-12-31"}' req end1 "$SA" POST "/api/v1/contracts/$K/end"
[ "$(status end1)" = 200 ] && R person show "$P" --format json | jq -e --arg k "$K" \
    '.contracts[] | select(.id == $k) | .status == "ended" and .end == "2024-12-31"' >/dev/null \
    && ok || bad "contract end: $(status end1) $(cat "$T/end1.b")"
req srch "$MK" GET "/api/v1/persons?q=matti@example.fi"
jq -e '.persons | length == 1 and .[0].register == "marketing" and (.[0].values | has("phone") | not)' \
    "$T/srch.b" >/dev/null && ok || bad "marketing's search shows more than its register: $(cat "$T/srch.b")"
req srchs "$SA" GET "/api/v1/persons?q=matti@example.fi"
jq -e '.persons | length == 1 and .[0].register == "customer" and .[0].values.phone == "+358401723700"' \
    "$T/srchs.b" >/dev/null && ok || bad "sales' search: $(cat "$T/srchs.b")"
req inv "$DP" GET "/api/v1/persons/$P/invoices"
jq -e 'map(.number) | sort == ["CLI-1", "M-1"]' "$T/inv.b" >/dev/null && ok || bad "invoices: $(cat "$T/inv.b")"

# ---- each refusal rule once ----
MKT='"register":"marketing","purpose":"sales_promotion","source":"web_form"'
BODY="{$MKT,\"values\":{\"name\":\"Ei Lupaa\",\"email\":\"eilupaa@example.fi\"}}" req r1 "$MK" POST /api/v1/persons
[ "$(status r1)" = 422 ] && jq -e '.error.code == "refused" and (.error.message | test("consent"))' "$T/r1.b" \
    >/dev/null && ok || bad "no consent: $(status r1) $(cat "$T/r1.b")"
BODY='{"purpose":"customer_relationship"}' req r2 "$SA" POST "/api/v1/persons/$P/consents"
[ "$(status r2)" = 422 ] && jq -e '.error.message | test("rests on contract")' "$T/r2.b" >/dev/null \
    && ok || bad "consent for a contract purpose: $(status r2) $(cat "$T/r2.b")"
BODY="{$CUST,\"values\":{\"email\":\"MATTI@example.fi\"}}" req r3 "$SA" PATCH "/api/v1/persons/$Q"
[ "$(status r3)" = 409 ] && jq -e '.error.code == "conflict"' "$T/r3.b" >/dev/null \
    && ok || bad "duplicate email on update: $(status r3) $(cat "$T/r3.b")"
BODY="{$CUST,\"number\":\"M-1\",\"date\":\"2024-03-01\",\"amount_cents\":1}" req r4 "$DP" POST "/api/v1/persons/$P/invoices"
[ "$(status r4)" = 409 ] && ok || bad "duplicate invoice number: $(status r4)"
BODY="{$CUST,\"values\":{\"shoe_size\":\"44\"}}" req r5 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status r5)" = 400 ] && jq -e '.error.message | startswith("/values/shoe_size")' "$T/r5.b" >/dev/null \
    && ok || bad "unknown field: $(status r5) $(cat "$T/r5.b")"
BODY="{$CUST,\"values\":{\"email\":\"ei-osoite\"}}" req r6 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status r6)" = 400 ] && ! grep -q "ei-osoite" "$T/r6.b" && ok || bad "bad email echoed: $(cat "$T/r6.b")"
BODY="{$CUST,\"service\":\"S\",\"start\":\"1.1.2024\"}" req r7 "$SA" POST "/api/v1/persons/$P/contracts"
[ "$(status r7)" = 400 ] && jq -e '.error.message | startswith("/start")' "$T/r7.b" >/dev/null \
    && ok || bad "bad date: $(cat "$T/r7.b")"
BODY="{$CUST,\"service\":\"S\",\"start\":\"2024-02-01\",\"end\":\"2024-01-01\"}" req r8 "$SA" POST "/api/v1/persons/$P/contracts"
[ "$(status r8)" = 422 ] && ok || bad "contract ending before it starts: $(status r8)"
BODY='{"field":"colour","value":"x"}' req r9 "$SA" PATCH "/api/v1/contracts/$K"
[ "$(status r9)" = 400 ] && ok || bad "unknown contract field: $(status r9)"
BODY="{\"register\":\"customer\",\"purpose\":\"no_such\",\"source\":\"phone\",\"values\":{}}" req r10 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status r10)" = 422 ] && ! grep -q no_such "$T/r10.b" && ok || bad "undeclared purpose: $(status r10) $(cat "$T/r10.b")"
req r11 "$SA" GET "/api/v1/persons"
[ "$(status r11)" = 200 ] && jq -e '.persons | type == "array"' "$T/r11.b" >/dev/null \
    && ok || bad "search without q (the people list): $(status r11)"
req r12 "$DP" GET "/api/v1/audience?purpose=sales_promotion&format=xml"
[ "$(status r12)" = 400 ] && ok || bad "audience format: $(status r12)"
req r13 "$MK" DELETE "/api/v1/persons/$P"
[ "$(status r13)" = 405 ] && ok || bad "DELETE: $(status r13)"
BODY='{"email":"x@example.fi","phone":"0401234567"}' req r14 "$DP" POST /api/v1/suppressions
[ "$(status r14)" = 400 ] && ok || bad "suppression with both: $(status r14)"

# ---- malformed bodies: a clear 4xx naming the place, and the server stays up ----
BODY='{"register": "customer", ' req j1 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status j1)" = 400 ] && jq -e '.error.code == "bad_json" and (.error.message | startswith("line 1, column 26: expected a key"))' \
    "$T/j1.b" >/dev/null && ok || bad "truncated JSON: $(cat "$T/j1.b")"
alive && ok || bad "server down after truncated JSON"
printf '{"register":"customer",\n "values":{"name":"\377\376"}}' >"$T/badutf8"
curl -s -D "$T/j2.h" -o "$T/j2.b" -X PATCH -H "Authorization: Bearer $SA" \
    -H "Content-Type: application/json" --data-binary @"$T/badutf8" "$U/api/v1/persons/$P"
[ "$(status j2)" = 400 ] && jq -e '.error.message == "line 2, column 20: not valid UTF-8"' "$T/j2.b" >/dev/null \
    && ok || bad "invalid UTF-8: $(cat "$T/j2.b")"
alive && ok || bad "server down after invalid UTF-8"
deep=$(printf '%0.s[' $(seq 40))$(printf '%0.s]' $(seq 40))
BODY="{\"values\":$deep}" req j3 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status j3)" = 400 ] && jq -e '.error.message | test("nested deeper than 16 levels")' "$T/j3.b" >/dev/null \
    && ok || bad "deep JSON: $(cat "$T/j3.b")"
alive && ok || bad "server down after deep JSON"
BODY='{"register":"customer","register":"marketing"}' req j4 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status j4)" = 400 ] && jq -e '.error.message == "line 1, column 24 (at /register): a key appears twice in one object"' \
    "$T/j4.b" >/dev/null && ok || bad "duplicate key: $(cat "$T/j4.b")"
BODY="{\"values\":[$(seq -s, 1 1200)]}" req j5 "$SA" PATCH "/api/v1/persons/$P"
[ "$(status j5)" = 400 ] && jq -e '.error.message | test("more than 1000 values")' "$T/j5.b" >/dev/null \
    && ok || bad "too many values: $(cat "$T/j5.b")"
long=$(head -c 5000 /dev/zero | tr '\0' a)
BODY="{\"evidence\":\"$long\",\"purpose\":\"sales_promotion\"}" req j6 "$MK" POST "/api/v1/persons/$P/consents"
[ "$(status j6)" = 400 ] && jq -e '.error.message | test("\\(at /evidence\\): a text is longer than 4096 bytes")' \
    "$T/j6.b" >/dev/null && ! grep -q aaaa "$T/j6.b" && ok || bad "long text: $(cat "$T/j6.b")"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
curl -s -D "$T/j7.h" -o "$T/j7.b" -X PATCH -H "Authorization: Bearer $SA" --data-binary @"$T/big" \
    "$U/api/v1/persons/$P"
[ "$(status j7)" = 413 ] && jq -e '.error.code == "too_large"' "$T/j7.b" >/dev/null && ok || bad "big body: $(status j7)"
alive && ok || bad "server down after a big body"
{ echo "name,email,consent_at"; head -c 17000000 /dev/zero | tr '\0' x; } >"$T/huge.csv"
curl -s -D "$T/j8.h" -o "$T/j8.b" -H "Authorization: Bearer $MK" -H "Content-Type: text/csv" \
    --data-binary @"$T/huge.csv" "$U/api/v1/import?register=marketing&source=web_form"
[ "$(status j8)" = 413 ] && ok || bad "import over 16 MiB: $(status j8)"
printf 'name,email\n"unclosed,x@example.fi\n' >"$T/broken.csv"
curl -s -D "$T/j9.h" -o "$T/j9.b" -H "Authorization: Bearer $MK" -H "Content-Type: text/csv" \
    --data-binary @"$T/broken.csv" "$U/api/v1/import?register=marketing&source=web_form"
[ "$(status j9)" = 400 ] && jq -e '.error.message | test("line [0-9]")' "$T/j9.b" >/dev/null \
    && ok || bad "malformed CSV: $(status j9) $(cat "$T/j9.b")"
printf 'name,shoe_size\nA,44\n' >"$T/header.csv"
curl -s -D "$T/j10.h" -o "$T/j10.b" -H "Authorization: Bearer $MK" -H "Content-Type: text/csv" \
    --data-binary @"$T/header.csv" "$U/api/v1/import?register=marketing&source=web_form"
[ "$(status j10)" = 400 ] && jq -e '.error.code == "bad_csv"' "$T/j10.b" >/dev/null \
    && ok || bad "unknown CSV column: $(status j10) $(cat "$T/j10.b")"
alive && ok || bad "server down after the bad imports"

# ---- an import of a few thousand, then the streamed export equals `rekisteri audience` ----
{
    echo "nimi,sähköposti,puhelin,consent_at"
    i=1
    while [ $i -le 3000 ]; do
        echo "Henkilö $i,h$i@example.fi,+35840$((1000000 + i)),$TODAY"
        i=$((i + 1))
    done
    echo "Ilman,ilman@example.fi,,"
    echo "Tupla,h1@example.fi,,$TODAY"
} >"$T/many.csv"
curl -s -D "$T/imp.h" -o "$T/imp.b" -H "Authorization: Bearer $MK" -H "Content-Type: text/csv" \
    --data-binary @"$T/many.csv" "$U/api/v1/import?register=marketing&source=web_form&source_detail=messut"
[ "$(status imp)" = 200 ] && jq -e '.rows == 3002 and .imported == 3000 and .rejected == 2
    and (.rejects | map(.line) | sort == [3002, 3003])
    and (.rejects[] | select(.line == 3002) | .column == "consent_at")' "$T/imp.b" >/dev/null \
    && ok || bad "import: $(status imp) $(head -c 500 "$T/imp.b")"
grep -q "h1@\|Henkil\|Tupla" "$T/imp.b" && bad "import answer repeats row data" || ok
R person find h2999@example.fi --format json | jq -e '.[0].register == "marketing"' >/dev/null \
    && ok || bad "imported person not found"
curl -s -o "$T/aud.csv" -H "Authorization: Bearer $DP" "$U/api/v1/audience?purpose=sales_promotion"
R audience --purpose sales_promotion >"$T/cli.csv"
[ "$(wc -l <"$T/cli.csv")" -gt 3000 ] && cmp -s "$T/aud.csv" "$T/cli.csv" && ok \
    || bad "streamed CSV differs from rekisteri audience ($(wc -l <"$T/aud.csv") vs $(wc -l <"$T/cli.csv") lines)"
grep -q ",\"'+358401000001\"," "$T/aud.csv" && ok || bad "formula not neutralised in the export"
curl -s -o "$T/aud.json" -H "Authorization: Bearer $DP" "$U/api/v1/audience?purpose=sales_promotion&format=json"
R audience --purpose sales_promotion --format json >"$T/cli.json"
cmp -s "$T/aud.json" "$T/cli.json" && jq -e 'length > 3000' "$T/aud.json" >/dev/null && ok \
    || bad "streamed JSON differs from rekisteri audience"
curl -s -o "$T/audmk.csv" -H "Authorization: Bearer $MK" "$U/api/v1/audience?purpose=sales_promotion"
[ "$(wc -l <"$T/audmk.csv")" = "$(wc -l <"$T/cli.csv")" ] && ok || bad "marketing's export lost persons"
curl -s -o "$T/audsa.csv" -H "Authorization: Bearer $SA" "$U/api/v1/audience?purpose=sales_promotion"
[ "$(wc -l <"$T/audsa.csv")" -lt 10 ] && ok || bad "sales' export holds the marketing register"
# A client that goes away mid-export does not hurt the server.
curl -s --max-time 5 -H "Authorization: Bearer $DP" "$U/api/v1/audience?purpose=sales_promotion" | head -c 100 >/dev/null
alive && ok || bad "server down after an abandoned export"

# ---- the audit chain ----
sleep 0.5 # reads are recorded by the writer without waiting
R audit list --person "$P" --format json >"$T/audit.json"
for pair in person.read:mk person.read:sa consent.read:mk contract.read:sa invoice.read:dp \
            person.update:dp consent.given:mk contract.add:sa contract.change:sa contract.end:sa \
            invoice.add:dp person.check:dp; do
    a=${pair%:*} who=${pair#*:}
    jq -e --arg a "$a" --arg w "$who" '[.[] | select(.action == $a and .actor == $w)] | length >= 1' \
        "$T/audit.json" >/dev/null && ok || bad "audit: no $a by $who for the person"
done
R audit list --format json >"$T/all.json"
jq -e '[.[] | select(.action == "audience.export" and .actor == "dp"
    and (.detail | startswith("sales_promotion: ")))] | length >= 2' "$T/all.json" >/dev/null \
    && ok || bad "audience export not audited"
jq -e '[.[] | select(.action == "suppression.add" and .actor == "dp")] | length == 1' "$T/all.json" \
    >/dev/null && ok || bad "suppression not audited"
jq -e '[.[] | select(.action == "person.add" and .actor == "mk")] | length >= 3000' "$T/all.json" \
    >/dev/null && ok || bad "imported rows not audited as mk"
R audit verify >/dev/null && ok || bad "audit chain does not verify"
grep -q "@\|Matti\|Henkil" "$T/all.json" && bad "personal data in the audit chain" || ok

kill -TERM "$pid"
wait "$pid"
st=$?
rk_forget "$pid"
pid=
[ "$st" = 0 ] && ok || bad "exit status $st"
grep -q "$P\|$Q\|@example\|Matti\|Meik\|Henkil\|Toimitusjohtaja\|kielto\|+358" "$T/err" \
    && bad "personal data in the server's log: $(grep "$P\|@example\|Matti\|Henkil" "$T/err" | head -3)" || ok
rk_finish
