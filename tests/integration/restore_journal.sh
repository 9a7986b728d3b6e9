#!/bin/sh
# restore_journal.sh — the erasure journal (core/journal.h) end to end with the
# real binary: `init` creates it (mode 0600); a person erased before the backup
# who came back (the suppression lifted) before it stays after a restore; after
# the backup one person is erased with `rights erase` and one through a
# completed erasure request, and one person is added; `restore --force`
# re-applies exactly the two later erasures (both gone and suppressed, the new
# person gone with the backup, the returned person kept), audits them and the
# chain verifies. Refused with one line and nothing written: a tampered line
# (named), a journal lacking the backup's records, a missing journal (unless
# --no-journal), an erasure whose journal cannot be written. A torn last line
# is reported and tolerated. The journal holds no email or phone.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_DB="$T/reg.db" REKISTERI_KEY_FILE="$T/reg.key"
export REKISTERI_ACTOR=tester
unset REKISTERI_ERASURE_JOURNAL
J="$T/reg.db.erasures"

add() { # add NAME EMAIL [PHONE]: prints the new person's id
    if [ $# -gt 2 ]; then
        "$REKISTERI" person add --register customer --purpose customer_relationship \
            --source meeting --name "$1" --email "$2" --phone "$3"
    else
        "$REKISTERI" person add --register customer --purpose customer_relationship \
            --source meeting --name "$1" --email "$2"
    fi
}
# held EMAIL / gone EMAIL: whether `person find` finds the email.
held() { "$REKISTERI" person find "$1" >/dev/null 2>&1 && ok || bad "$1 is not held"; }
gone() { "$REKISTERI" person find "$1" >/dev/null 2>&1 && bad "$1 is still held" || ok; }
suppressed() { "$REKISTERI" suppress check --email "$1" >/dev/null 2>&1 && ok || bad "$1 not suppressed"; }
no_leftovers() {
    left=$(find "$T" -name '*.restore-*')
    [ -z "$left" ] && ok || bad "$1: temporary files left behind: $left"
}

r init init
expect_ok init
grep -q "^erasure journal $J: created" "$T/init.out" && ok || bad "init: $(out init)"
[ "$(cat "$J")" = "rekisteri-erasures 1" ] && ok || bad "a new journal: $(cat "$J")"
[ "$(stat -c %a "$J")" = 600 ] && ok || bad "journal mode $(stat -c %a "$J")"

# Before the backup: a person erased, then back with the same email (the suppression
# lifted, as when the person later asks to be listed again).
E0=$(add "Entinen Asiakas" early@example.fi)
r e0 rights erase "$E0"
expect_ok e0
[ "$(wc -l <"$J")" = 2 ] && ok || bad "no journal record after the erasure: $(cat "$J")"
# sqlite3: no operation lifts a suppression yet; the SQLite file is edited as an operator
# would by hand, so that the restore meets a journal record whose suppression is gone.
sqlite3 "$T/reg.db" "DELETE FROM suppression"
E1=$(add "Entinen Asiakas" early@example.fi)
[ -n "$E1" ] && ok || bad "the returning person was not added"
K=$(add "Pysyvä Asiakas" keep@example.fi)
G1=$(add "Poistuva Yksi" gone1@example.fi "040 765 4321")
G2=$(add "Poistuva Kaksi" gone2@example.fi)

r b backup "$T/reg.bak"
expect_ok b

# After the backup: two erasures (CLI and request) and a new person.
r e1 rights erase "$G1"
expect_ok e1
ER=$("$REKISTERI" request new --type erasure --email gone2@example.fi --channel post | cut -d' ' -f1)
"$REKISTERI" request verify "$ER" --method in_person --document passport >/dev/null
r e2 request complete "$ER"
expect_ok e2
N=$(add "Uusi Asiakas" new@example.fi)
[ -n "$N" ] && ok || bad "the new person was not added"
r v journal verify
expect_ok v
grep -q "^erasure journal $J: 3 records, the chain holds; 0 not in the database$" "$T/v.out" && ok \
    || bad "journal verify: $(out v)"
if grep -q -e '@' -e example -e 407654321 -e Poistuva "$J"; then bad "the journal holds personal data"; else ok; fi
cp "$J" "$T/good.erasures"

r rs restore --force "$T/reg.bak"
expect_ok rs
grep -q "^erasure journal $J: 3 records, 1 already in the backup, 2 re-applied (2 persons erased" \
    "$T/rs.out" && ok || bad "restore output: $(out rs)"
gone gone1@example.fi
gone gone2@example.fi
suppressed gone1@example.fi
suppressed gone2@example.fi
"$REKISTERI" suppress check --phone "040 765 4321" >/dev/null 2>&1 && ok || bad "phone not suppressed"
gone new@example.fi
held early@example.fi
held keep@example.fi
r av audit verify
expect_ok av
r al audit list
[ "$(grep -c 'restore *journal.reapplied' "$T/al.out")" = 2 ] && ok || bad "reapplied events: $(out al)"
grep -q "restore *rights.erase *$G1" "$T/al.out" && grep -q "restore *rights.erase *$G2" "$T/al.out" \
    && ok || bad "erasures as actor restore: $(out al)"
grep -q 'backup.restored.*journal_records=3 reapplied=2' "$T/al.out" && ok || bad "summary: $(out al)"
no_leftovers rs
# The records are now in the database: verify says so, and a second look re-applies nothing.
r v2 journal verify
grep -q "3 records, the chain holds; 0 not in the database" "$T/v2.out" && ok || bad "v2: $(out v2)"

# A tampered line is refused, naming it; nothing is written.
sed '3s/ [0-9]* / 1000 /' "$T/good.erasures" >"$T/tampered.erasures"
sum=$(md5sum <"$T/reg.db")
r rt restore --force --journal "$T/tampered.erasures" "$T/reg.bak"
refused rt 1 "tampered.erasures:3: the MAC does not match"
grep -q "nothing was written" "$T/rt.err" && ok || bad "rt: $(cat "$T/rt.err")"
[ "$(md5sum <"$T/reg.db")" = "$sum" ] && ok || bad "a refused restore changed the database"
no_leftovers rt
r vt journal verify --journal "$T/tampered.erasures"
refused vt 1 ":3: the MAC does not match"
sed '2d' "$T/good.erasures" >"$T/cut.erasures"
r vc journal verify --journal "$T/cut.erasures"
refused vc 1 "cut.erasures:2: the MAC does not match"

# Another register's journal (or one cut short) lacks the backup's record: refused.
printf 'rekisteri-erasures 1\n' >"$T/empty.erasures"
r re restore --force --journal "$T/empty.erasures" "$T/reg.bak"
refused re 1 "lacks"
no_leftovers re

# A missing journal is refused unless --no-journal (then the erasures come back).
r rm restore --db "$T/other.db" --journal "$T/nowhere.erasures" "$T/reg.bak"
refused rm 2 "no erasure journal at $T/nowhere.erasures"
[ -e "$T/other.db" ] && bad "a refused restore wrote other.db" || ok
r rn restore --db "$T/other.db" --journal "$T/nowhere.erasures" --no-journal "$T/reg.bak"
expect_ok rn
grep -q "not used (--no-journal)" "$T/rn.out" && ok || bad "rn: $(out rn)"
"$REKISTERI" person find --db "$T/other.db" gone1@example.fi >/dev/null 2>&1 && ok \
    || bad "--no-journal restored without the journal yet gone1 is missing"

# A torn last line (a crash mid-append) is reported and tolerated; the next append cuts it.
cp "$T/good.erasures" "$T/torn.erasures"
printf 'abcdef 123' >>"$T/torn.erasures"
r rto restore --force --db "$T/torn.db" --journal "$T/torn.erasures" "$T/reg.bak"
expect_ok rto
grep -q "line 5 was torn by a crash and ignored" "$T/rto.out" && ok || bad "rto: $(out rto)"
r ek rights erase --db "$T/torn.db" --journal "$T/torn.erasures" "$K"
expect_ok ek
r vto journal verify --db "$T/torn.db" --journal "$T/torn.erasures"
expect_ok vto
grep -q "4 records, the chain holds" "$T/vto.out" && ! grep -q "was torn" "$T/vto.out" && ok \
    || bad "after the append: $(out vto)"

# An erasure whose journal cannot be written is refused and changes nothing.
r ef rights erase --journal "$T/no/such/dir/j" "$K"
refused ef 1 "cannot open the erasure journal"
held keep@example.fi
r ej rights erase --journal "$T/reg.bak" "$K"
refused ej 1 "not a rekisteri erasure journal"
held keep@example.fi

# The service refuses to start with a journal it cannot create.
r sv serve --listen 127.0.0.1:0 --journal "$T/no/such/dir/j"
refused sv 1 "serve: cannot create the erasure journal"

# Usage.
r u1 journal
refused u1 2 "expected 'journal verify'"
r u2 journal verify --journal "$T/nowhere.erasures"
refused u2 2 "cannot open the erasure journal"

rk_finish restore_journal
