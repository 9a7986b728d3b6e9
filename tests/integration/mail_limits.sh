#!/bin/sh
# mail_limits.sh — the mail limit over loopback, with the mail read from a real
# SMTP server (tests/tools/smtp_sink.c). Sixty posts of /forms/newsletter
# naming one address send one confirmation, every answer byte-identical to the
# first, every submission still recorded; a /requests receipt to the same
# address inside the ten minutes is withheld too (one budget across kinds);
# /metrics counts what was withheld, by kind. The server's clock is moved by
# restarting it with REKISTERI_NOW later: ten minutes on a receipt goes, then
# a confirmation every ten minutes up to five in 24 hours; the sixth is
# withheld, and so are a staff email_code link (429 mail_limit) and the receipt
# of a request staff enter; a day after the first mail, one goes again. The
# first confirmation link still confirms. The declaration's mail_limits is
# checked with positioned errors, and the server log holds no address.
# CTest sets REKISTERI, RK_SOURCE_DIR and SMTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_PUBLIC_URL
EXAMPLE="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
# The example verifies in person only; this copy also allows email_code.
sed 's/^  verification: \[in_person\]$/  verification: [in_person, email_code]/' "$EXAMPLE" >"$T/decl.yaml"
export REKISTERI_DECLARATION="$T/decl.yaml"
R() { "$REKISTERI" "$@"; }
C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }
VICTIM=uhri@example.fi

# ---- the declaration: mail_limits is checked, with line and column ----
cp "$T/decl.yaml" "$T/bad.yaml"
printf 'mail_limits:\n  min_interval: 10m\n  per_day: 0\n' >>"$T/bad.yaml"
LINE=$(($(wc -l <"$T/decl.yaml") + 2))
R validate "$T/bad.yaml" >"$T/v.out" 2>&1
[ $? != 0 ] && grep -q ":$LINE:17: error: mail_limits.min_interval: '10m' is ambiguous" "$T/v.out" \
    && grep -q ":$((LINE + 1)):12: error: mail_limits.per_day: expected a whole number from 1 to 1000" \
        "$T/v.out" && ok || bad "mail_limits errors: $(cat "$T/v.out")"
cp "$T/decl.yaml" "$T/good.yaml"
printf 'mail_limits:\n  min_interval: 10min\n  per_day: 5\n' >>"$T/good.yaml"
R validate "$T/good.yaml" >/dev/null 2>&1 && ok || bad "mail_limits as documented: $(R validate "$T/good.yaml" 2>&1)"

rk_sink smtp "$T/mail"
SINK=$PORT
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
DP=$(R token create --name dp --role dpo 2>/dev/null)

# start NOW: the server with its clock at NOW (REKISTERI_NOW), sets U; stop: SIGTERM and wait.
start() {
    : >"$T/out"
    export REKISTERI_NOW=$1 # the server's clock, and the CLI's too
    rk_serve -a "$T/out" "$T/err" --smtp "smtp://127.0.0.1:$SINK" \
        --mail-from noreply@smartum.fi --public-rate 0 --sweep-interval 0
    SERVER=$pid
}
stop() {
    rk_stop "$SERVER" 2>/dev/null
    SERVER=
}
# form NAME: one urlencoded post of the newsletter form for the victim, as a browser sends it.
form() {
    $C -D "$T/$1.h" -o "$T/$1.b" --data-urlencode "email=$VICTIM" -d consent=yes -d lang=en \
        "$U/forms/newsletter"
}
# same NAME: the answer NAME is the first one's: status, type and body byte for byte.
same() {
    [ "$(status "$1")" = "$(status first)" ] && cmp -s "$T/$1.b" "$T/first.b" \
        && [ "$(grep -i '^content-type' "$T/$1.h")" = "$(grep -i '^content-type' "$T/first.h")" ]
}
request() { # request NAME: a public access request by the victim
    $C -D "$T/$1.h" -o "$T/$1.b" -d type=access --data-urlencode "email=$VICTIM" -d lang=en \
        "$U/requests"
}
queued() { R outbox list --format json | jq '.queued + .sent + .failed'; }
metric() { sed -n "s/^rekisteri_mail_withheld_total{kind=\"$1\"} //p" "$T/metrics"; }

# ---- sixty posts naming one address: one mail ----
start 2030-01-01T10:00:00Z
form first
[ "$(status first)" = 200 ] && grep -q "Check your email" "$T/first.b" && ok \
    || bad "first post: $(status first) $(cat "$T/first.b")"
n=1 differ=0
while [ $n -lt 60 ]; do
    form "p$n"
    same "p$n" || differ=$((differ + 1))
    n=$((n + 1))
done
[ "$differ" = 0 ] && ok || bad "$differ of 59 answers differ from the first"
[ "$(queued)" = 1 ] && ok || bad "sixty posts queued $(queued) mails"
# every submission is recorded as before: sixty pending consents, one signup
PID=$(R audit list --format json | jq -r '[.[] | select(.action == "consent.given")][0].person')
[ "$(R consent list "$PID" --format json | jq length)" = 60 ] && ok \
    || bad "consents recorded: $(R consent list "$PID" --format json | jq length)"
