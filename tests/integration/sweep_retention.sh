#!/bin/sh
# sweep_retention.sh — the sweep's retention rules through the CLI, moving
# time with --now, over tests/decls/full.yaml (customer register: grace 6m,
# prospects 1y; invoices kept 6 years from the end of their year, contracts
# 10 years): a former customer is erased once the grace has passed, their
# invoice and contract kept restricted; a prospect goes the day after a year
# has passed, wholly; a customer with an open contract stays; the dry run
# counts and writes nothing; a second run does nothing; the kept invoice and
# then the contract go when their periods end, and the person with them.
# Output names no person; the audit chain records every action and holds.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/tests/decls/full.yaml"
export REKISTERI_ACTOR=tester
# json NAME FILTER: the filter holds for NAME's JSON output.
json() { jq -e "$2" "$T/$1.out" >/dev/null && ok || bad "$1: $2: $(out "$1")"; }
audits() { r audits audit list --format json && jq length "$T/audits.out"; }
nameless() { # nameless NAME: NAME's output names no person
    grep -q -e "$P1" -e "$P2" -e "$P3" -e pekka -e anna -e olli "$T/$1.out" \
        && bad "$1 names a person" || ok
}

r init init
expect_ok init
C="--register customer --purpose service --source contract"
REKISTERI_NOW=2025-01-15T10:00:00Z r p1 person add --register customer --purpose acquisition \
    --source meeting --name "Pekka Prospekti" --email pekka@example.fi
expect_ok p1
P1=$(out p1)
REKISTERI_NOW=2020-01-01T10:00:00Z r p2 person add $C --name "Anna Asiakas" --email anna@example.fi
expect_ok p2
P2=$(out p2)
r c2 contract add "$P2" $C --service Siivous --start 2020-01-01 --end 2020-06-30
expect_ok c2
r i2 invoice add "$P2" --register customer --purpose accounting --source contract \
    --number 2020-001 --date 2020-03-01 --amount 120.00 --contract "$(out c2)"
expect_ok i2
REKISTERI_NOW=2020-01-01T10:00:00Z r p3 person add $C --name "Olli Avoin" --email olli@example.fi
expect_ok p3
P3=$(out p3)
r c3 contract add "$P3" $C --service Ikkunat --start 2020-01-01
expect_ok c3

# Anna's contract ended 30 June 2020: erased after 30 December 2020, the
# invoice (to 2026-12-31) and the contract (to 2030-06-30) kept, restricted.
r first sweep --now 2026-01-15T12:00:00Z --format json
expect_ok first
json first '.retention.entries_erased == 1 and .retention.persons_deleted == 0
    and .retention.records_kept == 2 and .retention.notices_queued == 3 and .checkpointed'
nameless first
r show2 person show "$P2" --format json
json show2 '(.registers // []) | length == 0'
r show1 person show "$P1" --format json
expect_ok show1

# The prospect was added 15 Jan 2025 and is kept a year: through 15 Jan 2026.
N0=$(audits)
r dry sweep --dry-run --now 2026-01-16T00:00:00Z --format json
expect_ok dry
json dry '.dry_run and .retention.entries_erased == 1 and .retention.persons_deleted == 1'
[ "$(audits)" = "$N0" ] && ok || bad "the dry run wrote audit events"
r still person show "$P1" --format json
expect_ok still

r run sweep --now 2026-01-16T00:00:00Z
expect_ok run
grep -q "entries past retention  erased 1 (persons deleted 1, records kept 0, notices queued 3)" \
    "$T/run.out" && ok || bad "run: $(out run)"
nameless run
r gone person show "$P1"
[ "$(rc gone)" = 2 ] && ok || bad "the prospect is still there: status $(rc gone)"
r open person show "$P3" --format json
json open '[.registers[] | select(.register == "customer")] | length == 1'
r audit1 audit list --format json
jq -e --arg p1 "$P1" --arg p2 "$P2" '
    (map(select(.action == "sweep.entry_erased" and .person == $p1
        and (.detail | endswith("person deleted")))) | length == 1)
    and (map(select(.action == "sweep.entry_erased" and .person == $p2)) | length == 1)
    and (map(select(.action == "sweep.run")) | length == 2)' "$T/audit1.out" >/dev/null \
    && ok || bad "audit: $(out audit1)"
grep -q -e pekka -e anna -e Pekka -e Anna "$T/audit1.out" && bad "personal data in the audit" || ok

# A second run at the same instant does nothing and writes nothing.
N1=$(audits)
r again sweep --now 2026-01-16T00:00:00Z --format json
expect_ok again
json again '.retention.entries_erased == 0 and .retention.persons_deleted == 0
    and .retention.invoices_deleted == 0 and .retention.contracts_deleted == 0'
[ "$(audits)" = "$N1" ] && ok || bad "the second run wrote audit events"

# The invoice's keep_until (2026-12-31) passes; the contract's own 10 years keep the person.
r inv sweep --now 2027-01-01T00:00:00Z --format json
expect_ok inv
json inv '.retention.invoices_deleted == 1 and .retention.contracts_deleted == 0
    and .retention.persons_deleted == 0'
r kept person show "$P2" --format json
expect_ok kept
# Then the contract's, and Anna goes wholly.
r con sweep --now 2030-07-01T00:00:00Z --format json
expect_ok con
json con '.retention.contracts_deleted == 1 and .retention.persons_deleted == 1'
r gone2 person show "$P2"
[ "$(rc gone2)" = 2 ] && ok || bad "the former customer is still there"
r open2 person show "$P3" --format json
expect_ok open2
[ "$(rk_census suppressions)" = 0 ] && ok \
    || bad "retention put someone on the suppression list"

r verify audit verify
expect_ok verify

r badfmt sweep --format xml
[ "$(rc badfmt)" = 2 ] && ok || bad "bad --format: status $(rc badfmt)"
r badnow sweep --now 2026-13-01
[ "$(rc badnow)" = 2 ] && ok || bad "bad --now: status $(rc badnow)"

rk_finish sweep_retention.sh
