#!/bin/sh
# journal_rotate.sh — the erasure journal across key rotations (core/journal.h
# design 9, 10) end to end with the real binary: a backup under key
# generation 1, person A erased (journaled under 1), `key rotate` (the journal
# gets its marker, MACed under the old key), person B erased (journaled under
# 2); `journal verify` holds across the marker; `restore --force` of the
# generation-1 backup brings it forward and re-applies both records — A and B
# gone, both emails suppressed, the audit chain holds. Refused, by line: a
# tampered marker, a marker naming a generation the key file does not hold
# (the key file from before the rotation). A second rotation chains on, and a
# rotation re-run after the journal was left unmarked (a crash) marks it once, and one
# whose journal cannot be marked stops before the key file is renamed.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
unset REKISTERI_NOW SMTP REKISTERI_ERASURE_JOURNAL
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_DB="$T/reg.db" REKISTERI_KEY_FILE="$T/reg.key" REKISTERI_ACTOR=tester
J="$T/reg.db.erasures"

add() { # add NAME EMAIL: prints the new person's id
    "$REKISTERI" person add --register customer --purpose customer_relationship \
        --source meeting --name "$1" --email "$2"
}
held() { "$REKISTERI" person find "$1" >/dev/null 2>&1 && ok || bad "$1 is not held"; }
gone() { "$REKISTERI" person find "$1" >/dev/null 2>&1 && bad "$1 is still held" || ok; }
suppressed() { "$REKISTERI" suppress check --email "$1" >/dev/null 2>&1 && ok || bad "$1 not suppressed"; }

r init init
expect_ok init
A=$(add "Aino Ensimmäinen" aino.gen@example.fi)
B=$(add "Bertta Toinen" bertta.gen@example.fi)
K=$(add "Kalle Pysyvä" kalle.gen@example.fi)
[ -n "$A" ] && [ -n "$B" ] && [ -n "$K" ] && ok || bad "persons not added"
r b backup "$T/gen1.bak"
expect_ok b
cp "$T/reg.key" "$T/gen1.key"

# A erased under generation 1, the key rotated, B erased under generation 2.
r ea rights erase "$A"
expect_ok ea
r rot key rotate
expect_ok rot
grep -q "journal the erasure journal marks the new generation" "$T/rot.out" && ok \
    || bad "key rotate output: $(out rot)"
[ "$(sed -n 3p "$J" | cut -d' ' -f1,3)" = "key 2" ] && ok || bad "no marker after A: $(cat "$J")"
r eb rights erase "$B"
expect_ok eb
[ "$(wc -l <"$J")" = 4 ] && ok || bad "journal lines: $(cat "$J")"
r v1 journal verify
expect_ok v1
grep -q "^erasure journal $J: 2 records, the chain holds; 0 not in the database$" "$T/v1.out" \
    && grep -q "1 key rotation marker(s) passed; it continues under key generation 2" "$T/v1.out" \
    && ok || bad "journal verify: $(out v1)"
if grep -q -e '@' -e example "$J"; then bad "the journal holds personal data"; else ok; fi

# Refusals, by line: the key file from before the rotation does not hold generation 2;
# a tampered marker fails its MAC.
r v0 init --db "$T/old.db" --key-file "$T/gen1.key" --journal "$T/old.erasures"
expect_ok v0
r v2 journal verify --db "$T/old.db" --key-file "$T/gen1.key" --journal "$J"
refused v2 1 "$J:3: the key generation marker names generation 2, which the key file does not hold"
cp "$J" "$T/good.erasures"
sed -i '3s/^key \([0-9]*\) 2 /key \1 3 /' "$J"
r v3 journal verify
refused v3 1 "$J:3: the MAC does not match"
cp "$T/good.erasures" "$J"

# The generation-1 backup restored: brought forward, both records re-applied.
r rs restore --force "$T/gen1.bak"
expect_ok rs
grep -q "key generation 1 -> 2" "$T/rs.out" && ok || bad "restore did not bring forward: $(out rs)"
grep -q "2 records, 0 already in the backup, 2 re-applied (2 persons erased" "$T/rs.out" && ok \
    || bad "restore output: $(out rs)"
gone aino.gen@example.fi
gone bertta.gen@example.fi
held kalle.gen@example.fi
suppressed aino.gen@example.fi
suppressed bertta.gen@example.fi
A2=$(add "Aino Ensimmäinen" aino.gen@example.fi 2>"$T/a2.err")
[ -z "$A2" ] && ok || bad "A's email was added again after the restore"
r av audit verify
expect_ok av
r v4 journal verify
expect_ok v4
grep -q "2 records, the chain holds; 0 not in the database" "$T/v4.out" && ok \
    || bad "journal verify after restore: $(out v4)"

# A second rotation: a second marker, erasures chain on, verify walks all three.
r rot2 key rotate
expect_ok rot2
r ek rights erase "$K"
expect_ok ek
r v5 journal verify
expect_ok v5
grep -q "3 records, the chain holds" "$T/v5.out" \
    && grep -q "2 key rotation marker(s) passed; it continues under key generation 3" "$T/v5.out" \
    && ok || bad "journal verify after two rotations: $(out v5)"

# A rotation whose marker never reached the journal (a crash between the commit and
# the append): the re-run of `key rotate` finishes it, marking the journal once.
cp "$J" "$T/before3.erasures"
cp "$T/reg.key" "$T/gen3.key"
r rot3 key rotate
expect_ok rot3
cp "$T/before3.erasures" "$J"
cp "$T/reg.key" "$T/reg.key.new"
cp "$T/gen3.key" "$T/reg.key"
chmod 600 "$T/reg.key" "$T/reg.key.new"
r rot4 key rotate
expect_ok rot4
grep -q "finished the interrupted rotation" "$T/rot4.out" && ok || bad "rot4: $(out rot4)"
[ "$(grep -c '^key ' "$J")" = 3 ] && ok || bad "markers after the finish: $(cat "$J")"
r v6 journal verify
expect_ok v6
grep -q "continues under key generation 4" "$T/v6.out" && ok || bad "v6: $(out v6)"

# A journal that cannot be marked (its last record altered) stops the rotation after the
# database committed, saying to run it again; with the journal put right, the re-run
# finishes it.
cp "$J" "$T/good4.erasures"
sed -i '$s/^\(.\)/x\1/' "$J"
r rot6 key rotate
refused rot6 1 "the erasure journal could not be marked"
grep -q "run 'rekisteri key rotate' again to finish" "$T/rot6.err" && ok || bad "rot6: $(cat "$T/rot6.err")"
[ -f "$T/reg.key.new" ] && ok || bad "KEY.new was not kept for the re-run"
cp "$T/good4.erasures" "$J"
r rot7 key rotate
expect_ok rot7
grep -q "finished the interrupted rotation: the key file is at generation 5" "$T/rot7.out" && ok \
    || bad "rot7: $(out rot7)"
r v7 journal verify
expect_ok v7
grep -q "4 key rotation marker(s) passed; it continues under key generation 5" "$T/v7.out" && ok \
    || bad "v7: $(out v7)"
r av2 audit verify
expect_ok av2

rk_finish
