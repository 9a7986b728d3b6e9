#!/bin/sh
# serve_forms.sh — the newcomer's path end to end, over loopback, with the
# email read from a real SMTP server (tests/tools/smtp_sink.c): the form page,
# a submission (pending consent with IP and user agent, nothing in the
# audience), the confirmation email, a GET of the link that changes nothing,
# the POST that makes the consent live, the welcome email with RFC 8058
# headers, one-click unsubscribe through them, and the preferences page
# switching a purpose off and on. Then every refusal of a submission: bad
# or missing values, no consent, unknown fields, wrong media type, foreign
# origins (and CORS for the declared one), suppressed addresses answered
# alike with no mail, tampered links. Issue 13 A: the page in the declaration's
# branding (name, accent in the served brand stylesheet, logo and the company's
# CSS from files beside a copy of the declaration, footer links), labels written
# for people and the interests as checkboxes (validated), errors as sentences in
# the page's language without field ids, the mail's From and Reply-To from the
# declaration, /preferences emailing the link (the same answer for an unknown
# address, no mail), expired links answered 410 with the way to start again, and
# the unsubscribed page linking to the form instead of a button. Issue 18: 40
# submissions at once (connections suspended while their group commits) all
# answered and committed, and a stop with posts in flight exiting cleanly.
# CTest sets REKISTERI, RK_SOURCE_DIR and SMTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
# The example with a logo and a stylesheet of the company's own beside it.
sed -e 's|^  accent: "#5b2a86"|  accent: "#5b2a86"\
  logo: brand/logo.svg\
  stylesheet: brand/own.css|' "$RK_SOURCE_DIR/examples/smartum/declaration.yaml" >"$T/decl.yaml"
mkdir "$T/brand"
printf '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><circle cx="20" cy="20" r="18" fill="#5b2a86"/></svg>\n' >"$T/brand/logo.svg"
printf 'h1 { letter-spacing: 0.01em; } /* own-css-marker */\n' >"$T/brand/own.css"
export REKISTERI_DECLARATION="$T/decl.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }
in_audience() { R audience --purpose sales_promotion | grep -qi "$1"; }

rk_sink smtp "$T/mail"
SINK=$PORT
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
rk_serve "$T/out" "$T/err" --smtp "smtp://127.0.0.1:$SINK" --public-rate 0

