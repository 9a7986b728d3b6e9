#!/bin/sh
# consent_record.sh — a consent as an ISO/IEC TS 27560 record, end to end over
# loopback with the email read from a real SMTP server: a newcomer submits the
# newsletter form, follows the confirmation link (double opt-in through the real
# form flow) and unsubscribes through the welcome email's one-click link; staff
# then record a new consent. `rekisteri consent record --format json` has the
# events in order with their times, methods, who and the notice's version and
# hash; the staff API answers the same document; the welcome email's receipt
# link serves it to the person as a JSON attachment that is never cached,
# without staff names, and `rekisteri link receipt` makes the same link; a
# tampered token, another kind of link (404), an expired one (410) and unknown
# persons, purposes or consents are refused, by the CLI (exit 2 or 1) and the
# API (404) alike, and a purpose of no register the token's role is granted
# (403); the reads are audited.
# CTest sets REKISTERI, RK_SOURCE_DIR and SMTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
# The example with the customer register holding people for the customer relationship only, so
# that the sales role (the customer register) is granted no register declaring sales_promotion.
# (The public source, which fed the customer register for sales promotion, then names no purpose.)
sed -e 's/^    purposes: \[sales_promotion, customer_relationship\]$/    purposes: [customer_relationship]/' \
    -e '/kind: public_source/,/note:/{/^    purposes: \[sales_promotion\]$/d;}' \
    "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >"$T/decl.yaml"
grep -q '^    purposes: \[customer_relationship\]$' "$T/decl.yaml" || { echo "FAIL: decl"; exit 1; }
export REKISTERI_DECLARATION="$T/decl.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_PUBLIC_URL
C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }
header() { tr -d '\r' <"$T/$1.h" | sed -n "s/^$2: //Ip" | head -n 1; }

