#!/bin/sh
# cli_declaration.sh — drives the real rekisteri binary over declarations:
# the example validates, lints with the expected findings and exit status,
# and prints its notice and record; bad input of every kind gets one clear
# line on stderr and exit status 2, quickly, never a crash or a hang.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
EXAMPLE="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"


# run NAME ARGS... — runs the binary with a time limit, keeping stdout, stderr and status.
run() {
    name=$1; shift
    timeout 10 "$REKISTERI" "$@" >"$T/$name.out" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}
status() { cat "$T/$1.rc"; }

# expect_refused NAME PATTERN ARGS... — exit 2, exactly one stderr line matching PATTERN.
expect_refused() {
    name=$1 pattern=$2; shift 2
    run "$name" "$@"
    rc=$(status "$name")
    lines=$(wc -l <"$T/$name.err")
    if [ "$rc" != 2 ]; then
        bad "$name: exit status $rc, want 2 ($(head -c 300 "$T/$name.err"))"
    elif [ "$lines" != 1 ]; then
        bad "$name: $lines lines on stderr, want 1:"; cat "$T/$name.err" >&2
    elif ! grep -q -- "$pattern" "$T/$name.err"; then
        bad "$name: stderr does not say '$pattern': $(cat "$T/$name.err")"
    elif [ -s "$T/$name.out" ]; then
        bad "$name: wrote to stdout on failure"
    else
        ok
    fi
}

# ---- the example ----
run validate validate "$EXAMPLE"
[ "$(status validate)" = 0 ] && grep -q "ok: 2 purposes, 9 categories, 2 registers" "$T/validate.out" \
    && ok || bad "validate example: $(cat "$T/validate.err" "$T/validate.out")"

run lint lint "$EXAMPLE"
if [ "$(status lint)" != 1 ]; then bad "lint example: status $(status lint), want 1"; else ok; fi
[ "$(grep -c 'error \[transfer-privacy-shield\]' "$T/lint.out")" = 2 ] && ok \
    || bad "lint example: want Privacy Shield flagged for both recipients"
grep -q "recipient 'salesforce'" "$T/lint.out" && grep -q "recipient 'mailchimp'" "$T/lint.out" \
    && ok || bad "lint example: recipients not named"
grep -q "declaration.yaml:[0-9]*:[0-9]*: error \[source-basis-mismatch\]" "$T/lint.out" && ok \
    || bad "lint example: public-source basis not flagged"
grep -q "warning \[verification-in-person-only\]" "$T/lint.out" && ok || bad "lint: in person"
grep -q "warning \[billing-retention-missing\]" "$T/lint.out" && ok || bad "lint: billing"
grep -q "warning \[cookie-browser-settings\]" "$T/lint.out" && ok || bad "lint: browser settings"
# The public source (municipal web pages) is neither named nor said what it gives (art 14).
grep -q "declaration.yaml:[0-9]*:[0-9]*: error \[source-name-missing\]" "$T/lint.out" && ok \
    || bad "lint: source name"
grep -q "declaration.yaml:[0-9]*:[0-9]*: error \[source-categories-missing\]" "$T/lint.out" \
    && ok || bad "lint: source categories"
# transfers_note still sends people to privacyshield.gov: one finding, at the note.
note_line=$(grep -n "^transfers_note:" "$EXAMPLE" | cut -d: -f1)
[ "$(grep -c 'error \[transfer-stale-text\]' "$T/lint.out")" = 1 ] \
    && grep -q "declaration.yaml:$((note_line + 1)):3: error \[transfer-stale-text\]: transfers_note (fi, en)" \
        "$T/lint.out" && ok || bad "lint: stale Privacy Shield text"
# Five cookie vendors on the DPF never checked on the list; Outgrow and Twitter on SCC with no
# copy of the clauses.
[ "$(grep -c 'warning \[transfer-dpf-unverified\]' "$T/lint.out")" = 5 ] && ok \
    || bad "lint: want 5 DPF transfers unverified"
[ "$(grep -c 'warning \[transfer-safeguards-copy-missing\]' "$T/lint.out")" = 2 ] \
    && grep -q "cookie vendor 'Outgrow'" "$T/lint.out" && ok || bad "lint: want 2 SCC without a copy"
grep -q "note \[art14-inform-indirect\]: .*purpose 'sales_promotion'" "$T/lint.out" && ok \
    || bad "lint: art 14 note for marketing to prospects"
# Profiling is declared, the marketing email rests on consent: nothing to say of either.
grep -q "profiling-undisclosed\|marketing-email-consent-missing" "$T/lint.out" \
    && bad "lint: profiling or marketing flagged though declared" || ok
tail -n 1 "$T/lint.out" | grep -q "6 errors, 11 warnings, 1 note" && ok \
    || bad "lint summary: $(tail -n 1 "$T/lint.out")"

run lintjson lint --format json "$EXAMPLE"
[ "$(status lintjson)" = 1 ] && jq -e '.summary.errors == 6 and .summary.warnings == 11 and
    .summary.notes == 1 and
    ([.findings[] | select(.rule == "transfer-privacy-shield")] | length) == 2 and
    (.findings[0] | has("line") and has("column") and has("reference"))' \
    "$T/lintjson.out" >/dev/null && ok || bad "lint --format json"