# wait_mail N: until the sink holds N messages (10 s at most).
wait_mail() {
    for _ in $(seq 100); do
        [ "$(find "$T/mail" -name '*.eml' | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# body_of FILE: the quoted-printable body decoded enough for URLs (soft breaks, =3D).
body_of() { tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g'; }
mail_n() { printf '%s/%04d.eml' "$T/mail" "$1"; }

# ---- the form page ----
$C -D "$T/f1.h" -o "$T/f1.b" "$U/forms/newsletter?lang=fi"
[ "$(status f1)" = 200 ] && grep -q 'name="email"' "$T/f1.b" && grep -q 'name="consent"' "$T/f1.b" \
    && grep -q "Annan Smartum Oy:lle luvan" "$T/f1.b" && ok || bad "form page: $(status f1)"
if command -v tidy >/dev/null; then
    tidy -q -e "$T/f1.b" 2>"$T/tidy" && ok || bad "form page is not valid HTML: $(cat "$T/tidy")"
fi
$C -D "$T/f2.h" -o "$T/f2.b" "$U/forms/nosuch"
[ "$(status f2)" = 404 ] && ok || bad "unknown form page: $(status f2)"
# Labels for people, not the legal category names; the interests as checkboxes.
grep -q "Mistä aiheista haluat kuulla?" "$T/f1.b" && ! grep -q "Rekisteröidyn antamat" "$T/f1.b" \
    && [ "$(grep -c 'type="checkbox" id="f-interests[^"]*" name="interests"' "$T/f1.b")" -ge 3 ] \
    && grep -q 'value="lunch"' "$T/f1.b" && ok || bad "labels and checkboxes: $(cat "$T/f1.b")"
# The branding: the name in the header, the brand stylesheet after public.css with the accent
# and the company's CSS, the logo, the company's links in the footer.
grep -q '<p class="brand"><img src="/brand/logo\.[0-9a-f]*\.svg" alt="" height="40"> Smartum</p>' "$T/f1.b" \
    && grep -q 'href="https://www.smartum.fi"' "$T/f1.b" && grep -q 'href="/preferences?lang=fi"' "$T/f1.b" \
    && ok || bad "branding on the form page"
CSS=$(grep -o '/brand/brand\.[0-9a-f]*\.css' "$T/f1.b" | head -n 1)
LOGO=$(grep -o '/brand/logo\.[0-9a-f]*\.svg' "$T/f1.b" | head -n 1)
grep -o 'href="[^"]*\.css"' "$T/f1.b" | tail -n 1 | grep -q "$CSS" && ok || bad "brand css not last"
$C -D "$T/b1.h" -o "$T/b1.b" "$U$CSS"
[ "$(status b1)" = 200 ] && grep -qi "^Content-Type: text/css" "$T/b1.h" \
    && grep -q -- "--accent: #5b2a86" "$T/b1.b" && grep -q "own-css-marker" "$T/b1.b" \
    && grep -qi "^Cache-Control: public, max-age=31536000, immutable" "$T/b1.h" && ok \
    || bad "brand stylesheet: $(status b1) $(cat "$T/b1.b")"
$C -D "$T/b2.h" -o "$T/b2.b" "$U$LOGO"
[ "$(status b2)" = 200 ] && grep -qi "^Content-Type: image/svg+xml" "$T/b2.h" && grep -q "<circle" "$T/b2.b" \
    && ok || bad "logo: $(status b2)"
$C -D "$T/b3.h" -o /dev/null "$U/brand/brand.000000000000.css"
[ "$(status b3)" = 404 ] && ok || bad "unknown brand asset: $(status b3)"
# The notice is dressed alike: the header, the brand stylesheet, the footer.
$C -o "$T/n1.b" "$U/privacy?lang=fi"
grep -q '<p class="brand">' "$T/n1.b" && grep -q "$CSS" "$T/n1.b" && grep -q '<footer>' "$T/n1.b" \
    && grep -q 'href="/preferences?lang=fi"' "$T/n1.b" && ok || bad "the notice is not branded"

# ---- submit (urlencoded, as a browser does) ----
$C -D "$T/s1.h" -o "$T/s1.b" -A "Testiselain/1.0" \
    --data-urlencode "email=Uusi.Tilaaja@Example.FI" --data-urlencode "name=Uusi Tilaaja" \
    -d interests=wellbeing -d interests=lunch -d consent=yes -d lang=fi "$U/forms/newsletter"
[ "$(status s1)" = 200 ] && grep -q "Tarkista sähköpostisi" "$T/s1.b" && ok \
    || bad "submission: $(status s1) $(cat "$T/s1.b")"
in_audience "uusi.tilaaja@example.fi" && bad "in the audience before confirming" || ok
wait_mail 1 && ok || bad "no confirmation email"
M1=$(mail_n 1)
grep -q "^To: Uusi.Tilaaja@example.fi" "$M1" && grep -q "^Subject: Vahvista tilauksesi: Uutiskirjeen tilaus" "$M1" \
    && grep -q "^From: uutiskirje@smartum.fi" "$M1" && grep -q "^Reply-To: asiakaspalvelu@smartum.fi" "$M1" && ok \
    || bad "confirmation headers: $(head -12 "$M1")"
grep -q "^List-Unsubscribe" "$M1" && bad "the confirmation request is not marketing" || ok
LINK=$(body_of "$M1" | grep -o "$U/confirm/[A-Za-z0-9_-]*" | head -n 1)
[ -n "$LINK" ] && ok || bad "no confirmation link in: $(body_of "$M1")"
PID=$(R audit list --format json | jq -r '[.[] | select(.action == "consent.given")][0].person')
R consent list "$PID" --format json >"$T/c1.json"
jq -e 'length == 1 and .[0].event == "given" and .[0].pending == true and
       .[0].form_id == "newsletter" and .[0].ip == "127.0.0.1" and
       .[0].user_agent == "Testiselain/1.0" and (.[0].evidence | test("Annan Smartum"))' \
    "$T/c1.json" >/dev/null && ok || bad "pending consent evidence: $(cat "$T/c1.json")"

# ---- the link: GET shows a button and confirms nothing; POST confirms ----
$C -D "$T/g1.h" -o "$T/g1.b" "$LINK?lang=fi"
[ "$(status g1)" = 200 ] && grep -q '<form method="post">' "$T/g1.b" && ok || bad "confirm page"
in_audience "uusi.tilaaja@example.fi" && bad "a GET confirmed (link scanners would)" || ok
$C -D "$T/p1.h" -o "$T/p1.b" -X POST "$LINK?lang=fi"
[ "$(status p1)" = 200 ] && grep -q "vahvistettu" "$T/p1.b" && ok || bad "confirm: $(status p1)"
in_audience "uusi.tilaaja@example.fi" && ok || bad "not in the audience after confirming"
R person show "$PID" --format json | jq -e '.registers[0].register == "marketing" and
    .registers[0].values.name.value == "Uusi Tilaaja" and
    .registers[0].values.interests.value == "lunch, wellbeing"' >/dev/null && ok \
    || bad "values not written: $(R person show "$PID" --format json)"
$C -D "$T/p2.h" -o "$T/p2.b" -X POST "$LINK"
[ "$(status p2)" = 200 ] && grep -qi "already confirmed\|oli jo vahvistettu" "$T/p2.b" && ok \
    || bad "second confirm: $(status p2)"
case $LINK in *A) TAMPERED=${LINK%?}B ;; *) TAMPERED=${LINK%?}A ;; esac
$C -D "$T/p3.h" -o "$T/p3.b" -X POST "$TAMPERED"
[ "$(status p3)" = 404 ] && ok || bad "tampered confirm link: $(status p3)"

# ---- the welcome email: RFC 8058 one-click ----
wait_mail 2 && ok || bad "no welcome email"
M2=$(mail_n 2)
UNSUB=$(tr -d '\r' <"$M2" | sed -n 's/^List-Unsubscribe: <\(.*\)>$/\1/p')
grep -q "^List-Unsubscribe-Post: List-Unsubscribe=One-Click" "$M2" && [ -n "$UNSUB" ] && ok \
    || bad "welcome email headers: $(head -14 "$M2")"
PREFS=$(body_of "$M2" | grep -o "$U/preferences/[A-Za-z0-9_-]*" | head -n 1)
[ -n "$PREFS" ] && ok || bad "no preferences link"
$C -D "$T/pr1.h" -o "$T/pr1.b" "$PREFS?lang=en"
[ "$(status pr1)" = 200 ] && grep -q "Your consent is on" "$T/pr1.b" && ok || bad "preferences page"
$C -D "$T/u1.h" -o "$T/u1.b" -d "List-Unsubscribe=One-Click" "$UNSUB?lang=fi"
[ "$(status u1)" = 200 ] && ok || bad "one-click: $(status u1)"
# No dead end: a link to subscribe again through the form, not a button.
grep -q 'href="/forms/newsletter?lang=fi"' "$T/u1.b" && ! grep -q "<button" "$T/u1.b" && ok \
    || bad "unsubscribed page: $(cat "$T/u1.b")"
in_audience "uusi.tilaaja@example.fi" && bad "still in the audience after one-click" || ok
$C -D "$T/pr2.h" -o "$T/pr2.b" "$PREFS?lang=en"
grep -q "Your consent is off" "$T/pr2.b" && ok || bad "preferences after unsubscribe"
# Their marketing values went with the consent: switching on asks for the form.
$C -D "$T/pr3.h" -o "$T/pr3.b" -d purpose=sales_promotion -d consent=on "$PREFS?lang=en"
[ "$(status pr3)" = 200 ] && grep -q "no longer hold your contact details" "$T/pr3.b" && ok \
    || bad "switching on without data: $(cat "$T/pr3.b")"

# ---- a customer subscribes: the same person; preferences off and on ----
CUST=$(R person add --register customer --purpose customer_relationship --source meeting \
    --name "Asiakas Anna" --email anna@example.fi)
$C -o /dev/null -H "Content-Type: application/json" -H "Accept: application/json" \
    -d '{"email":"anna@example.fi","consent":true,"lang":"en"}' "$U/forms/newsletter"
wait_mail 3 && ok || bad "no email for the customer"
L3=$(body_of "$(mail_n 3)" | grep -o "$U/confirm/[A-Za-z0-9_-]*" | head -n 1)
$C -o /dev/null -X POST "$L3"
R person show "$CUST" --format json | jq -e '[.registers[].register] | sort == ["customer","marketing"]' \
    >/dev/null && ok || bad "the customer was not reused: $(R person show "$CUST" --format json)"
wait_mail 4
P4=$(body_of "$(mail_n 4)" | grep -o "$U/preferences/[A-Za-z0-9_-]*" | head -n 1)
$C -o "$T/pr4.b" -d purpose=sales_promotion -d consent=off "$P4"
in_audience anna@example.fi && bad "preferences off left her in the audience" || ok
$C -o "$T/pr5.b" -d purpose=sales_promotion -d consent=on "$P4"
grep -q "Suostumuksesi on tallennettu" "$T/pr5.b" && in_audience anna@example.fi && ok \
    || bad "preferences on: $(cat "$T/pr5.b")"
R consent list "$CUST" --format json | jq -e 'last.channel == "preferences" and last.event == "given"' \
    >/dev/null && ok || bad "preferences consent not in the ledger"
$C -D "$T/pr6.h" -o /dev/null -d purpose=nosuch -d consent=on "$P4"
[ "$(status pr6)" = 400 ] && ok || bad "unknown purpose: $(status pr6)"

# The operator's command gives the same page.
PL=$(R link preferences "$CUST")
$C -D "$T/pr7.h" -o "$T/pr7.b" "$U$PL?lang=en"
[ "$(status pr7)" = 200 ] && grep -q "Your consent is on" "$T/pr7.b" && ok || bad "link preferences"
R link preferences "$CUST" --purpose sales_promotion >/dev/null 2>&1
[ $? = 2 ] && ok || bad "link preferences --purpose accepted"
UL=$(R link unsubscribe "$CUST" --purpose sales_promotion)
$C -D "$T/pr8.h" -o /dev/null -X POST -d "purpose=sales_promotion&consent=off" "$U/preferences/${UL#/u/}"
[ "$(status pr8)" = 404 ] && ok || bad "an unsubscribe token opened the preferences: $(status pr8)"

# ---- /preferences: the link by email, the same answer for an unknown address ----
$C -D "$T/ps1.h" -o "$T/ps1.b" "$U/preferences?lang=fi"
[ "$(status ps1)" = 200 ] && grep -q 'name="email"' "$T/ps1.b" && ok || bad "preferences start page"
# A customer never mailed before (the mail limit would hold back a second mail within 10 min).
R person add --register customer --purpose customer_relationship --source meeting \
    --name "Bertta Asiakas" --email bertta@example.fi >/dev/null
n0=$(find "$T/mail" -name '*.eml' | wc -l)
$C -D "$T/ps2.h" -o "$T/ps2.b" --data-urlencode "email=bertta@example.fi" -d lang=fi "$U/preferences"
wait_mail $((n0 + 1)) && ok || bad "no preferences link mailed"
PM=$(mail_n $((n0 + 1)))
grep -q "^Subject: Linkki tilauksiisi ja valintoihisi" "$PM" && body_of "$PM" | grep -q "$U/preferences/[A-Za-z0-9_-]*?lang=fi" \
    && ok || bad "preferences link mail: $(body_of "$PM")"
PS=$(body_of "$PM" | grep -o "$U/preferences/[A-Za-z0-9_-]*" | head -n 1)
$C -o "$T/ps3.b" "$PS?lang=en"
grep -q "Your consent is off" "$T/ps3.b" && ok || bad "the mailed link: $(cat "$T/ps3.b")"
$C -D "$T/ps4.h" -o "$T/ps4.b" --data-urlencode "email=ei.ketaan@example.fi" -d lang=fi "$U/preferences"
sed 's/"[^"]*"//g' "$T/ps2.b" >"$T/ps2.n"; sed 's/"[^"]*"//g' "$T/ps4.b" >"$T/ps4.n"
[ "$(status ps4)" = "$(status ps2)" ] && cmp -s "$T/ps2.n" "$T/ps4.n" && ok \
    || bad "an unknown address is answered differently"
sleep 0.5
[ "$(find "$T/mail" -name '*.eml' | wc -l)" = $((n0 + 1)) ] && ok || bad "mail sent to an unknown address"
# A second ask within the mail limit's interval: the same page, no mail, counted as withheld.
$C -D "$T/ps2b.h" -o "$T/ps2b.b" --data-urlencode "email=bertta@example.fi" -d lang=fi "$U/preferences"
sed 's/"[^"]*"//g' "$T/ps2b.b" >"$T/ps2b.n"
[ "$(status ps2b)" = "$(status ps2)" ] && cmp -s "$T/ps2.n" "$T/ps2b.n" && ok \
    || bad "a withheld preferences link is answered differently"
$C -o "$T/metrics" "$U/metrics"
grep -q '^rekisteri_mail_withheld_total{kind="preferences_link"} 1$' "$T/metrics" && ok \
    || bad "withheld preferences link not counted: $(grep withheld "$T/metrics")"
sleep 0.5
[ "$(find "$T/mail" -name '*.eml' | wc -l)" = $((n0 + 1)) ] && ok || bad "a second preferences link went within the interval"
$C -D "$T/ps5.h" -o "$T/ps5.b" --data-urlencode "email=anna(at)example.fi" -d lang=fi "$U/preferences"
[ "$(status ps5)" = 422 ] && grep -q "Sähköpostiosoite ei sisällä @-merkkiä." "$T/ps5.b" \
    && grep -q "<title>Virhe: " "$T/ps5.b" && ok || bad "preferences bad email: $(status ps5) $(cat "$T/ps5.b")"
# An expired link says so (410) and offers a new one.
OLDP=$(REKISTERI_NOW=2020-01-01T00:00:00Z R link preferences "$CUST" --days 1)
$C -D "$T/ps6.h" -o "$T/ps6.b" "$U$OLDP?lang=fi"
[ "$(status ps6)" = 410 ] && grep -q "vanhentunut" "$T/ps6.b" && grep -q 'href="/preferences?lang=fi"' "$T/ps6.b" \
    && ok || bad "expired preferences link: $(status ps6)"
$C -D "$T/ps7.h" -o "$T/ps7.b" "$U/confirm/nonsense?lang=en"
[ "$(status ps7)" = 404 ] && grep -q 'href="/forms/newsletter?lang=en"' "$T/ps7.b" && ok \
    || bad "bad confirm link: $(status ps7)"

# ---- refusals, as people see them: sentences in the page's language, no field ids ----
$C -D "$T/e1.h" -o "$T/e1.b" --data-urlencode "email=uusi(at)example.fi" -d consent=yes -d lang=fi \
    "$U/forms/newsletter"
[ "$(status e1)" = 422 ] && grep -q "Sähköpostiosoite ei sisällä @-merkkiä." "$T/e1.b" \
    && ! grep -q "email:" "$T/e1.b" && grep -q '<a href="#f-email">' "$T/e1.b" \
    && grep -q 'value="uusi(at)example.fi"' "$T/e1.b" && ok || bad "Finnish error: $(cat "$T/e1.b")"
$C -D "$T/e2.h" -o "$T/e2.b" --data-urlencode "email=uusi@example.fi" -d lang=en "$U/forms/newsletter"
[ "$(status e2)" = 422 ] && grep -q "Tick the consent box" "$T/e2.b" && ok || bad "no consent, English"
$C -D "$T/e3.h" -o "$T/e3.b" --data-urlencode "email=uusi@example.fi" -d interests=golf \
    -d consent=yes -d lang=fi "$U/forms/newsletter"
[ "$(status e3)" = 422 ] && grep -q "Valitse kohdan ”Mistä aiheista haluat kuulla?” vaihtoehdoista." "$T/e3.b" \
    && ok || bad "undeclared choice: $(status e3) $(cat "$T/e3.b")"
$C -D "$T/e4.h" -o "$T/e4.b" -d type=access -d lang=fi "$U/requests"
[ "$(status e4)" = 422 ] && grep -q "Kirjoita sähköpostiosoitteesi, jotta voimme vastata sinulle." "$T/e4.b" \
    && ok || bad "request without email: $(cat "$T/e4.b")"

# ---- refusals ----
post() { # post NAME CONTENT-TYPE BODY [curl options]
    n=$1 ct=$2 body=$3
    shift 3
    $C -D "$T/$n.h" -o "$T/$n.b" -H "Content-Type: $ct" -H "Accept: application/json" \
        --data-binary "$body" "$@" "$U/forms/newsletter"
}
code() { jq -r '.error.code' "$T/$1.b"; }
msg() { jq -r '.error.message' "$T/$1.b"; }
post r1 application/json '{"email":"a@example.fi"}'
[ "$(status r1)" = 422 ] && msg r1 | grep -q "^consent:" && ok || bad "no consent: $(status r1)"
post r2 application/json '{"email":"not an email","consent":"yes"}'
[ "$(status r2)" = 422 ] && msg r2 | grep -q "^email:" && ! grep -q "not an email" "$T/r2.b" && ok \
    || bad "bad email: $(cat "$T/r2.b")"
post r3 application/json '{"name":"X","consent":"yes"}'
[ "$(status r3)" = 422 ] && msg r3 | grep -q "email: required" && ok || bad "no email: $(cat "$T/r3.b")"
post r4 application/json '{"email":"a@example.fi","consent":"yes","shoe_size":"42"}'
[ "$(status r4)" = 400 ] && msg r4 | grep -q "unknown field 'shoe_size'" && ok || bad "unknown field"
post r5 application/json '{"email":'
[ "$(status r5)" = 400 ] && [ "$(code r5)" = bad_request ] && ok || bad "malformed JSON: $(status r5)"
post r6 application/x-www-form-urlencoded 'email=%zz&consent=yes'
[ "$(status r6)" = 400 ] && msg r6 | grep -q "hex digits" && ok || bad "bad escape: $(cat "$T/r6.b")"
post r7 text/plain 'email=a@example.fi'
[ "$(status r7)" = 415 ] && ok || bad "text/plain: $(status r7)"
post r8 application/json '{"email":["a"],"consent":"yes"}'
[ "$(status r8)" = 400 ] && ok || bad "non-string value: $(status r8)"
post r9 application/x-www-form-urlencoded 'email=a%40example.fi&consent=yes' -H "Origin: https://evil.example"
[ "$(status r9)" = 403 ] && ok || bad "foreign origin: $(status r9)"
post r10 application/x-www-form-urlencoded 'email=cors%40example.fi&consent=yes' \
    -H "Origin: https://www.smartum.fi"
[ "$(status r10)" = 202 ] && grep -qi "^Access-Control-Allow-Origin: https://www.smartum.fi" "$T/r10.h" \
    && ok || bad "declared origin: $(status r10) $(cat "$T/r10.h")"
$C -D "$T/o1.h" -o /dev/null -X OPTIONS -H "Origin: https://www.smartum.fi" \
    -H "Access-Control-Request-Method: POST" "$U/forms/newsletter"
[ "$(status o1)" = 204 ] && grep -qi "^Access-Control-Allow-Methods: POST" "$T/o1.h" && ok \
    || bad "preflight: $(status o1)"
$C -D "$T/o2.h" -o /dev/null -X OPTIONS -H "Origin: https://evil.example" "$U/forms/newsletter"
[ "$(status o2)" = 403 ] && ! grep -qi "^Access-Control-Allow-Origin" "$T/o2.h" && ok \
    || bad "preflight from a foreign origin: $(status o2)"
$C -D "$T/r11.h" -o /dev/null -H "Content-Type: application/json" -d '{}' "$U/forms/nosuch"
[ "$(status r11)" = 404 ] && ok || bad "unknown form: $(status r11)"

# ---- a suppressed address: the same answer, no mail, nothing recorded ----
R suppress add --email kielto@example.fi >/dev/null
before=$(R outbox list --format json | jq '.queued + .sent')
post r12 application/json '{"email":"kielto@example.fi","consent":"yes"}'
[ "$(status r12)" = 202 ] && [ "$(jq -r .status "$T/r12.b")" = confirmation_sent ] && ok \
    || bad "suppressed answer differs: $(status r12)"
after=$(R outbox list --format json | jq '.queued + .sent')
[ "$before" = "$after" ] && ok || bad "mail queued for a suppressed address"

# ---- the server never logged personal data; the audit chain holds ----
grep -q "example.fi\|Tilaaja\|$LINK" "$T/err" && bad "personal data in the log" || ok
R audit verify >/dev/null && ok || bad "audit chain"
R audit list --person "$PID" --format json | jq -e '[.[].action] | index("consent.confirmed") != null
    and index("person.add") != null' >/dev/null && ok || bad "confirmation not audited"
$C -o "$T/metrics" "$U/metrics"
grep -q '^rekisteri_consents_given_total [1-9]' "$T/metrics" && ok || bad "metrics"

# ---- many submissions at once (issue 18): each connection suspended while its group commits ----
# 40 posts in parallel, each answered 202 and each committed (40 more signups, seen by the
# census after the answers); then a stop while posts are in flight: every suspended connection
# is answered or closed, and the server exits 0 (libmicrohttpd refuses to stop with one left).
s0=$(rk_census signups)
seq 40 | xargs -P 40 -I{} sh -c "$C -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d '{\"email\":\"many{}@example.fi\",\"consent\":true}' '$U/forms/newsletter'" >"$T/many.codes"
[ "$(grep -c '^202$' "$T/many.codes")" = 40 ] && ok || bad "parallel posts: $(sort "$T/many.codes" | uniq -c)"
[ "$(rk_census signups)" = $((s0 + 40)) ] && ok || bad "parallel posts committed: $s0 -> $(rk_census signups)"
seq 200 | xargs -P 40 -I{} sh -c "$C -o /dev/null -H 'Content-Type: application/json' \
    -d '{\"email\":\"late{}@example.fi\",\"consent\":true}' '$U/forms/newsletter'" &
flood=$!
sleep 0.3
rk_stop "$pid" && ok || bad "stop with posts in flight: exit $?"
wait "$flood"
grep -q 'suspended connections' "$T/err" && bad "libmicrohttpd: $(grep 'suspended' "$T/err")" || ok
R audit verify >/dev/null && ok || bad "audit chain after the stop"

rk_finish
