#!/bin/sh
# rights.sh — the data-subject rights from the command line, end to end on a
# real SQLite file with the example declaration: the access answer as JSON
# (read with jq) and as HTML (validated with tidy), portability, tasks,
# rectification, restriction and its lifting, objection, the art 22 answer,
# and erasure, after which the same email is refused; every refusal with
# one clear line on stderr and exit status 2.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_ACTOR=tester


r init init
expect_ok init

# A person found on a municipal web page (art 14), later a subscriber and a customer.
r add person add --register customer --purpose sales_promotion --source public_source \
    --source-detail "https://kunta.example/yhteystiedot" --name "Matti Meikäläinen" \
    --email matti@example.fi --phone "040 123 4567" --organisation "Toiminimi <Matti> & Co" \
    --consent-channel phone
expect_ok add
P=$(out add)
r addm person add --person "$P" --register marketing --purpose sales_promotion --source web_form \
    --email matti@example.fi --name "Matti M"
expect_ok addm
r con contract add "$P" --register customer --purpose customer_relationship --source contract \
    --service Lounasetu --start 2025-01-01
expect_ok con
r inv invoice add "$P" --register customer --purpose customer_relationship --source contract \
    --number 2025-0001 --date 2025-02-01 --amount 129.00
expect_ok inv

# ---- access (art 15) ----
r accj rights access "$P" --format json --request REQ-1
expect_ok accj
jq -e --arg id "$P" '.person.id == $id and .request_id == "REQ-1"
    and (.purposes | length) == 2 and (.recipients | length) == 2
    and .recipients[0].third_country and .recipients[0].safeguards != null
    and (.retention | length) == 2 and (.rights.list | length) >= 5
    and .complaint.authority == "Tietosuojavaltuutetun toimisto"
    and .complaint.email == "tietosuoja@om.fi"
    and .entries[0].values[0].source.kind == "public_source"
    and .entries[0].values[0].source.declared == "kunnan www-sivut"
    and .entries[0].values[0].source.detail == "https://kunta.example/yhteystiedot"
    and (.consent_events | length) == 1 and (.contracts | length) == 1
    and (.invoices | length) == 1 and (.tasks | length) == 1
    and .automated_decisions.exists == false' "$T/accj.out" >/dev/null && ok \
    || bad "access json: $(out accj)"
for lang in fi en; do
    r acch$lang rights access "$P" --format html --lang $lang
    expect_ok acch$lang
    cp "$T/acch$lang.out" "$T/access-$lang.html"
    tidy -q -e "$T/access-$lang.html" 2>"$T/tidy-$lang.err" && ok || bad "tidy $lang: $(cat "$T/tidy-$lang.err")"
    grep -q "<html lang=\"$lang\">" "$T/access-$lang.html" && ok || bad "html lang $lang"
    grep -q "Toiminimi &lt;Matti&gt; &amp; Co" "$T/access-$lang.html" && ok || bad "html escaping"
    ! grep -qi "<script" "$T/access-$lang.html" && ok || bad "html has a script"
done
grep -q "municipal web pages" "$T/access-en.html" && ok || bad "html: the source"
r accbad rights access "$P" --format html --lang sv
[ "$(rc accbad)" = 2 ] && ok || bad "access --lang sv: status $(rc accbad)"
r accno rights access aaaaaaaaaaaaaaaaaaaaaaaaaa
refused accno 2 "no person"
r accnone rights access
refused accnone 2 "expected one"

# ---- portability (art 20) ----
r expj rights export "$P"
expect_ok expj
jq -e '(.registers | length) == 1 and .registers[0].register == "marketing"
    and .registers[0].data.email == "matti@example.fi" and (.registers[0].data.phone == null)' \
    "$T/expj.out" >/dev/null && ok || bad "export json: $(out expj)"
r expc rights export "$P" --format csv
expect_ok expc
head -n 1 "$T/expc.out" | grep -q "^register,category,value,provided_at,source" && ok || bad "csv header"
grep -q "^marketing,email,matti@example.fi," "$T/expc.out" && ok || bad "csv row: $(out expc)"
! grep -q "^customer," "$T/expc.out" && ok || bad "csv holds data not from the person"