run rules lint --rules
[ "$(status rules)" = 0 ] && grep -q "^transfer-privacy-shield *error" "$T/rules.out" && ok \
    || bad "lint --rules"
# every rule with its severity and, in parentheses, the law it cites
grep -q "^transfer-stale-text  *error  *.* (CJEU C-311/18 (16 July 2020))$" "$T/rules.out" && ok \
    || bad "lint --rules: no reference"
[ "$(grep -cv ' (.*)$' "$T/rules.out")" = 0 ] && ok || bad "lint --rules: a rule without reference"

run notice notice "$EXAMPLE"
[ "$(status notice)" = 0 ] && grep -q "Smartum Oy" "$T/notice.out" \
    && grep -q "2780101-9" "$T/notice.out" && ok || bad "notice (fi md)"
run noticehtml notice --lang en --format html "$EXAMPLE"
[ "$(status noticehtml)" = 0 ] && grep -qi "<!doctype html>" "$T/noticehtml.out" \
    && grep -q '<html lang="en"' "$T/noticehtml.out" && ok || bad "notice (en html)"
run ropa ropa "$EXAMPLE"
[ "$(status ropa)" = 0 ] && [ -s "$T/ropa.out" ] && ok || bad "ropa (csv)"
run ropajson ropa --format json --lang en "$EXAMPLE"
[ "$(status ropajson)" = 0 ] && jq -e '.record_of_processing.entries | length == 3' \
    "$T/ropajson.out" >/dev/null && ok || bad "ropa --format json"

# A clean declaration lints with status 0.
cat >"$T/clean.yaml" <<'YAML'
rekisteri: 1
notice: {drafted: 2024-01-15, last_changed: 2025-03-01}
controller: {name: Esimerkki Oy, business_id: 1234567-8, address: "Katu 1, 00100 Helsinki", phone: 09 123 4567}
supervisory_authority: {name: {fi: Tietosuojavaltuutetun toimisto, en: Office of the Data Protection Ombudsman}}
security: [{fi: Pääsy on rajattu., en: Access is limited.}]
rights: {verification: [in_person, email_code]}
purposes:
  - {id: service, name: {fi: palvelu, en: service}, basis: contract}
categories:
  - {id: email, name: {fi: Sähköposti, en: Email}, from_subject: true}
registers:
  - {id: customer, name: {fi: A, en: C}, subjects: {fi: a, en: c}, categories: [email],
     purposes: [service], retention: {until: [contract_end]}}
YAML
run clean lint "$T/clean.yaml"
[ "$(status clean)" = 0 ] && grep -q "0 errors, 0 warnings, 0 notes" "$T/clean.out" && ok \
    || bad "lint clean: $(cat "$T/clean.out" "$T/clean.err")"

# ---- bad input: one line, exit 2 ----
expect_refused missing "cannot open" lint "$T/nonexistent.yaml"
: >"$T/empty.yaml"
expect_refused empty "empty.yaml:1:1: error: the declaration is empty" lint "$T/empty.yaml"
printf 'rekisteri: 1\ncontroller: {name: [oops\n' >"$T/notyaml.yaml"
expect_refused notyaml "notyaml.yaml:[0-9]*:[0-9]*: error: not valid YAML" notice "$T/notyaml.yaml"
printf 'hello: world: again\n' >"$T/notyaml2.yaml"
expect_refused notyaml2 "not valid YAML" validate "$T/notyaml2.yaml"
head -c 65536 "$REKISTERI" >"$T/binary.yaml"
expect_refused binary "binary data\|not UTF-8\|not valid YAML" lint "$T/binary.yaml"
printf 'rekisteri: 1\nx: caf\351\n' >"$T/latin1.yaml"
expect_refused latin1 "not UTF-8" lint "$T/latin1.yaml"
head -c 52428800 /dev/zero | tr '\0' 'a' >"$T/big.yaml"
expect_refused big "may be at most 1048576 bytes" lint "$T/big.yaml"
{ printf 'rekisteri: '; head -c 100000 /dev/zero | tr '\0' '['; } >"$T/deep.yaml"
expect_refused deep "nesting deeper than 64 levels" lint "$T/deep.yaml"
{
    echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    prev=a
    for n in b c d e f g h i; do
        echo "$n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
        prev=$n
    done
} >"$T/bomb.yaml"
expect_refused bomb "once aliases are expanded" lint "$T/bomb.yaml"
expect_refused directory "not a regular file" lint "$T"
printf -- '- just\n- a list\n' >"$T/list.yaml"
expect_refused list "expected a mapping" ropa "$T/list.yaml"

# ---- bad command lines: exit 2 ----
expect_refused nocommand "usage\|rekisteri" --bogus
expect_refused badopt "unknown option '--colour'" lint --colour "$EXAMPLE"
expect_refused badformat "unknown format 'pdf'" notice --format pdf "$EXAMPLE"
expect_refused badlang "unknown language 'sv'" notice --lang sv "$EXAMPLE"
expect_refused nofile "missing FILE" notice
expect_refused twofiles "too many arguments" ropa "$EXAMPLE" "$EXAMPLE"
expect_refused noarg "needs a value" notice "$EXAMPLE" --lang
run help notice --help
[ "$(status help)" = 0 ] && grep -q "usage: rekisteri notice" "$T/help.out" && ok || bad "--help"

rk_finish
