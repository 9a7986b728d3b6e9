#!/bin/sh
# cli_register.sh — the register from the command line, end to end on a real
# SQLite file: init, the example's two registers filled, shown, found,
# imported into and exported from; and every refusal the CLI can make, each
# with one clear line on stderr and exit status 2.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_ACTOR=tester

# r NAME ARGS... — runs the binary, keeping stdout, stderr and status.

# ---- before init ----
r noinit person find matti
refused noinit 2 "create it with 'rekisteri init'"

# ---- init ----
r init init
expect_ok init
[ "$(stat -c %a var/rekisteri.key)" = 600 ] && ok || bad "init: key file"
# The database file and its mode: SQLite's (on the PostgreSQL pass it is a server's).
if [ "${RK_BACKEND:-sqlite}" = sqlite ]; then
    [ -f var/rekisteri.db ] && ok || bad "init: files"
    [ "$(stat -c %a var/rekisteri.db)" = 600 ] && ok || bad "init: database readable by others"
fi
cp var/rekisteri.key key.before
r init2 init
expect_ok init2
cmp -s var/rekisteri.key key.before && grep -q "kept" "$T/init2.out" && ok || bad "init replaced the key"

W="--register customer --purpose customer_relationship"
# ---- persons in the customer register ----
r add1 person add $W --source web_form --source-detail form:contact --name "Matti Meikäläinen" \
    --email Matti.M@Example.FI --phone "040 172 3700" --organisation "Kunta X" --position johtaja
expect_ok add1
P1=$(out add1)
echo "$P1" | grep -Eq '^[a-z2-7]{26}$' && ok || bad "person id is not a 26-char base32 id: $P1"

r show1 person show "$P1" --format json
expect_ok show1
jq -e --arg id "$P1" '.id == $id and .registers[0].register == "customer"
    and .registers[0].values.email.value == "Matti.M@example.fi"
    and .registers[0].values.phone.value == "+358401723700"
    and .registers[0].values.email.source == "web_form"
    and .registers[0].values.email.source_detail == "form:contact"
    and .registers[0].values.email.by == "tester"
    and .registers[0].membership == "prospect"' "$T/show1.out" >/dev/null && ok || bad "show json: $(out show1)"
r showtext person show "$P1"
grep -q "from web_form form:contact" "$T/showtext.out" && ok || bad "show text: $(out showtext)"

r find1 person find matti.m@example.fi
[ "$(rc find1)" = 0 ] && grep -q "$P1" "$T/find1.out" && ok || bad "find by email"
r find2 person find "+358 40 172 3700"
grep -q "$P1" "$T/find2.out" && ok || bad "find by phone"
r find3 person find Meikä
grep -q "$P1" "$T/find3.out" && ok || bad "find by name"
r find4 person find nobody@example.fi
[ "$(rc find4)" = 1 ] && ok || bad "find nobody: status $(rc find4)"

r dup person add $W --source email --name Toinen --email matti.m@EXAMPLE.fi
refused dup 2 "already in register 'customer' (person $P1)"
r update person update "$P1" $W --source phone --position toimitusjohtaja
expect_ok update
r show2 person show "$P1" --format json
jq -e '.registers[0].values.position.value == "toimitusjohtaja"
    and .registers[0].values.position.source == "phone"
    and .registers[0].values.name.source == "web_form"' "$T/show2.out" >/dev/null && ok || bad "update"

# ---- the marketing register: consent ----
M="--register marketing --purpose sales_promotion"
r mk_noconsent person add $M --source web_form --name Maija --email maija@example.fi
refused mk_noconsent 2 "rests on consent and the person has no live consent"
r mk_org person add $M --source web_form --name Maija --email maija@example.fi --organisation X --consent-channel web_form
refused mk_org 2 "category 'organisation' is not declared for register 'marketing'"
r mk_src person add $M --source public_source --name Maija --email maija@example.fi --consent-channel web_form
refused mk_src 2 "source 'public_source' is not declared for register 'marketing'"
r mk1 person add $M --source web_form --name Maija --email maija@example.fi --consent-channel web_form --consent-evidence form:newsletter
expect_ok mk1
P2=$(out mk1)
r cl1 consent list "$P2" --format json
jq -e '.[0].event == "given" and .[0].purpose == "sales_promotion" and .[0].basis == "consent"
    and .[0].notice_version == "2020-12-09" and (.[0].notice_sha256 | length) == 64
    and .[0].evidence == "form:newsletter"' "$T/cl1.out" >/dev/null && ok || bad "consent ledger: $(out cl1)"