# ---- tasks (art 14) ----
r tl tasks list --kind art14_inform --open
expect_ok tl
[ "$(wc -l <"$T/tl.out")" = 1 ] && grep -q "$P" "$T/tl.out" && ok || bad "tasks list: $(out tl)"
TASK=$(cut -f1 "$T/tl.out")
r td tasks done "$TASK"
expect_ok td
r td2 tasks done "$TASK"
refused td2 2 "no open task"
r tl2 tasks list --kind art14_inform --open --format json
jq -e 'length == 0' "$T/tl2.out" >/dev/null && ok || bad "tasks after done: $(out tl2)"

# ---- rectification (art 16) ----
r rect rights rectify "$P" --register customer --name "Matti Oikea" --request REQ-2
expect_ok rect
r show person show "$P" --format json
jq -e '.registers[0].values.name.value == "Matti Oikea"
    and .registers[0].values.name.source_detail == "data subject request #REQ-2"' \
    "$T/show.out" >/dev/null && ok || bad "rectified: $(out show)"
r rectbad rights rectify "$P" --register customer --email not-an-email
refused rectbad 2 "email"
r rectnone rights rectify "$P" --register customer
refused rectnone 2 "at least one"

# ---- restriction (art 18) ----
r res rights restrict "$P" --request REQ-3
expect_ok res
r res2 rights restrict "$P"
refused res2 2 "already restricted"
r upd person update "$P" --register customer --purpose customer_relationship --source email --name X
refused upd 2 "restricted"
r aud audience --purpose sales_promotion --format json
grep -q "$P" "$T/aud.out" && bad "a restricted person in the audience" || ok
r lift rights restrict "$P" --lift
expect_ok lift
r aud2 audience --purpose sales_promotion --format json
grep -q "$P" "$T/aud2.out" && ok || bad "not back in the audience after lifting"

# ---- objection (art 21) and art 22 ----
r objo rights object "$P" --grounds "en halua tulla profiloiduksi"
expect_ok objo
r tl3 tasks list --kind objection_review --format json
jq -e 'length == 1 and .[0].detail == "en halua tulla profiloiduksi"' "$T/tl3.out" >/dev/null \
    && ok || bad "objection task: $(out tl3)"
r objbad rights object "$P"
refused objbad 2 "either --direct-marketing or --grounds"
r auto rights automated "$P" --lang en
expect_ok auto
grep -q "We make no decisions based solely on automated processing" "$T/auto.out" \
    && grep -q "involves profiling" "$T/auto.out" && ! grep -q "not used for profiling" "$T/auto.out" \
    && ok || bad "art 22: $(out auto)"
r objd rights object "$P" --direct-marketing
expect_ok objd
r aud3 audience --purpose sales_promotion --format json
grep -q "$P" "$T/aud3.out" && bad "an objector in the audience" || ok
r give consent give "$P" --purpose sales_promotion --channel web_form
[ "$(rc give)" = 2 ] && ok || bad "consent after objection: status $(rc give)"

# ---- erasure (art 17) ----
r er rights erase "$P" --request REQ-4
expect_ok er
grep -q "^deleted: 1 entries" "$T/er.out" && grep -q "person row is deleted" "$T/er.out" && ok \
    || bad "erase report: $(out er)"
r er2 rights erase "$P"
refused er2 2 "no person"
r again person add --register marketing --purpose sales_promotion --source web_form \
    --email MATTI@example.fi --consent-channel web_form
refused again 2 "suppression list"
r again2 person add --register customer --purpose customer_relationship --source phone \
    --name Matti --phone "+358 40 123 4567"
refused again2 2 "suppression list"
r show2 person show "$P"
[ "$(rc show2)" != 0 ] && ok || bad "erased person still shown"

# A second person: erasure as JSON.
r add2 person add --register customer --purpose customer_relationship --source contract \
    --name Maija --email maija@example.fi
P2=$(out add2)
r er3 rights erase "$P2" --format json
expect_ok er3
jq -e '.person_deleted and .deleted.entries == 1 and .suppressed == 1
    and .recipient_notices == 2' "$T/er3.out" >/dev/null && ok || bad "erase json: $(out er3)"

r verify audit verify
expect_ok verify

rk_finish
