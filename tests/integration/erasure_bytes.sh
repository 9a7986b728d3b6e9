#!/bin/sh
# erasure_bytes.sh — erasure that really erases: among 3,000 persons, one is
# erased (`rights erase`), and afterwards not one byte of their name, phone or
# sole-trader name is left in the SQLite main file, its write-ahead log or its
# shared-memory file; the others are all still there. The email survives
# only where art 19 needs it: in the notices telling the recipients, until
# they are delivered (a later sweep must clear and checkpoint those). The
# same through a data-subject request (`request complete`).
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
unset REKISTERI_DB REKISTERI_KEY_FILE REKISTERI_NOW
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
R() { "$REKISTERI" "$@"; }
# leftover VALUE...: the database files that still hold any of the values.
leftover() {
    for v in "$@"; do
        for f in var/rekisteri.db var/rekisteri.db-wal var/rekisteri.db-shm; do
            [ -f "$f" ] && grep -aqF "$v" "$f" && echo "$f: $v"
        done
    done
}

R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
{
    echo "name,email,phone,organisation"
    i=0
    while [ $i -lt 3000 ]; do
        printf 'Henkilö %d,h%d@example.net,+35840%07d,Yritys %d Oy\n' $i $i $i $((i % 50))
        i=$((i + 1))
    done
} >many.csv
R import --register customer --purpose customer_relationship --source contract many.csv \
    >/dev/null 2>&1 && ok || bad "import"
# erase_one NAME EMAIL PHONE ORG HOW: adds the person, erases them HOW, checks the bytes.
erase_one() {
    id=$(R person add --register customer --purpose customer_relationship --source meeting \
        --name "$1" --email "$2" --phone "$3" --organisation "$4")
    R person add --register marketing --purpose sales_promotion --source web_form --person "$id" \
        --name "$1" --email "$2" --consent-channel web_form >/dev/null
    [ -n "$(leftover "$1" "$2")" ] && ok || bad "set-up: $1 not in the files"
    if [ "$5" = rights ]; then
        R rights erase "$id" >/dev/null 2>"$T/err" || bad "rights erase: $(cat "$T/err")"
    else
        rid=$(R request new --type erasure --email "$2" --channel post | cut -d' ' -f1)
        R request verify "$rid" --method in_person --document passport >/dev/null
        R request complete "$rid" >/dev/null 2>"$T/err" || bad "request complete: $(cat "$T/err")"
    fi
    left=$(leftover "$1" "$3" "$4")
    [ -z "$left" ] && ok || bad "erased values left in the files ($5): $left"
    n=$(sqlite3 var/rekisteri.db "SELECT count(*) FROM recipient_notice WHERE identity_email = '$2'")
    others=$(sqlite3 var/rekisteri.db "SELECT (SELECT count(*) FROM entry WHERE email = '$2') +
        (SELECT count(*) FROM request WHERE email = '$2') + (SELECT count(*) FROM outbox
        WHERE recipient = '$2') + (SELECT count(*) FROM signup WHERE email = '$2')")
    [ "$n" = 2 ] && [ "$others" = 0 ] && ok \
        || bad "the email ($5): $n notices, $others other rows"
}
erase_one "Zygmunt Qwertyläinen" zygmunt.qwerty@example.org +358401112233 "Toiminimi Qwertyläinen" rights
erase_one "Xenia Vbnmsdottir" xenia.vbnm@example.org +358409998877 "Vbnm Tmi" request
[ "$(sqlite3 var/rekisteri.db "SELECT count(*) FROM entry")" = 3000 ] && ok \
    || bad "the others did not all survive"
[ -n "$(leftover "Henkilö 2999" h2999@example.net)" ] && ok || bad "an unerased person is gone"
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
