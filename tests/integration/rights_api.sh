#!/bin/sh
# rights_api.sh — every right end to end as a person and the staff meet it:
# the person files the request on the public form (/requests), the DPO's token
# verifies it in person and completes it over the API, and completing carries
# the right out (core/fulfil.c). After each, the data is checked through the
# CLI: access and portability answer with documents holding the person's data;
# rectification overwrites the name with the request as provenance; erasure
# leaves nothing and a re-add is refused as suppressed, and the recipient's
# webhook (a real HTTP receiver on loopback) is told; restriction takes the
# person out of the audience and the check; objection and consent withdrawal
# end the marketing consent; the art 22 answer says there are no automated
# decisions. Roles without `requests` get 403.
# CTest sets REKISTERI, RK_SOURCE_DIR and HTTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${HTTP_SINK:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
export WEBHOOK_SECRET=whsec-0123456789abcdef MC_SECRET=mc-inbound-secret-0123456789
C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }

rk_sink http "$T/hook"
HP=$PORT
rk_example_webhook "http://127.0.0.1:$HP/hook" WEBHOOK_SECRET |
    sed -e "s|secret_env: REKISTERI_MAILCHIMP_HOOK_SECRET|secret_env: MC_SECRET|" >decl.yaml
export REKISTERI_DECLARATION="$T/decl.yaml"
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
DPO=$(R token create --name dpo --role dpo 2>/dev/null)
MK=$(R token create --name mk --role marketing 2>/dev/null)
rk_serve "$T/out" "$T/err" --public-rate 0

# person EMAIL NAME: a customer who also subscribed to marketing; prints the id.
person() {
    id=$(R person add --register customer --purpose customer_relationship --source meeting \
        --name "$2" --email "$1")
    R person add --register marketing --purpose sales_promotion --source web_form --person "$id" \
        --name "$2" --email "$1" --consent-channel web_form >/dev/null
    echo "$id"
}
# file TYPE EMAIL: the person's request through the public form; prints its id.
file() {
    $C -o "$T/form.b" -d "type=$1" --data-urlencode "email=$2" -d "name=Hakija" -d lang=fi \
        "$U/requests"
    grep -o 'R-[A-Z2-7]\{12\}' "$T/form.b" | head -n 1
}
api() { # api NAME PATH TOKEN [BODY]
    $C -D "$T/$1.h" -o "$T/$1.b" -X POST -H "Authorization: Bearer $3" \
        -H "Content-Type: application/json" -d "${4:-{\}}" "$U$2"
}
# act NAME RID [BODY]: verify in person, then complete, both over the API as the DPO.
act() {
    api "$1v" "/api/v1/requests/$2/verify" "$DPO" '{"method":"in_person","document":"passport"}'
    api "$1" "/api/v1/requests/$2/complete" "$DPO" "${3:-}"
    [ "$(status "$1v")" = 200 ] && [ "$(status "$1")" = 200 ] \
        && jq -e '.status == "completed"' "$T/$1.b" >/dev/null && ok \
        || bad "$1: verify $(status "$1v"), complete $(status "$1") $(head -c 300 "$T/$1.b")"
}
in_audience() { R audience --purpose sales_promotion | grep -qi "$1"; }

# ---- access ----
P=$(person aino@example.fi "Aino Asiakas")
RID=$(file access aino@example.fi)
[ -n "$RID" ] && ok || bad "the public form gave no request id: $(cat "$T/form.b")"
api mk1 "/api/v1/requests/$RID/verify" "$MK" '{"method":"in_person","document":"passport"}'
[ "$(status mk1)" = 403 ] && ok || bad "a role without requests verified: $(status mk1)"
act access "$RID"
jq -e '(.documents["access.json"] | tostring | test("Aino Asiakas")) and
       (.documents["access.html"] | test("<html"))' "$T/access.b" >/dev/null && ok \
    || bad "access documents: $(head -c 300 "$T/access.b")"

# ---- portability ----
RID=$(file portability aino@example.fi)
act portability "$RID"
jq -e '(.documents["portability.json"] | type) == "object" and
       (.documents["portability.csv"] | test("aino@example.fi"))' "$T/portability.b" >/dev/null \
    && ok || bad "portability documents"