# a receipt inside the ten minutes: withheld as well, the page as always
request q1
[ "$(status q1)" = 200 ] && grep -q "We sent a receipt to the address you gave" "$T/q1.b" && ok \
    || bad "request: $(status q1) $(cat "$T/q1.b")"
[ "$(queued)" = 1 ] && ok || bad "the receipt was queued: $(queued)"
$C -o "$T/metrics" "$U/metrics"
[ "$(metric confirmation)" = 59 ] && [ "$(metric request_receipt)" = 1 ] \
    && [ "$(metric verification)" = 0 ] && ok || bad "metrics: $(grep withheld "$T/metrics")"
grep -q '^# TYPE rekisteri_mail_withheld_total counter' "$T/metrics" && ok || bad "metric type"
stop

# ---- ten minutes on: a receipt goes, and the confirmation after it waits ----
start 2030-01-01T10:10:00Z
request q2
[ "$(status q2)" = 200 ] && [ "$(queued)" = 2 ] && ok || bad "receipt after 10 min: $(queued)"
form p60
same p60 && [ "$(queued)" = 2 ] && ok || bad "a confirmation right after the receipt: $(queued)"
stop

# ---- one every ten minutes, five in 24 hours ----
for m in 20 30 40; do
    start "2030-01-01T10:$m:00Z"
    form "t$m"
    same "t$m" && ok || bad "answer at 10:$m differs"
    stop
done
[ "$(queued)" = 5 ] && ok || bad "five mails by 10:40: $(queued)"
start 2030-01-01T10:50:00Z
form t50
same t50 && [ "$(queued)" = 5 ] && ok || bad "a sixth mail in a day: $(queued)"
# the first link still confirms
wait_mail() {
    for _ in $(seq 100); do
        [ "$(find "$T/mail" -name '*.eml' | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
body_of() { tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g'; }
wait_mail 5 && ok || bad "the sink has $(find "$T/mail" -name '*.eml' | wc -l) of 5 mails"
FIRST=$(grep -l "^Subject: Please confirm" "$T"/mail/*.eml | head -n 1)
LINK=$(body_of "$FIRST" | grep -o "/confirm/[A-Za-z0-9_-]*" | head -n 1) # another port then
$C -D "$T/c1.h" -o "$T/c1.b" -X POST "$U$LINK?lang=en"
[ "$(status c1)" = 200 ] && grep -q "Your subscription is confirmed" "$T/c1.b" && ok \
    || bad "the first link: $(status c1) $(cat "$T/c1.b")"
# a request matched to the person now: its receipt is withheld, and so is staff's link
request q3
RID=$(grep -o 'R-[A-Z2-7]\{12\}' "$T/q3.b" | head -n 1)
$C -D "$T/v1.h" -o "$T/v1.b" -H "Authorization: Bearer $DP" -H "Content-Type: application/json" \
    -d '{"method":"email_code"}' "$U/api/v1/requests/$RID/verify"
[ "$(status v1)" = 429 ] && [ "$(jq -r .error.code "$T/v1.b")" = mail_limit ] \
    && jq -r .error.message "$T/v1.b" | grep -q "mail_limits.per_day" && ok \
    || bad "staff email_code link over the day's limit: $(status v1) $(cat "$T/v1.b")"
R audit list --format json | jq -e '[.[].action] | index("request.verification_sent") == null' \
    >/dev/null && ok || bad "a refused link was audited as sent"
# staff entering a request by the CLI: recorded, its receipt withheld (five mails and the welcome)
[ "$(queued)" = 6 ] && ok || bad "before request new: $(queued)"
R request new --type access --email "$VICTIM" --channel email >/dev/null && [ "$(queued)" = 6 ] \
    && ok || bad "a staff receipt over the day's limit: $(queued)"
$C -o "$T/metrics" "$U/metrics"
[ "$(metric confirmation)" = 1 ] && [ "$(metric request_receipt)" = 1 ] \
    && [ "$(metric verification)" = 1 ] && ok || bad "metrics at 10:50: $(grep withheld "$T/metrics")"
stop

# ---- a day after the first mail, one goes again ----
start 2030-01-02T10:00:00Z
form d1
same d1 && ok || bad "answer a day later differs"
[ "$(R outbox list --format json | jq '.queued + .sent')" -ge 7 ] && ok \
    || bad "a day later: $(R outbox list --format json)" # five, the welcome and this one
wait_mail 7 && ok || bad "the sink has $(find "$T/mail" -name '*.eml' | wc -l) of 7 mails"
stop
# to the victim: six limited mails and the welcome, nothing more
n=$(grep -il "^To: $VICTIM" "$T"/mail/*.eml | wc -l)
[ "$n" = 7 ] && ok || bad "$n mails to the victim"
[ "$(grep -l '^Subject: Please confirm' "$T"/mail/*.eml | wc -l)" = 5 ] && ok || bad "confirmations"
[ "$(grep -l '^Subject: Your request was received' "$T"/mail/*.eml | wc -l)" = 1 ] && ok \
    || bad "receipts"

# ---- nothing personal in the log ----
grep -qi "$VICTIM\|uhri" "$T/err" && bad "the address in the log" || ok

rk_finish