rk_sink smtp "$T/mail"
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
TOK=$(R token create --name dpo --role dpo 2>/dev/null)
SALES=$(R token create --name sales --role sales 2>/dev/null)
rk_serve "$T/out" "$T/err" --smtp "smtp://127.0.0.1:$PORT" --public-rate 0
api() { # api NAME PATH
    $C -D "$T/$1.h" -o "$T/$1.b" -H "Authorization: Bearer $TOK" "$U$2"
}
wait_mail() {
    for _ in $(seq 100); do
        [ "$(find "$T/mail" -name '*.eml' | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
body_of() { tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g'; }
mail_n() { printf '%s/%04d.eml' "$T/mail" "$1"; }

# ---- double opt-in through the real form, then one-click unsubscribe ----
$C -o /dev/null --data-urlencode "email=kuitti@example.fi" --data-urlencode "name=Kuitin Saaja" \
    -d consent=yes -d lang=fi "$U/forms/newsletter"
wait_mail 1 || { echo "FAIL: no confirmation email"; exit 1; }
LINK=$(body_of "$(mail_n 1)" | grep -o "$U/confirm/[A-Za-z0-9_-]*" | head -n 1)
$C -o /dev/null -X POST "$LINK?lang=fi"
wait_mail 2 && ok || bad "no welcome email"
M2=$(body_of "$(mail_n 2)")
RECEIPT=$(printf '%s\n' "$M2" | grep -o "$U/receipt/[A-Za-z0-9_-]*?lang=fi" | head -n 1)
[ -n "$RECEIPT" ] && printf '%s\n' "$M2" | grep -q "Kuitti suostumuksestasi" && ok \
    || bad "no receipt link in the welcome email: $M2"
UNSUB=$(tr -d '\r' <"$(mail_n 2)" | sed -n 's/^List-Unsubscribe: <\(.*\)>$/\1/p')
PID=$(R audit list --format json | jq -r '[.[] | select(.action == "consent.given")][0].person')
[ -n "$PID" ] && [ "$PID" != null ] && ok || bad "no person id"

# The receipt while the consent is in force.
$C -D "$T/r0.h" -o "$T/r0.b" "$RECEIPT"
[ "$(status r0)" = 200 ] && jq -e '.consent.state == "given" and .consent.in_force and (.events | length) == 2' \
    "$T/r0.b" >/dev/null && ok || bad "receipt before withdrawal: $(status r0) $(cat "$T/r0.b")"

# A customer too, so that the person stays in a register the staff's role sees after the
# unsubscribe takes them out of the marketing register (what a role sees: docs/ARCHITECTURE.md).
R person add --person "$PID" --register customer --purpose customer_relationship \
    --source contract --name "Kuitin Saaja" >/dev/null || bad "customer"
$C -o /dev/null -X POST -d "List-Unsubscribe=One-Click" "$UNSUB"
# Staff record a new consent by phone: an event by the controller's named staff.
R --actor anna consent give "$PID" --purpose sales_promotion --channel phone >/dev/null 2>&1 \
    || R consent give "$PID" --purpose sales_promotion --channel phone --actor anna >/dev/null \
    || bad "staff consent"

# ---- the CLI's JSON: the events in order ----
R consent record "$PID" --purpose sales_promotion --format json --public-url "$U/" >"$T/cli.json"
[ $? = 0 ] && ok || bad "consent record failed"
jq -e --arg pid "$PID" '
    .conforms_to == "ISO/IEC TS 27560:2023" and .pii_principal_id == $pid
    and .record_id == ($pid + "/sales_promotion") and .consent.state == "given"
    and ([.events[].event_state] == ["requested", "given", "withdrawn", "given"])
    and ([.events[].ledger_event] == ["given", "confirmed", "withdrawn", "given"])
    and ([.events[].collection_method] == ["web_form", "web_form", "unsubscribe_link", "phone"])
    and ([.events[].entity_role] == ["pii_principal", "pii_principal", "pii_principal", "controller"])
    and .events[0].form_id == "newsletter" and .events[0].pending == true
    and .events[3].agent == "anna"
    and ([.events[].event_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")] | all)
    and ([.events[].event_time] == ([.events[].event_time] | sort))
    and ([.events[].event_id] == ([.events[].event_id] | sort))
    and ([.events[].privacy_notice.version] | unique) == [.processing.privacy_notice.version]
    and ([.events[].privacy_notice.sha256 | test("^[0-9a-f]{64}$")] | all)
    and .events[1].valid_until != null
    and .processing.privacy_notice.url == "'"$U"'/privacy"
    and .processing.purposes[0].lawful_basis.article == "6(1)(a)"' "$T/cli.json" >/dev/null \
    && ok || bad "CLI record: $(cat "$T/cli.json")"
# No personal data but the id: not the address, the name, the IP or the user agent.
grep -q 'kuitti@example.fi\|Kuitin Saaja\|"ip"\|curl/' "$T/cli.json" \
    && bad "the record holds personal data" || ok
# Text is the default.
R consent record "$PID" --purpose sales_promotion >"$T/cli.txt" && grep -q "^Tapahtumat:" "$T/cli.txt" \
    && grep -q "peruttu; tapa: unsubscribe_link; kuka: rekisteröity itse" "$T/cli.txt" && ok \
    || bad "text record: $(cat "$T/cli.txt")"

# ---- the staff API: the same document ----
api a1 "/api/v1/persons/$PID/consents/sales_promotion/record"
[ "$(status a1)" = 200 ] && ok || bad "API record: $(status a1) $(cat "$T/a1.b")"
jq -S 'del(.issued)' "$T/cli.json" >"$T/cli.n"
jq -S 'del(.issued)' "$T/a1.b" >"$T/a1.n"
cmp -s "$T/cli.n" "$T/a1.n" && ok || bad "API and CLI differ: $(diff "$T/cli.n" "$T/a1.n" | head -20)"
api a2 "/api/v1/persons/$PID/consents/sales_promotion/record?lang=en"
jq -e '.language == "en" and (.processing.purposes[0].purpose | test("sales promotion"))' \
    "$T/a2.b" >/dev/null && ok || bad "API record in English"

# ---- the person's receipt ----
$C -D "$T/r1.h" -o "$T/r1.b" "$RECEIPT"
[ "$(status r1)" = 200 ] && ok || bad "receipt: $(status r1) $(cat "$T/r1.b")"
header r1 Content-Type | grep -q "^application/json" && ok || bad "receipt type: $(header r1 Content-Type)"
header r1 Content-Disposition | grep -q '^attachment; filename="consent-record-sales_promotion.json"' \
    && ok || bad "receipt disposition: $(header r1 Content-Disposition)"
header r1 Cache-Control | grep -q "no-store" && ok || bad "receipt cached: $(header r1 Cache-Control)"
# The same record, without the staff member's name.
jq -S 'del(.issued)' "$T/r1.b" >"$T/r1.n"
jq -S 'del(.issued) | del(.events[].agent)' "$T/a1.b" >"$T/a1.na"
cmp -s "$T/r1.n" "$T/a1.na" && ok || bad "receipt differs: $(diff "$T/r1.n" "$T/a1.na" | head -20)"
grep -q '"anna"' "$T/r1.b" && bad "the receipt names staff" || ok
# A tampered token, another kind of link, nonsense.
TOKEN=${RECEIPT#"$U/receipt/"}
TOKEN=${TOKEN%%\?*}
case $TOKEN in *A) BAD=${TOKEN%?}B ;; *) BAD=${TOKEN%?}A ;; esac
$C -D "$T/r2.h" -o "$T/r2.b" "$U/receipt/$BAD"
[ "$(status r2)" = 404 ] && jq -e '.error.code == "not_found"' "$T/r2.b" >/dev/null && ok \
    || bad "tampered receipt token: $(status r2)"
UTOK=${UNSUB#"$U/u/"}
$C -D "$T/r3.h" -o "$T/r3.b" "$U/receipt/$UTOK"
[ "$(status r3)" = 404 ] && ok || bad "an unsubscribe token as a receipt: $(status r3)"
$C -D "$T/r4.h" -o "$T/r4.b" "$U/receipt/nonsense"
[ "$(status r4)" = 404 ] && ok || bad "nonsense receipt token: $(status r4)"

# `rekisteri link receipt` makes the same kind of link, for a person told of it otherwise.
RPATH=$(R link receipt "$PID" --purpose sales_promotion --days 30)
$C -D "$T/r6.h" -o "$T/r6.b" "$U$RPATH?lang=fi"
[ "$(status r6)" = 200 ] && jq -S 'del(.issued)' "$T/r6.b" | cmp -s - "$T/r1.n" && ok \
    || bad "link receipt: $RPATH $(status r6)"
R link receipt "$PID" --purpose customer_relationship >/dev/null 2>&1
[ $? = 2 ] && ok || bad "link receipt for a purpose not on consent"

# ---- refusals ----
OTHER=$(R person add --register customer --purpose customer_relationship --source contract \
    --name "Ilman Suostumusta" --email ilman@example.fi 2>/dev/null)
R consent record "$PID" --purpose nosuch >/dev/null 2>"$T/e1"
[ $? = 2 ] && grep -q "purpose 'nosuch' is not declared" "$T/e1" && ok || bad "undeclared purpose: $(cat "$T/e1")"
R consent record "$PID" --purpose customer_relationship >/dev/null 2>"$T/e2"
[ $? = 2 ] && grep -q "not on consent" "$T/e2" && ok || bad "contract purpose: $(cat "$T/e2")"
R consent record aaaaaaaaaaaaaaaaaaaaaaaaaa --purpose sales_promotion >/dev/null 2>"$T/e3"
[ $? = 2 ] && grep -q "no person with that id" "$T/e3" && ok || bad "unknown person: $(cat "$T/e3")"
R consent record "$OTHER" --purpose sales_promotion >/dev/null 2>"$T/e4"
[ $? = 1 ] && grep -q "no consent for purpose 'sales_promotion'" "$T/e4" && ok \
    || bad "no consent: $(cat "$T/e4")"
R consent record "$PID" >/dev/null 2>"$T/e5"
[ $? = 2 ] && ok || bad "no --purpose"
for p in "aaaaaaaaaaaaaaaaaaaaaaaaaa/consents/sales_promotion" "$PID/consents/nosuch" \
    "$PID/consents/customer_relationship" "$OTHER/consents/sales_promotion"; do
    api a3 "/api/v1/persons/$p/record"
    [ "$(status a3)" = 404 ] && jq -e '.error.code == "not_found"' "$T/a3.b" >/dev/null && ok \
        || bad "API $p: $(status a3) $(cat "$T/a3.b")"
done
$C -D "$T/a4.h" -o "$T/a4.b" "$U/api/v1/persons/$PID/consents/sales_promotion/record"
[ "$(status a4)" = 401 ] && ok || bad "API without a token: $(status a4)"
# The sales role sees the person (a customer) but no register of theirs declares the purpose.
$C -D "$T/a5.h" -o "$T/a5.b" -H "Authorization: Bearer $SALES" \
    "$U/api/v1/persons/$PID/consents/sales_promotion/record"
[ "$(status a5)" = 403 ] && jq -e '.error.code == "forbidden"' "$T/a5.b" >/dev/null && ok \
    || bad "API for a purpose the role is not granted: $(status a5) $(cat "$T/a5.b")"

# ---- the reads are audited (the API's through the writer, not awaited) ----
for _ in $(seq 50); do
    [ "$(R audit list --person "$PID" --format json | jq '[.[] | select(.action == "consent.read")] | length')" -ge 3 ] && break
    sleep 0.1
done
R audit list --person "$PID" --format json | jq -e '[.[] | select(.action == "consent.read")] | length >= 3' \
    >/dev/null && ok || bad "reads not audited: $(R audit list --person "$PID" --format json)"

# ---- an expired receipt link: 410, saying so ----
rk_stop "$pid"
REKISTERI_NOW=2031-01-01T00:00:00Z rk_serve "$T/out2" "$T/err2" --public-rate 0
$C -D "$T/r5.h" -o "$T/r5.b" "$U/receipt/$TOKEN"
[ "$(status r5)" = 410 ] && jq -e '.error.code == "expired"' "$T/r5.b" >/dev/null && ok \
    || bad "expired receipt link: $(status r5) $(cat "$T/r5.b")"

rk_finish consent_record