r aud1 audience --purpose sales_promotion
grep -q "$P2,Maija,maija@example.fi" "$T/aud1.out" && ok || bad "audience lists the consenter"
grep -q "$P1" "$T/aud1.out" && bad "audience lists a person without consent" || ok

r wd consent withdraw "$P2" --purpose sales_promotion --channel unsubscribe_link
expect_ok wd
r aud2 audience --purpose sales_promotion
grep -q "$P2" "$T/aud2.out" && bad "audience lists a withdrawn person" || ok
r show3 person show "$P2" --format json
jq -e '(.registers | length) == 0 and .consents.sales_promotion.state == "withdrawn"' \
    "$T/show3.out" >/dev/null && ok || bad "withdrawal keeps marketing entry: $(out show3)"
r wd2 consent withdraw "$P2" --purpose sales_promotion
refused wd2 2 "has no live or pending consent to withdraw"
r cg_contract consent give "$P1" --purpose customer_relationship
refused cg_contract 2 "rests on contract, not on consent"

# Double opt-in: pending until confirmed.
r give_p consent give "$P1" --purpose sales_promotion --channel web_form --pending
expect_ok give_p
r aud3 audience --purpose sales_promotion
grep -q "$P1" "$T/aud3.out" && bad "pending consent counted as live" || ok
r conf consent confirm "$P1" --purpose sales_promotion --channel web_form
expect_ok conf
# A purpose not declared: refused before anything reaches standard output (no CSV header).
r aud_bad audience --purpose newsletter
[ "$(rc aud_bad)" = 2 ] && [ ! -s "$T/aud_bad.out" ] && grep -q "purpose 'newsletter' is not declared" "$T/aud_bad.err" \
    && ok || bad "audience of an undeclared purpose: rc $(rc aud_bad), out '$(cat "$T/aud_bad.out")', $(cat "$T/aud_bad.err")"
r aud_badj audience --purpose newsletter --format json
[ ! -s "$T/aud_badj.out" ] && ok || bad "audience --format json of an undeclared purpose wrote '$(cat "$T/aud_badj.out")'"
r aud4 audience --purpose sales_promotion --format json
jq -e --arg id "$P1" 'map(.id) | index($id) != null' "$T/aud4.out" >/dev/null && ok || bad "confirmed consent not live"
# Two years later the consent has expired.
REKISTERI_NOW=2031-01-01T00:00:00Z r aud5 audience --purpose sales_promotion
grep -q "$P1" "$T/aud5.out" && bad "expired consent still in the audience" || ok

# ---- contracts and invoices ----
r c1 contract add "$P1" $W --source contract --service "Lounasetu" --start 2025-01-01
expect_ok c1
C1=$(out c1)
r c_mk contract add "$P1" $M --source contract --service X --start 2025-01-01
refused c_mk 2 "declares no category of kind contract"
r c_bad contract add "$P1" $W --source contract --service X --start 2025-01-01 --end 2024-01-01
refused c_bad 2 "ends before it starts"
r c_date contract add "$P1" $W --source contract --service X --start 2025-13-01
refused c_date 2 "expected a date as YYYY-MM-DD"
r cc contract change "$C1" --field service --value "Lounasetu Plus"
expect_ok cc
r i1 invoice add "$P1" $W --source contract --number INV-1 --date 2025-02-01 --amount 120.50 --contract "$C1"
expect_ok i1
r i_dup invoice add "$P1" $W --source contract --number INV-1 --date 2025-02-01 --amount 1
refused i_dup 2 "already recorded"
r i_mk invoice add "$P1" $M --source contract --number INV-9 --date 2025-02-01 --amount 1
refused i_mk 2 "declares no category of kind billing"
r i_amt invoice add "$P1" $W --source contract --number INV-2 --date 2025-02-01 --amount 12,345.6
refused i_amt 2 "expected a sum"
r aud6 audience --purpose customer_relationship
grep -q "$P1" "$T/aud6.out" && ok || bad "contract audience lacks the customer"
r show4 person show "$P1" --format json
jq -e '.registers[0].membership == "customer" and .contracts[0].service == "Lounasetu Plus"
    and .invoices[0].amount_cents == 12050 and .invoices[0].number == "INV-1"' "$T/show4.out" \
    >/dev/null && ok || bad "contracts in show: $(out show4)"
