#!/bin/sh
# first_contact.sh — the text for the first message to a person whose data came from a
# public source or another controller (art 14(3), 21(4)), from the real binary: `rekisteri
# notice --first-contact` for the corrected example in both languages and formats (the source
# by name, its categories, the legitimate interest, and after everything else, under a heading
# of its own, the right to object to direct marketing), --notice-url, --source 1 the same as
# the default with one such source; --source out of range, a bad --source, --format html, a
# --notice-url that is no http(s) address and a declaration without such a source refused
# with status 2 and a message, nothing on stdout.
# Then GET /api/v1/declaration/first-contact over loopback with a staff token: 200 Markdown
# equal to the CLI's, 400 for a bad lang or source, 401 without a token, 404 when the running
# declaration has no such source.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_PUBLIC_URL
CORRECTED="$RK_SOURCE_DIR/examples/smartum/corrected.yaml"
# The same declaration without its public source: every person gave their data themself.
awk '/^  - kind: public_source/ {skip = 1; next} skip && /^[^ ]/ {skip = 0} !skip' \
    "$CORRECTED" >"$T/direct.yaml"

# ---- The CLI ----------------------------------------------------------------------------

R notice --first-contact "$CORRECTED" >fi.md 2>fi.err && ok || bad "fi md: $(cat fi.err)"
grep -q '^\*\*Tietoa henkilötietojesi käsittelystä\*\*$' fi.md && ok || bad "fi: no title"
grep -q 'lähteestä: kuntien verkkosivut (julkisesti saatavilla oleva lähde) – saadut tiedot: Henkilön nimi, Asema' fi.md \
    && ok || bad "fi: the source and its categories"
grep -q 'Oikeutettu etumme: Palvelujemme tarjoaminen' fi.md && ok || bad "fi: the interest"
# The objection: a heading of its own, after the rights and the complaint, then the words.
h=$(grep -n '^\*\*Oikeutesi vastustaa\*\*$' fi.md | cut -d: -f1)
c=$(grep -n 'valvontaviranomaiselle' fi.md | cut -d: -f1)
m=$(grep -n 'maksutta vastustaa henkilötietojesi käsittelyä suoramarkkinointia varten' fi.md | cut -d: -f1)
[ -n "$h" ] && [ -n "$c" ] && [ -n "$m" ] && [ "$c" -lt "$h" ] && [ "$h" -lt "$m" ] && ok \
    || bad "fi: the objection is not apart, after the rest (heading $h, complaint $c, words $m)"
grep -q 'Saat koko tietosuojaselosteemme pyytämällä sitä meiltä.' fi.md && ok \
    || bad "fi: without --notice-url the notice can be asked for"

R notice --first-contact --lang en --format text --notice-url https://smartum.fi/privacy \
    "$CORRECTED" >en.txt 2>en.err && ok || bad "en text: $(cat en.err)"
grep -q "^Your right to object$" en.txt && ok || bad "en: no heading of its own"
grep -q "municipalities' web pages (a publicly available source)" en.txt && ok || bad "en: source"
grep -q 'Our full privacy notice is at https://smartum.fi/privacy.' en.txt && ok || bad "en: url"
grep -q 'free of charge to the processing of your personal data for direct marketing' en.txt \
    && ok || bad "en: the direct-marketing objection"
grep -q '\*\*' en.txt && bad "en text: Markdown in plain text" || ok

R notice --first-contact --source 1 "$CORRECTED" >one.md 2>&1
cmp -s fi.md one.md && ok || bad "--source 1 differs from the one text"
R notice --first-contact "$CORRECTED" >again.md
cmp -s fi.md again.md && ok || bad "two runs differ"

# refused NAME WORD ARGS...: status 2, nothing on stdout, WORD in the message.
refused() {
    _n=$1 _w=$2
    shift 2
    R notice "$@" >"$_n.out" 2>"$_n.err"
    _rc=$?
    [ "$_rc" = 2 ] && [ ! -s "$_n.out" ] && grep -q -- "$_w" "$_n.err" && ok \
        || bad "$_n: status $_rc, stdout $(wc -c <"$_n.out") bytes, stderr: $(cat "$_n.err")"
}
refused range "has 1 source of kind public_source or third_party" \
    --first-contact --source 2 "$CORRECTED"
refused zero "expected a number from 1" --first-contact --source 0 "$CORRECTED"
refused word "expected a number from 1" --first-contact --source x "$CORRECTED"
refused html "text" --first-contact --format html "$CORRECTED"
refused url "expected an http:// or https:// address" --first-contact --notice-url 'javascript:x' \
    "$CORRECTED"
refused direct "no source of kind public_source or third_party" --first-contact "$T/direct.yaml"
# The notice itself is as it was.
R notice "$CORRECTED" >notice.md && grep -q '^# ' notice.md && ok || bad "notice without the flag"

# ---- The API --------------------------------------------------------------------------------

C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }
get() { # get NAME TOKEN PATH
    if [ -n "$2" ]; then
        $C -D "$T/$1.h" -o "$T/$1.b" -H "Authorization: Bearer $2" "$U/$3"
    else
        $C -D "$T/$1.h" -o "$T/$1.b" "$U/$3"
    fi
}

mkdir -p a && cd a || exit 1
export REKISTERI_DECLARATION="$CORRECTED"
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
TK=$(R token create --name mk --role marketing 2>/dev/null)
[ -n "$TK" ] && ok || bad "token"
rk_serve "$T/out" "$T/err"
P=api/v1/declaration/first-contact
get fi "$TK" "$P?lang=fi"
[ "$(status fi)" = 200 ] && grep -qi '^Content-Type: text/markdown' "$T/fi.h" && ok \
    || bad "GET fi: $(status fi)"
cmp -s "$T/fi.b" "$T/fi.md" && ok || bad "the API's text is not the CLI's"
get en "$TK" "$P?lang=en&source=1"
[ "$(status en)" = 200 ] && grep -q '^\*\*Your right to object\*\*$' "$T/en.b" && ok \
    || bad "GET en source=1: $(status en)"
for q in "lang=sv" "source=2" "source=0" "source=x"; do
    get bad "$TK" "$P?$q"
    [ "$(status bad)" = 400 ] && ok || bad "?$q: $(status bad), want 400"
done
get anon "" "$P"
[ "$(status anon)" = 401 ] && ok || bad "without a token: $(status anon)"
rk_stop "$pid"
cd "$T" || exit 1

mkdir -p b && cd b || exit 1
export REKISTERI_DECLARATION="$T/direct.yaml"
rk_new_db
R init >/dev/null 2>&1 || { echo "FAIL: init (direct)"; exit 1; }
TK=$(R token create --name mk --role marketing 2>/dev/null)
rk_serve "$T/out.b" "$T/err.b"
get none "$TK" "$P"
[ "$(status none)" = 404 ] && grep -q 'public_source or third_party' "$T/none.b" && ok \
    || bad "no indirect source: $(status none), want 404"
rk_stop "$pid"
cd "$T" || exit 1

rk_finish first_contact
