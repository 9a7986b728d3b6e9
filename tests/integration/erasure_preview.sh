#!/bin/sh
# erasure_preview.sh — the erasure preview warns before invoices go that no keep rule keeps
# (issue 16, part 5): under the example, whose billing data declares no statutory retention,
# `rights erase ID --dry-run` (text and JSON) and the console's preview (GET
# /api/v1/persons/ID/erasure, which the console's erasure page renders with its Finnish and
# English warning) name the invoices that will be deleted and how to declare the Accounting
# Act's retention; nothing is changed. Under the same example with the keep rule declared
# (from the end of a financial period ending 30 June), no warning and the invoice is kept until
# the right day; an invoice recorded before the rule was declared is named apart (it carries no
# keep-until and goes). The console is signed in to as a DPO, with a session cookie, as the
# browser does. CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
EX="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"

# setup DIR DECL: a register in DIR under DECL with one customer holding one invoice; prints
# the person's id.
setup() {
    mkdir -p "$1"
    (
        cd "$1" || exit 1
        export REKISTERI_DECLARATION="$2"
        R init >/dev/null || exit 1
        P=$(R person add --register customer --purpose customer_relationship --source web_form \
            --name "Cecilia Customer" --email cust@example.fi) || exit 1
        R invoice add "$P" --register customer --purpose customer_relationship --source contract \
            --number 2024-7 --date 2024-08-01 --amount 120.00 >/dev/null || exit 1
        echo "$P"
    )
}

# use_db DB: the register of that folder (rk_new_db's REKISTERI_DB; empty: the default path).
use_db() { if [ -n "$1" ]; then export REKISTERI_DB="$1"; else unset REKISTERI_DB; fi; }

# ---- no keep rule: the preview warns ----
rk_new_db
DB_NONE=${REKISTERI_DB:-}
P=$(setup "$T/none" "$EX")
echo "$P" >"$T/none.id"
[ -n "$P" ] && ok || { echo "FAIL: set-up under the example"; exit 1; }
cd "$T/none" || exit 1
export REKISTERI_DECLARATION="$EX"
R rights erase "$P" --dry-run >"$T/pv" 2>"$T/pv.err" && ok || bad "dry-run: $(cat "$T/pv.err")"
grep -q '^preview: nothing is changed' "$T/pv" && ok || bad "no preview header: $(cat "$T/pv")"
grep -q '1 invoices$' "$T/pv" && ok || bad "the invoice is not counted as deleted: $(cat "$T/pv")"
grep -q '^warning: 1 invoice(s) will be deleted: no statutory retention is declared' "$T/pv" \
    && ok || bad "no warning: $(cat "$T/pv")"
grep -q 'Kirjanpitolaki 1336/1997 2:10' "$T/pv" && ok || bad "the warning names no law"
grep -q 'keep_years: 6, from: end_of_financial_period' "$T/pv" && ok \
    || bad "the warning does not say how to declare the retention"
R rights erase "$P" --dry-run --format json >"$T/pj" 2>"$T/pj.err" && ok || bad "dry-run json"
jq -e '.dry_run and .no_retention_declared.invoices == 1 and .delete.invoices == 1
    and .keep.invoices == 0 and .person_deleted' "$T/pj" >/dev/null && ok \
    || bad "dry-run json: $(cat "$T/pj")"
# Nothing was changed: the person and the invoice are there, nothing suppressed.
R person show "$P" --format json >"$T/ps" 2>/dev/null && jq -e '(.invoices | length) == 1' "$T/ps" \
    >/dev/null && ok || bad "the preview changed the person: $(head -c 300 "$T/ps")"
R audit list 2>/dev/null | grep -q 'rights.erase_preview' && ok || bad "the preview is not audited"
R rights erase aaaaaaaaaaaaaaaaaaaaaaaaaa --dry-run >/dev/null 2>"$T/nobody.err"
[ $? -ne 0 ] && grep -q 'no person' "$T/nobody.err" && ok || bad "preview of nobody: $(cat "$T/nobody.err")"

# The console's preview, as the console fetches it: signed in as a DPO (a session cookie), the
# document its erasure page renders, and that page's warning in both languages.
printf 'kolme iloista kirahvia\n' >"$T/pw"
R staff add --email dora@example.fi --name "Dora Dpo" --role dpo --password-file "$T/pw" \
    >/dev/null && ok || bad "staff add"
rk_serve "$T/out" "$T/err" --sweep-interval 0 --public-rate 0
s=$(curl -s -o /dev/null -w '%{http_code}' -c "$T/jar" -b "$T/jar" \
    --data-urlencode email=dora@example.fi --data-urlencode "password=kolme iloista kirahvia" \
    "$U/console/login")
