#!/bin/sh
# pg_backup.sh — `rekisteri backup` and `restore` on the PostgreSQL backend
# (issue 17), end to end against a cluster of the script's own: a register on
# PostgreSQL with a few persons backed up (a SQLite file inside the usual
# encrypted container, no personal data in clear); after the backup one person
# erased and one added; restore without --force refused (the database holds a
# register) with one line and nothing changed; restore --force brings back the
# backup's rows with the erasure journal re-applied (the erased person stays
# erased, the later one is gone), the audit chain holds and records
# backup.restored; a restore into a new, empty database needs no --force; no
# plain copy is left beside FILE and the URI (its password) is never printed;
# init refuses a database that holds another application's tables; a command other than
# init refuses an empty database (it holds no register) and creates nothing.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_pg_start
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_ACTOR=tester
export REKISTERI_DB="$RK_PG_URI"
export REKISTERI_KEY_FILE="$T/reg.key"
export REKISTERI_ERASURE_JOURNAL="$T/erasures"
PASS=${RK_PG_URI#*://*:}
PASS=${PASS%%@*}
q() { psql "$RK_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

RK_SECRET=$PASS # lib.sh's r: no command may print the password
no_leftovers() {
    left=$(find "$T" -name '*.plain-*' -o -name '*.part-*' -o -name '*.restore-*')
    [ -z "$left" ] && ok || bad "$1: temporary files left behind: $left"
}
add() {
    "$REKISTERI" person add --register customer --purpose sales_promotion --source public_source \
        --consent-channel phone --name "$1" --email "$2"
}

r init init
expect_ok init
P1=$(add "Maija Mallikas" maija.pg@example.fi)
P2=$(add "Teppo Testaaja" teppo.pg@example.fi)
[ -n "$P1" ] && [ -n "$P2" ] && ok || bad "persons not added"
[ "$(q 'select count(*) from person')" = 2 ] && ok || bad "persons in PostgreSQL: $(q 'select count(*) from person')"

r b backup "$T/pg.bak"
expect_ok b
grep -q '^backup written: [0-9]* pages, [0-9]* bytes$' "$T/b.out" && ok || bad "b: output $(out b)"
[ "$(head -c 19 "$T/pg.bak")" = "rekisteri-backup 1" ] && ok || bad "backup header"
if grep -q -a -e 'maija.pg@example.fi' -e Mallikas "$T/pg.bak"; then
    bad "the backup holds personal data in clear"
else ok; fi
no_leftovers backup

# After the backup: P1 erased (the journal records it), P3 added.
r e1 rights erase "$P1"
expect_ok e1
P3=$(add "Myöhäinen Lisäys" late.pg@example.fi)
[ -n "$P3" ] && ok || bad "P3 not added"
AUDIT_BEFORE=$(q 'select count(*) from audit')

r rn restore "$T/pg.bak"
refused rn 2 "holds a register"
[ "$(q 'select count(*) from audit')" = "$AUDIT_BEFORE" ] && ok || bad "a refused restore wrote"

r rs restore --force "$T/pg.bak"
expect_ok rs
grep -q '^restored: [0-9]* bytes$' "$T/rs.out" && ok || bad "rs: output $(out rs)"
grep -q "re-applied (1 persons erased" "$T/rs.out" && ok || bad "rs: journal $(out rs)"
r s1 person show "$P1"
[ "$(rc s1)" != 0 ] && ok || bad "the erased person came back: $(out s1)"
r s2 person show "$P2"
expect_ok s2
grep -q 'teppo.pg@example.fi' "$T/s2.out" && ok || bad "restored P2 lacks the email: $(out s2)"
r s3 person show "$P3"
[ "$(rc s3)" != 0 ] && ok || bad "the person added after the backup is still there"
[ "$(q 'select count(*) from person')" = 1 ] && ok || bad "persons after restore: $(q 'select count(*) from person')"
r v audit verify
expect_ok v
r al audit list
grep -q 'backup.restored' "$T/al.out" && ok || bad "no backup.restored: $(out al)"
# The database takes writes again, with new ids past the restored ones.
P4=$(add "Uusi Asiakas" new.pg@example.fi)
[ -n "$P4" ] && ok || bad "no write after the restore"
r v2 audit verify
expect_ok v2
no_leftovers restore

# A new, empty database: no --force needed.
q 'create database rekisteri_two'
TWO=${RK_PG_URI%/*}/rekisteri_two
r r2 restore --db "$TWO" --no-journal "$T/pg.bak"
expect_ok r2
r s4 person show --db "$TWO" "$P1"
expect_ok s4
r v3 audit verify --db "$TWO"
expect_ok v3
no_leftovers empty

# A database that holds something else is refused by init (and so by every command),
# naming the tables, and left as it was.
q 'create database other_app'
OTHER=${RK_PG_URI%/*}/other_app
psql "$OTHER" -qAt -v ON_ERROR_STOP=1 -c 'create table orders (id int)' || bad "other_app"
r i2 init --db "$OTHER"
refused i2 1 "not rekisteri's"
[ "$(psql "$OTHER" -qAt -c "select count(*) from information_schema.tables where table_schema = 'public'")" = 1 ] \
    && ok || bad "init changed the other application's database"

# Views (an extension's, say pg_stat_statements in public) are no other application's data:
# init takes such a database.
q 'create database with_view'
VIEWDB=${RK_PG_URI%/*}/with_view
psql "$VIEWDB" -qAt -v ON_ERROR_STOP=1 -c 'create view v as select 1 as one' || bad "with_view"
r i3 init --db "$VIEWDB"
expect_ok i3

# An empty database is not a register until init: a command refuses it (exit 2, one line
# saying what to run; r() checks the password is not shown) and creates nothing.
q 'create database never_init'
EMPTY=${RK_PG_URI%/*}/never_init
r e1 person find --db "$EMPTY" maija.pg@example.fi
refused e1 2 "holds no register: create one with 'rekisteri init'"
[ "$(psql "$EMPTY" -qAt -c "select count(*) from information_schema.tables where table_schema = 'public'")" = 0 ] \
    && ok || bad "a command created tables in a database nobody initialised"
r e2 init --db "$EMPTY"
expect_ok e2
r e3 audit verify --db "$EMPTY"
expect_ok e3

rk_finish pg_backup