r ce contract end "$C1" --date 2025-06-30
expect_ok ce
r show6 person show "$P1" --format json
jq -e '.contracts[0].history | map(.field) == ["service", "end", "status"]
    and .[0].old == "Lounasetu" and .[0].new == "Lounasetu Plus" and .[0].by == "tester"' \
    "$T/show6.out" >/dev/null && ok || bad "contract history: $(out show6)"
r ce2 contract end "$C1"
refused ce2 2 "has already ended"
r aud7 audience --purpose customer_relationship
grep -q "$P1" "$T/aud7.out" && bad "ended contract still in the contract audience" || ok

# ---- suppression ----
r sup suppress add --email kielletty@example.fi
expect_ok sup
r sup_add person add $W --source web_form --name K --email KIELLETTY@example.fi
refused sup_add 2 "on the suppression list"
grep -qi "kielletty" "$T/sup_add.err" && bad "refusal repeats the email" || ok
r supchk suppress check --email kielletty@example.fi
[ "$(rc supchk)" = 0 ] && ok || bad "suppress check"

# ---- import ----
cat >import.csv <<'CSV'
name,email,phone,position,organisation,consent_at
Anna Aalto,anna@example.fi,040 111 1111,hallituksen jäsen,,2025-01-10T10:00:00Z
Bertta Berg,not-an-email,,,,2025-01-10
Kalle Kielletty,kielletty@example.fi,,,,2025-01-10
"=HYPERLINK(""http://x"")",formula@example.fi,,,,2025-01-10
Dora Duo,anna@example.fi,,,,2025-01-10
Eero Ei-suostumusta,eero@example.fi,,,,
Olli Org,olli@example.fi,,,Yhtiö O,2025-01-10
CSV
r imp import --register marketing --purpose sales_promotion --source web_form import.csv
[ "$(rc imp)" = 1 ] && ok || bad "import with rejects: status $(rc imp): $(cat "$T/imp.err")"
grep -q "7 rows: 2 imported, 4 rejected (see import.csv.rejects), 1 suppressed" "$T/imp.out" && ok \
    || bad "import summary: $(out imp)"
grep -q '^3,email,' import.csv.rejects && ok || bad "reject file lacks line 3: $(cat import.csv.rejects)"
grep -q '^6,.*already in register' import.csv.rejects && ok || bad "duplicate not rejected"
grep -q '^7,consent_at,' import.csv.rejects && ok || bad "row without consent not rejected"
grep -q "^8,.*category 'organisation' is not declared for register 'marketing'" import.csv.rejects \
    && ok || bad "organisation into marketing not rejected"
grep -q "not-an-email\|Bertta" import.csv.rejects && bad "reject file holds personal data" || ok
r aud8 audience --purpose sales_promotion
grep -q "anna@example.fi" "$T/aud8.out" && ok || bad "imported person not in the audience"
grep -q "^[a-z2-7]*,\"'=HYPERLINK" "$T/aud8.out" && ok || bad "formula not neutralised: $(out aud8)"
grep -q ",\"'+358401111111\"," "$T/aud8.out" && ok || bad "phone cell not neutralised"

printf 'nimi,sähköposti,puhelin\nPekka,pekka@example.fi,0401234567\n' >public.csv
# The example declares public sources only for a consent-based purpose (the
# flaw lint reports), so every row is refused; a declaration with a purpose on
# legitimate interests takes them.
r imp2a import $W --source public_source public.csv
[ "$(rc imp2a)" = 1 ] && grep -q "^2,.*source 'public_source' is not declared for register 'customer'" \
    public.csv.rejects && ok || bad "public source under the example: $(cat public.csv.rejects)"
r imp2 import --declaration "$RK_SOURCE_DIR/tests/decls/full.yaml" --register customer \
    --purpose acquisition --source public_source --source-detail "https://www.kunta.fi/yhteystiedot" public.csv
expect_ok imp2
r find5 person find pekka@example.fi --format json
P3=$(jq -r '.[0].id' "$T/find5.out")
r show5 person show "$P3" --format json
jq -e '.registers[0].values.name.source == "public_source"
    and .registers[0].values.name.source_detail == "https://www.kunta.fi/yhteystiedot"' \
    "$T/show5.out" >/dev/null && ok || bad "import provenance: $(out show5)"