[ "$s" = 303 ] && ok || bad "sign-in: $s"
s=$(curl -s -o "$T/api" -w '%{http_code}' -b "$T/jar" "$U/api/v1/persons/$P/erasure")
[ "$s" = 200 ] && jq -e '.no_retention_declared.invoices == 1 and .delete.invoices == 1
    and .no_retention_declared.invoices_recorded_before_rule == 0' \
    "$T/api" >/dev/null && ok || bad "console preview: $s $(head -c 300 "$T/api")"
curl -s -o "$T/shell" "$U/console/"
js=$(grep -o '/console/assets/console\.[0-9a-f]\{12\}\.js' "$T/shell" | head -1)
curl -s -o "$T/js" "$U$js"
grep -q 'no_retention_declared' "$T/js" && grep -q 'laskua poistetaan' "$T/js" \
    && grep -q 'lakisääteistä säilytysaikaa' "$T/js" \
    && grep -q 'states no statutory retention' "$T/js" && ok \
    || bad "the console's erasure page ($js) does not render the warning"
rk_stop "$pid"
cd "$T" || exit 1

# ---- the keep rule declared: no warning, the invoice kept ----
sed -e 's/^  name: Smartum Oy$/&\
  financial_year_end: "06-30"/' -e '/^    kind: billing$/a\
    erasure:\
      keep_years: 6\
      from: end_of_financial_period\
      obligation: {fi: Kirjanpitolaki 1336/1997 2:10, en: Accounting Act 1336/1997 2:10}' \
    "$EX" >"$T/keep.yaml"
R validate "$T/keep.yaml" >/dev/null 2>&1 && ok || bad "keep.yaml: $(R validate "$T/keep.yaml" 2>&1 | head -3)"
rk_new_db
P=$(setup "$T/keep" "$T/keep.yaml")
cd "$T/keep" || exit 1
export REKISTERI_DECLARATION="$T/keep.yaml"
R rights erase "$P" --dry-run >"$T/kv" 2>&1 && ok || bad "dry-run with keep: $(cat "$T/kv")"
grep -q '^warning' "$T/kv" && bad "a warning although the retention is declared: $(cat "$T/kv")" || ok
grep -q '^would keep: 1 invoices until 2031-12-31' "$T/kv" && ok || bad "not kept: $(cat "$T/kv")"
R rights erase "$P" --dry-run --format json >"$T/kj" 2>/dev/null
jq -e '.no_retention_declared.invoices == 0 and .keep.invoices == 1
    and .invoices_kept_until == "2031-12-31"' "$T/kj" >/dev/null && ok || bad "keep json: $(cat "$T/kj")"
R staff add --email dora@example.fi --name "Dora Dpo" --role dpo --password-file "$T/pw" >/dev/null
rk_serve "$T/out2" "$T/err2" --sweep-interval 0 --public-rate 0
curl -s -o /dev/null -c "$T/jar2" -b "$T/jar2" --data-urlencode email=dora@example.fi \
    --data-urlencode "password=kolme iloista kirahvia" "$U/console/login"
s=$(curl -s -o "$T/api2" -w '%{http_code}' -b "$T/jar2" "$U/api/v1/persons/$P/erasure")
[ "$s" = 200 ] && jq -e 'has("no_retention_declared") | not' "$T/api2" >/dev/null && ok \
    || bad "console preview with keep: $s $(head -c 300 "$T/api2")"
rk_stop "$pid"

# ---- the rule declared after the invoice was recorded: it carries no keep-until, and goes ----
cd "$T/none" || exit 1
use_db "$DB_NONE"
export REKISTERI_DECLARATION="$T/keep.yaml"
P=$(cat "$T/none.id")
R rights erase "$P" --dry-run >"$T/uv" 2>&1 && ok || bad "dry-run after the rule: $(cat "$T/uv")"
grep -q '^warning: 1 invoice(s) will be deleted: they were recorded before the billing category declared its keep rule' "$T/uv" \
    && ok || bad "no warning of the invoice recorded before the rule: $(cat "$T/uv")"
grep -q 'no statutory retention is declared' "$T/uv" && bad "says no retention is declared: $(cat "$T/uv")" || ok
R rights erase "$P" --dry-run --format json >"$T/uj" 2>/dev/null
jq -e '.no_retention_declared.invoices == 0 and .no_retention_declared.invoices_recorded_before_rule == 1' \
    "$T/uj" >/dev/null && ok || bad "json after the rule: $(cat "$T/uj")"
rk_finish erasure_preview
