#!/bin/sh
# man_page.sh — the manual page packaging/rekisteri.1 stays complete and renders clean
# (issue 17, "Running it"): every command the binary's --help lists has its
# ".SS COMMAND" section, and every subcommand a command's --help lists has its
# ".TP" entry ".B rekisteri COMMAND SUB"; groff (man(7) macros, every warning on)
# and man render the page without a warning. The lists come from the real binary.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
PAGE=$RK_SOURCE_DIR/packaging/rekisteri.1

# list HEADING FILE: the first words of the indented lines under HEADING in a --help.
list() {
    awk -v h="$1" '$0 == h {f = 1; next} f && /^  [a-z]/ {print $1} f && /^$/ {f = 0}' "$2"
}
# The entries the page holds: ".SS NAME" lines, and the ".B" line after each ".TP".
sed -n 's/^\.SS //p' "$PAGE" >sections
awk 'p {print; p = 0} /^\.TP$/ {p = 1}' "$PAGE" | sed -n 's/^\.B //p' >entries

R --help >top.help 2>&1 || bad "rekisteri --help: status $?"
list commands: top.help >commands
[ "$(wc -l <commands)" -ge 20 ] || bad "rekisteri --help lists only $(wc -l <commands) commands"
nsub=0
while read -r c; do
    if grep -qxF -- "$c" sections; then ok; else bad "the man page has no '.SS $c'"; fi
    R "$c" --help >"help.$c" 2>&1 || bad "rekisteri $c --help: status $?"
    for s in $(list subcommands: "help.$c"); do
        nsub=$((nsub + 1))
        if grep -qxF -- "rekisteri $c $s" entries; then ok; else
            bad "the man page has no '.TP' entry '.B rekisteri $c $s'"
        fi
    done
done <commands
[ "$nsub" -ge 30 ] || bad "only $nsub subcommands found in the --help texts"
# No entry for a command the binary no longer has.
while read -r c; do
    grep -qxF -- "$c" commands || bad "the man page describes '$c', which rekisteri --help does not list"
done <sections

# Rendering: groff's man macros with every warning, then man(1) itself when present.
if groff -man -ww -z "$PAGE" >groff.err 2>&1 && [ ! -s groff.err ]; then ok; else
    bad "groff -man -ww warns: $(head -5 groff.err)"
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man --warnings -l -Tutf8 "$PAGE" >page.txt 2>man.err
    if [ ! -s man.err ] && grep -q "rekisteri key show" page.txt; then ok; else
        bad "man --warnings: $(head -5 man.err)"
    fi
fi
rk_finish "man page"