# Art 14: data from a public source creates a task to inform the person within a month.
due=$(date -u -d "+1 month" +%Y-%m-%d 2>/dev/null)
jq -e --arg due "$due" '(.tasks | length) == 1 and .tasks[0].kind == "art14_inform"
    and .tasks[0].due == $due and .tasks[0].done == false' "$T/show5.out" >/dev/null \
    && ok || bad "art 14 task: $(jq -c .tasks "$T/show5.out")"

printf 'name,colour\nX,red\n' >badhdr.csv
r imp3 import $W --source web_form badhdr.csv
refused imp3 2 "colour"
: >empty.csv
r imp4 import $W --source web_form empty.csv
refused imp4 2 "empty"
printf 'name,email\n"Unclosed,x@example.fi\n' >badquote.csv
r imp5 import $W --source web_form badquote.csv
[ "$(rc imp5)" = 2 ] && grep -q "line" "$T/imp5.err" && ok || bad "malformed CSV: $(rc imp5) $(cat "$T/imp5.err")"
# A failure part-way: committed batches stay, the open batch is rolled back, and
# the message says exactly how many rows were imported.
{
    echo "name,email"
    for i in 1 2 3 4 5 6 7; do echo "Osa $i,osa$i@example.fi"; done
    printf '"Rikki,rikki@example.fi\n'
} >partial.csv
r imp8 import $W --source web_form --batch 3 partial.csv
if [ "$(rc imp8)" = 2 ] && grep -q "line 9" "$T/imp8.err" && grep -q "6 rows imported before it" "$T/imp8.err"; then
    ok
else
    bad "partial import: $(rc imp8) $(cat "$T/imp8.err")"
fi
n=0
for i in 1 2 3 4 5 6 7; do
    r pf$i person find "osa$i@example.fi"
    [ "$(rc pf$i)" = 0 ] && n=$((n + 1))
done
[ "$n" = 6 ] && ok || bad "partial import left $n rows, want the 6 reported"
r imp6 import --register customer --source web_form public.csv
refused imp6 2 "has 2 purposes"
r imp7 import $W --source web_form nonexistent.csv
refused imp7 2 "cannot open"

# ---- staff tokens ----
r tok1 token create --name anna --role dpo
expect_ok tok1
TOKEN=$(out tok1)
echo "$TOKEN" | grep -Eq '^rk_[A-Za-z0-9_-]{43}$' && ok || bad "token format: $TOKEN"
grep -q "only time it is shown" "$T/tok1.err" && ok || bad "token create does not warn"
grep -c "$TOKEN" var/rekisteri.db* >/dev/null 2>&1 && bad "token stored in plain text" || ok
r tok2 token create --name anna --role sales
refused tok2 2 "a token named 'anna' exists"
r tok3 token create --name bob --role janitor
refused tok3 2 "role 'janitor' is not declared"
r tok4 token create --name "Bob Smith" --role sales
refused tok4 2 "expected 1 to 64 lower-case letters"
r tok5 token revoke anna
expect_ok tok5
r tok6 token revoke anna
refused tok6 2 "no valid token named 'anna'"
r tok7 token list --format json
jq -e '.[0].name == "anna" and .[0].role == "dpo" and (.[0].revoked_at | length) == 20
    and (map(keys) | add | index("hash")) == null' "$T/tok7.out" >/dev/null && ok || bad "token list: $(out tok7)"

# ---- bad command lines ----
r u1 person add $W --source nowhere --name X
refused u1 2 "unknown source kind 'nowhere'"
r u2 person add --source web_form --name X
refused u2 2 "every write names them"
r u3 person add $W --source web_form --email "not an email"
refused u3 2 "^rekisteri: --email: the value"
r u4 person show nosuchperson
refused u4 2 "no person"
r u5 person frobnicate
refused u5 2 "expected 'person add'"
r u6 audience --purpose nothing
refused u6 2 "purpose 'nothing' is not declared"
r u7 person add $W --source web_form --name X --key-file missing.key
refused u7 2 "cannot open the key file"
chmod 644 var/rekisteri.key
r u8 person find matti
refused u8 2 "may be read by others"
chmod 600 var/rekisteri.key

rk_finish
