#!/bin/sh
# backup.sh — `rekisteri backup` and `restore` end to end: a register with a
# few persons backed up while open, restored to a new path with the persons
# there and the audit chain holding (backup.restored recorded); a flipped
# byte, a truncated file, a wrong key and an existing target without --force
# each refused with one clear line and the documented status, nothing
# written and no plaintext copy left behind; the email not in the file;
# backups taken while another process writes restore to a chain that holds.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_ACTOR=tester
# One erasure journal for every database of this test, as on another disk (core/journal.h).
export REKISTERI_ERASURE_JOURNAL="$T/erasures"

# No plain copy or partial file may remain anywhere under $T.
no_leftovers() {
    left=$(find "$T" -name '*.plain-*' -o -name '*.part-*' -o -name '*.restore-*')
    [ -z "$left" ] && ok || bad "$1: temporary files left behind: $left"
}

r init init
expect_ok init
r a1 person add --register customer --purpose sales_promotion --source public_source --consent-channel phone \
    --name "Maija Mallikas" --email maija.backup@example.fi
expect_ok a1
P1=$(out a1)
r a2 person add --register customer --purpose sales_promotion --source public_source --consent-channel phone \
    --name "Teppo Testaaja" --email teppo.backup@example.fi
expect_ok a2
P2=$(out a2)
r a3 person add --register customer --purpose sales_promotion --source public_source --consent-channel phone \
    --name "Liisa Laine" --phone "040 765 4321"
expect_ok a3

r b backup "$T/reg.bak"
expect_ok b
grep -q '^backup written: [0-9]* pages, [0-9]* bytes$' "$T/b.out" && ok || bad "b: output $(out b)"
[ "$(stat -c %a "$T/reg.bak")" = 600 ] && ok || bad "backup mode $(stat -c %a "$T/reg.bak")"
[ "$(head -c 19 "$T/reg.bak")" = "rekisteri-backup 1" ] && ok || bad "backup header"
if grep -q -a 'maija.backup@example.fi' "$T/reg.bak" || grep -q -a 'Mallikas' "$T/reg.bak"; then
    bad "the backup holds personal data in clear"
else ok; fi
no_leftovers backup
r al audit list
grep -q 'backup.created.*pages=[0-9]* bytes=[0-9]*' "$T/al.out" && ok || bad "no backup.created: $(out al)"
r b2 backup "$T/reg.bak"
refused b2 2 "exists; use --force"
r b3 backup --force "$T/reg.bak"
expect_ok b3

# Restore into a new path: the persons are there, the chain holds.
mkdir "$T/new"
r rs restore --db "$T/new/reg.db" "$T/reg.bak"
expect_ok rs
r s1 person show --db "$T/new/reg.db" "$P1"
expect_ok s1
grep -q 'maija.backup@example.fi' "$T/s1.out" && ok || bad "restored person lacks the email"
r s2 person show --db "$T/new/reg.db" "$P2"
expect_ok s2
r v audit verify --db "$T/new/reg.db"
expect_ok v
r al2 audit list --db "$T/new/reg.db"
grep -q 'backup.restored' "$T/al2.out" && ok || bad "no backup.restored: $(out al2)"
no_leftovers restore

# An existing target without --force.
r rs2 restore --db "$T/new/reg.db" "$T/reg.bak"
refused rs2 2 "use --force"

# A flipped byte in the middle of the ciphertext.
cp "$T/reg.bak" "$T/flip.bak"
size=$(stat -c %s "$T/flip.bak")
off=$((size / 2))
orig=$(dd if="$T/flip.bak" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((orig + 1) % 256)))" |
    dd of="$T/flip.bak" bs=1 seek=$off count=1 conv=notrunc 2>/dev/null
cmp -s "$T/reg.bak" "$T/flip.bak" && bad "the byte was not flipped" || ok
r rf restore --db "$T/flip.db" "$T/flip.bak"
refused rf 1 "does not decrypt"
[ ! -e "$T/flip.db" ] && ok || bad "a tampered backup wrote a database"

# A truncated file (last bytes missing, and only its first chunk).
head -c $((size - 10)) "$T/reg.bak" >"$T/trunc.bak"
r rt restore --db "$T/trunc.db" "$T/trunc.bak"
refused rt 1 "nothing was written"
[ ! -e "$T/trunc.db" ] && ok || bad "a truncated backup wrote a database"
head -c 65579 "$T/reg.bak" >"$T/trunc2.bak"
r rt2 restore --db "$T/trunc2.db" "$T/trunc2.bak"
refused rt2 1 "truncated\|does not decrypt"
[ ! -e "$T/trunc2.db" ] && ok || bad "a truncated backup wrote a database"

# Not a backup at all.
echo "hello" >"$T/junk.bak"
r rj restore --db "$T/junk.db" "$T/junk.bak"
refused rj 1 "not a rekisteri backup"

# A wrong key.
r k2 init --db "$T/other.db" --key-file "$T/other.key"
expect_ok k2
r rk restore --db "$T/wrong.db" --key-file "$T/other.key" "$T/reg.bak"
refused rk 1 "another key"
[ ! -e "$T/wrong.db" ] && ok || bad "a backup under another key wrote a database"

# Online: backups taken while another process keeps adding persons are each
# one consistent snapshot, whose audit chain holds after a restore.
(
    i=0
    while [ $i -lt 15 ]; do
        "$REKISTERI" person add --register customer --purpose sales_promotion \
            --source public_source --consent-channel phone --name "Busy $i" \
            --email "busy$i@example.fi" >/dev/null 2>&1
        i=$((i + 1))
    done
) &
writer=$!
n=0
while [ $n -lt 5 ]; do
    r bo backup --force "$T/online.bak"
    expect_ok bo
    rm -f "$T/online.db"
    r ro restore --db "$T/online.db" "$T/online.bak"
    expect_ok ro
    r vo audit verify --db "$T/online.db"
    expect_ok vo
    n=$((n + 1))
done
wait $writer

# --force replaces the database and the chain still holds.
r rff restore --force --db "$T/new/reg.db" "$T/reg.bak"
expect_ok rff
r v2 audit verify --db "$T/new/reg.db"
expect_ok v2
no_leftovers refusals

rk_finish
