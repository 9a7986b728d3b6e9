#!/bin/sh
# erasure_bytes.sh — erasure that really erases: among 3,000 persons, one is
# erased (`rights erase`), and afterwards not one byte of their name, email,
# phone or sole-trader name is left in the SQLite main file, its write-ahead
# log, its shared-memory file or the erasure journal; the others are all
# still there. The email survives only where art 19 needs it, in the notices
# telling the recipients, and there only sealed (core/rotate.h, "Sealed
# values"): two notices per person hold a sealed identity. The same through
# a data-subject request (`request complete`). Then the notices are delivered
# to a real HTTP receiver (the Mailchimp bridge's webhook; Salesforce has no
# connector: unsupported): each webhook carries the right person's email,
# and every sealed identity is wiped at once, the unsupported ones too, with
# no 30-day wait; a sweep 31 days later deletes the finished notices and
# checkpoints the log: not one byte of either email is left in any file.
# Queued mail: a message to a third person's address, naming them, is queued
# while no SMTP relay is reachable; the person is erased; neither the address
# nor the name is in the files; once the relay works (tests/tools/smtp_sink.c)
# the message arrives intact and its sealed content is wiped.
# CTest sets REKISTERI, RK_SOURCE_DIR, SMTP_SINK and HTTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${HTTP_SINK:?}" "${SMTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW
export WEBHOOK_SECRET=whsec-erasure-bytes-0123456789
rk_sink http hook
rk_example_webhook "http://127.0.0.1:$PORT/hook" WEBHOOK_SECRET >decl.yaml
export REKISTERI_DECLARATION="$T/decl.yaml"
# leftover VALUE...: the database files and the erasure journal that still hold any of the
# values.
leftover() {
    for v in "$@"; do
        for f in var/rekisteri.db var/rekisteri.db-wal var/rekisteri.db-shm \
            var/rekisteri.db.erasures; do
            [ -f "$f" ] && grep -aqF "$v" "$f" && echo "$f: $v"
        done
    done
}
# sealed [--person ID]: recipient notices holding a sealed identity (only queued ones can).
sealed() { rk_census "$@" sealed_notices; }

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
    # With the notices still pending: none of the values, the email included.
    left=$(leftover "$1" "$2" "$3" "$4")
    [ -z "$left" ] && ok || bad "erased values left in the files ($5): $left"
    n=$(sealed --person "$id")
    # This script's subject is what the SQLite file holds: the email's rows read raw.
    others=$(sqlite3 var/rekisteri.db "SELECT (SELECT count(*) FROM entry WHERE email = '$2') +
        (SELECT count(*) FROM request WHERE email = '$2') +
        (SELECT count(*) FROM signup WHERE email = '$2')")
    [ "$n" = 2 ] && [ "$others" = 0 ] && ok \
        || bad "the email ($5): $n notices sealed for the recipients, $others other rows"
}
erase_one "Zygmunt Qwertyläinen" zygmunt.qwerty@example.org +358401112233 "Toiminimi Qwertyläinen" rights
erase_one "Xenia Vbnmsdottir" xenia.vbnm@example.org +358409998877 "Vbnm Tmi" request
[ "$(rk_census entries)" = 3000 ] && ok \
    || bad "the others did not all survive"
[ -n "$(leftover "Henkilö 2999" h2999@example.net)" ] && ok || bad "an unerased person is gone"

# The notices go out: two delivered to the webhook, each carrying its person's email opened
# from the seal, two unsupported (Salesforce: to be told by hand). Every sealed identity is
# wiped as the notice ends, unsupported ones too.
OUT=$(R recipients send 2>"$T/err")
[ "$OUT" = "delivered 2, pending 0, completed 0, retried 0, failed 0, unsupported 2" ] && ok \
    || bad "recipients send: $OUT $(cat "$T/err")"