# ---- rectification ----
RID=$(file rectification aino@example.fi)
act rectify "$RID" '{"register":"customer","values":{"name":"Aino Korjattu"}}'
R person show "$P" --format json >"$T/p.json"
jq -e '[.registers[] | select(.register == "customer")][0].values.name.value == "Aino Korjattu"' \
    "$T/p.json" >/dev/null && ok || bad "the name was not rectified: $(cat "$T/p.json")"
grep -q "Aino Asiakas" "$T/p.json" && jq -e '[.registers[] | select(.register == "customer")][0].values.name.value' \
    "$T/p.json" | grep -q Asiakas && bad "the old customer name survived" || ok
grep -q "data subject request #$RID" "$T/p.json" && ok || bad "no request in the provenance"
api r2 "/api/v1/requests/$(file rectification aino@example.fi)/complete" "$DPO" \
    '{"register":"customer","values":{"shoe":"42"}}'
[ "$(status r2)" = 400 ] && ok || bad "a malformed rectification: $(status r2)"

# ---- restriction ----
P2=$(person rauha@example.fi "Rauha Rajattu")
in_audience rauha@example.fi && ok || bad "set-up: not in the audience"
act restrict "$(file restriction rauha@example.fi)"
in_audience rauha@example.fi && bad "restricted but still in the audience" || ok
$C -o "$T/chk.b" -H "Authorization: Bearer $DPO" \
    "$U/api/v1/check?email=rauha@example.fi&purpose=sales_promotion"
jq -e '.allowed == false' "$T/chk.b" >/dev/null && ok || bad "the check allows a restricted person"
R person update "$P2" --register customer --purpose customer_relationship --source meeting \
    --name "Uusi" >/dev/null 2>&1 && bad "a restricted person was written" || ok

# ---- objection to direct marketing ----
P3=$(person olli@example.fi "Olli Vastustaja")
act object "$(file objection olli@example.fi)"
in_audience olli@example.fi && bad "objected but still in the audience" || ok
R suppress check --email olli@example.fi >/dev/null 2>&1 && ok || bad "not suppressed after objection"
R consent list "$P3" --format json | jq -e 'last.event == "withdrawn"' >/dev/null && ok \
    || bad "the consent was not withdrawn"

# ---- consent withdrawal ----
P4=$(person vera@example.fi "Vera Peruja")
act withdraw "$(file consent_withdrawal vera@example.fi)"
in_audience vera@example.fi && bad "still in the audience after withdrawal" || ok
R consent list "$P4" --format json | jq -e 'last.event == "withdrawn"' >/dev/null && ok \
    || bad "no withdrawal in the ledger"

# ---- automated decisions (art 22) ----
act art22 "$(file automated_decision vera@example.fi)"
jq -e '.documents["automated.txt"] | length > 0' "$T/art22.b" >/dev/null && ok || bad "no art 22 answer"

# ---- erasure, and the recipient is told ----
P5=$(person eero@example.fi "Eero Poistuja")
act erase "$(file erasure eero@example.fi)"
R person show "$P5" >/dev/null 2>&1 && bad "the person survived erasure" || ok
# The service journals the erasure (core/journal.h) before it commits.
# The journal's default place: beside the SQLite file, or the key file for a URI.
J=var/rekisteri.db.erasures
[ "${RK_BACKEND:-sqlite}" = postgres ] && J=var/rekisteri.key.erasures
grep -q " $P5 " "$J" && R journal verify 2>&1 | grep -q "the chain holds; 0 not" \
    && ok || bad "the API's erasure is not in the journal: $(R journal verify 2>&1)"
R person add --register customer --purpose customer_relationship --source meeting \
    --email eero@example.fi >/dev/null 2>&1 && bad "an erased email came back" || ok
for _ in $(seq 100); do
    grep -l '"event":"erasure"' "$T/hook"/*.req >/dev/null 2>&1 && break
    sleep 0.1
done
grep -l '"event":"erasure"' "$T/hook"/*.req 2>/dev/null | xargs grep -l "$P5" >/dev/null 2>&1 \
    && grep -qi "^X-Rekisteri-Signature: sha256=" "$(grep -l "$P5" "$T/hook"/*.req | head -n 1)" \
    && ok || bad "the recipient's webhook was not told of the erasure"

# ---- nothing personal in the log; the audit chain holds ----
grep -qi "example.fi\|Asiakas\|Korjattu" "$T/err" && bad "personal data in the log" || ok
R audit verify >/dev/null && ok || bad "audit chain"
rk_finish