[ "$(find hook -name '*.req' | wc -l | tr -d ' ')" = 2 ] && ok || bad "the receiver got no notices"
got=$(cat hook/*.body | jq -r '.event + " " + .identity.email' | sort | tr '\n' ,)
[ "$got" = "erasure xenia.vbnm@example.org,erasure zygmunt.qwerty@example.org," ] && ok \
    || bad "the webhooks carried: $got"
! grep -qE 'zygmunt|xenia' "$T/err" && ok || bad "the deliverer logged an email"
n=$(sealed)
[ "$n" = 0 ] && ok || bad "$n notices still hold a sealed email after delivery (want none)"
[ "$(R recipients list --format json | jq -r .unsupported)" = 2 ] \
    && ok || bad "the unsupported notices are not kept (staff tell Salesforce by hand)"
# A month later the sweep deletes the finished notices and checkpoints the log.
LATER=$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)
R sweep --now "$LATER" --format json >"$T/sweep.json" 2>"$T/err" || bad "sweep: $(cat "$T/err")"
jq -e '.retention.notices_deleted == 4 and .checkpointed' "$T/sweep.json" >/dev/null && ok \
    || bad "sweep: $(cat "$T/sweep.json")"
left=$(leftover zygmunt.qwerty@example.org xenia.vbnm@example.org "Zygmunt" "Xenia")
[ -z "$left" ] && ok || bad "erased emails left in the files after the sweep: $left"
[ "$(rk_census entries)" = 3000 ] && ok \
    || bad "the sweep took others with it"
[ -n "$(leftover "Henkilö 2999" h2999@example.net)" ] && ok || bad "an unerased person is gone"
R audit verify >/dev/null 2>&1 && ok || bad "the audit chain does not verify"

# ---- Queued mail to an erased person ----
# A message to the person's address, naming them, queued while no relay is reachable; then
# the person is erased. The message (not the person's data) is still to go: sealed.
id=$(R person add --register customer --purpose customer_relationship --source meeting \
    --name "Wilhelmiina Kvistberg" --email wilhelmiina.kvist@example.org --phone +358405556677)
MID=$(R mail test --to wilhelmiina.kvist@example.org --subject "Hei Wilhelmiina Kvistberg" \
    2>/dev/null)
[ -n "$MID" ] && ok || bad "mail test did not queue"
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OUT=$(R outbox send --smtp "smtp://127.0.0.1:$DEAD" --mail-from noreply@example.fi 2>/dev/null)
[ "$OUT" = "sent 0, retried 1, failed 0" ] && ok || bad "an unreachable relay: $OUT"
R rights erase "$id" >/dev/null 2>"$T/err" || bad "rights erase: $(cat "$T/err")"
left=$(leftover wilhelmiina.kvist@example.org "Wilhelmiina" Kvistberg +358405556677)
[ -z "$left" ] && ok || bad "the queued message left the person in the files: $left"
[ "$(R outbox list --format json | jq -r .queued)" = 1 ] && ok || bad "the message is not queued"
rk_sink smtp mail --max-seconds 100
SPORT=$PORT
# An hour later (past the retry's backoff) the relay works.
OUT=$(REKISTERI_NOW=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ) R outbox send \
    --smtp "smtp://127.0.0.1:$SPORT" --mail-from noreply@example.fi 2>"$T/err")
[ "$OUT" = "sent 1, retried 0, failed 0" ] && ok || bad "outbox send: $OUT $(cat "$T/err")"
E=mail/0001.eml
grep -q "^To: wilhelmiina.kvist@example.org$(printf '\r')\$" "$E" \
    && grep -q "^Subject: Hei Wilhelmiina Kvistberg$(printf '\r')\$" "$E" \
    && grep -q "^RCPT TO:<wilhelmiina.kvist@example.org>" mail/0001.env \
    && grep -q "^T=C3=A4m=C3=A4 on rekisterin testiviesti" "$E" && ok \
    || bad "the message did not arrive intact: $(cat "$E")"
! grep -q wilhelmiina "$T/err" && ok || bad "the sender logged the address"
[ "$(rk_census sealed_outbox)" = 0 ] \
    && ok || bad "the sent message keeps its sealed content"
rk_finish
