#!/bin/sh
# serve_answers.sh — answers that reach the person (issue 13 B, core/answer.h)
# over loopback, with the mail read from a real SMTP server
# (tests/tools/smtp_sink.c) and the clock moved by restarting the service with
# REKISTERI_NOW: the receipt links the status page (type, state, due date, an
# extension with its reason); completing an access request through the API
# emails a download link; the page emails a one-time code; five wrong codes
# lock it (even the right one is then refused); a new code and the right one
# give the files (Content-Type, Content-Disposition), each download audited
# with the request id and no address; a file without the code is refused;
# a forged link is 404; after 14 days the link answers 410 and the sweep
# deletes the files; the status page ends 90 days after closing. A request
# without an email keeps today's behaviour. The DPO's digest goes once per
# local day. The server log and the audit chain hold no address.
# CTest sets REKISTERI, RK_SOURCE_DIR and SMTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}" "${RK_CENSUS:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW REKISTERI_PUBLIC_URL
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
R() { "$REKISTERI" "$@"; }
C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }
body_of() { tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g'; }
ADDR=matti@example.fi

rk_sink smtp "$T/mail"
SINK=$PORT
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Matti Meikäläinen" --email "$ADDR")
DP=$(R token create --name dp --role dpo 2>/dev/null)
R staff add --email dpo@smartum.fi --name "Tiina Tietosuoja" --role dpo >/dev/null 2>&1
[ -n "$P" ] && [ -n "$DP" ] && ok || bad "set-up"
SERVER=

# start NOW [ARGS]: the service with its clock at NOW (rk_serve; each run's stderr in
# its own $T/err.N, all of them read by the checks at the end); stop: SIGTERM and wait.
runs=0
start() {
    export REKISTERI_NOW=$1 # the server's clock, and the CLI's too
    shift
    runs=$((runs + 1))
    rk_serve "$T/out" "$T/err.$runs" --smtp "smtp://127.0.0.1:$SINK" \
        --mail-from noreply@smartum.fi --public-rate 0 --sweep-interval 0 "$@"
    SERVER=$pid
}
stop() {
    rk_stop "$SERVER" 2>/dev/null
    SERVER=
}
nmail() { find "$T/mail" -name '*.eml' | wc -l; }
# wait_mail N: until the sink holds N mails (30 s: a loaded 2-core machine).
wait_mail() {
    for _ in $(seq 300); do
        [ "$(nmail)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# last_mail PATTERN: the newest mail whose decoded body matches PATTERN (grep).
last_mail() {
    for _f in $(ls -t "$T"/mail/*.eml 2>/dev/null); do
        body_of "$_f" | grep -q "$1" && { echo "$_f"; return 0; }
    done
    echo /dev/null
}
api() { $C -H "Authorization: Bearer $DP" -H 'Content-Type: application/json' "$@"; }
# post NAME DATA...: a form post to the answer page, as a browser sends it.
post() {
    _n=$1
    shift
    $C -D "$T/$_n.h" -o "$T/$_n.b" -H "Origin: $U" "$@" "$U/requests/answer/$ATOK"
}

# ---- the receipt links the status page ----
start 2027-01-04T08:00:00Z
$C -D "$T/new.h" -o "$T/new.b" -H "Origin: $U" -d type=access --data-urlencode "email=$ADDR" \
    -d lang=fi "$U/requests"
[ "$(status new)" = 200 ] && ok || bad "request form: $(status new)"
RID=$(grep -o 'R-[A-Z2-7]\{12\}' "$T/new.b" | head -n 1)
wait_mail 1 && ok || bad "no receipt"
REC=$(last_mail "/requests/status/")
STATUS=$(body_of "$REC" | grep -o "$U/requests/status/[A-Za-z0-9_-]*" | head -n 1)
STOK=${STATUS##*/}
[ -n "$RID" ] && [ -n "$STATUS" ] && ok || bad "the receipt has no status link"
$C -D "$T/st.h" -o "$T/st.b" "$STATUS"
[ "$(status st)" = 200 ] && grep -q 'lang="fi"' "$T/st.b" && grep -q "$RID" "$T/st.b" \
    && grep -q "tietojen tarkastaminen" "$T/st.b" && grep -q "Vastaanotettu" "$T/st.b" \
    && grep -q "4.2.2027" "$T/st.b" && ok || bad "status page: $(status st) $(cat "$T/st.b")"
$C -D "$T/st2.h" -o "$T/st2.b" "$STATUS?lang=en"
grep -q "access to your data" "$T/st2.b" && grep -q "4 February 2027" "$T/st2.b" && ok \
    || bad "status page in English"
$C -D "$T/forged.h" -o /dev/null "${STATUS%?????}AAAAA"
[ "$(status forged)" = 404 ] && ok || bad "forged status link: $(status forged)"

# ---- an extension shows with its reason ----
api -o "$T/x.json" -d '{"method":"in_person","document":"id_card"}' "$U/api/v1/requests/$RID/verify"
api -o "$T/x.json" -d '{"months":1,"reason":"Tietoja on paljon useassa järjestelmässä."}' \
    "$U/api/v1/requests/$RID/extend"
$C -o "$T/st3.b" "$STATUS"
grep -q "Tietoja on paljon useassa järjestelmässä." "$T/st3.b" && grep -q "4.3.2027" "$T/st3.b" \
    && grep -q "Henkilöllisyys vahvistettu" "$T/st3.b" && ok || bad "status page after the extension"

# ---- completing emails the download link ----
N0=$(nmail)
api -o "$T/done.json" -X POST "$U/api/v1/requests/$RID/complete"
jq -e '.status == "completed" and .person_notified == true and (.download_until | startswith("2027-01-18"))
       and .documents["access.html"] != null' "$T/done.json" >/dev/null && ok \
    || bad "complete: $(cat "$T/done.json")"
wait_mail $((N0 + 1)) && ok || bad "no answer mail"
AM=$(last_mail "/requests/answer/")
ANSWER=$(body_of "$AM" | grep -o "$U/requests/answer/[A-Za-z0-9_-]*" | head -n 1)
ATOK=${ANSWER##*/}
[ -n "$ANSWER" ] && grep -qi "^To: $ADDR" "$AM" && ok || bad "the answer mail: $(body_of "$AM")"
$C -D "$T/a.h" -o "$T/a.b" "$ANSWER"
[ "$(status a)" = 200 ] && grep -q 'name="code"' "$T/a.b" && grep -q 'value="send"' "$T/a.b" && ok \
    || bad "answer page: $(status a)"
$C -D "$T/nofile.h" -o "$T/nofile.b" "$ANSWER/access.json"
[ "$(status nofile)" = 403 ] && ! grep -q '"person"' "$T/nofile.b" && ok \
    || bad "a file without the code: $(status nofile)"
$C -D "$T/forged2.h" -o /dev/null "${ANSWER%?????}AAAAA"
[ "$(status forged2)" = 404 ] && ok || bad "forged answer link: $(status forged2)"
$C -D "$T/cross.h" -o /dev/null -H "Origin: http://evil.example" -d action=send "$ANSWER"
[ "$(status cross)" = 403 ] && ok || bad "a post from another site: $(status cross)"
stop

# ---- a code; five wrong tries lock it, even against the right one ----
start 2027-01-04T08:15:00Z
N0=$(nmail)
post send1 -d action=send -d lang=fi
[ "$(status send1)" = 200 ] && grep -q "Koodi lähetetty" "$T/send1.b" && ok \
    || bad "send a code: $(status send1) $(cat "$T/send1.b")"
wait_mail $((N0 + 1)) && ok || bad "no code mail"
post again -d action=send -d lang=fi # within the mail limit's interval: withheld
[ "$(status again)" = 429 ] && grep -q "liian monta" "$T/again.b" && ok || bad "a second code at once: $(status again)"
post empty -d code= -d lang=fi
[ "$(status empty)" = 422 ] && grep -q "6-numeroinen koodi" "$T/empty.b" && ok || bad "no code: $(status empty)"
$C -D "$T/ctype.h" -o /dev/null -H "Origin: $U" -H 'Content-Type: text/plain' --data-binary 'code=1' \
    "$U/requests/answer/$ATOK"
[ "$(status ctype)" = 415 ] && ok || bad "a post not urlencoded: $(status ctype)"
$C -D "$T/nosuch.h" -o /dev/null "$U/requests/answer/$ATOK/key"
[ "$(status nosuch)" = 404 ] && ok || bad "no such file: $(status nosuch)"
CODE=$(body_of "$(last_mail "$RID: [0-9]\{6\}")" | sed -n "s/.*$RID: \([0-9]\{6\}\).*/\1/p" | head -n 1)
[ -n "$CODE" ] && ok || bad "no code in the mail"
WRONG=$(echo "$CODE" | tr '0123456789' '1234567890') # every digit another: never the code
for i in 1 2 3 4; do
    post wrong$i -d "code=$WRONG" -d lang=fi
    [ "$(status wrong$i)" = 422 ] && grep -q "Yrityksiä jäljellä: $((5 - i))" "$T/wrong$i.b" && ok \
        || bad "wrong code $i: $(status wrong$i)"
done
post wrong5 -d "code=$WRONG" -d lang=fi
[ "$(status wrong5)" = 429 ] && grep -q "lukittu" "$T/wrong5.b" && ok || bad "5th wrong: $(status wrong5)"
post locked -d "code=$CODE" -d lang=fi
[ "$(status locked)" = 429 ] && ! grep -qi '^Set-Cookie' "$T/locked.h" && ok \
    || bad "the right code after the lock: $(status locked)"
stop

# ---- a new code (the mail limit's interval later) opens the files ----
start 2027-01-04T08:30:00Z
N0=$(nmail)
post send2 -d action=send -d lang=en
[ "$(status send2)" = 200 ] && grep -q "Code sent" "$T/send2.b" && ok || bad "a new code: $(status send2)"
wait_mail $((N0 + 1)) || bad "no second code mail"
CODE=$(body_of "$(last_mail "$RID: [0-9]\{6\}")" | sed -n "s/.*$RID: \([0-9]\{6\}\).*/\1/p" | head -n 1)
post right -d "code=$(echo "$CODE" | sed 's/^\(...\)/\1 /')" -d lang=en
COOKIE=$(sed -n 's/^Set-Cookie: \(rk_answer=[^;]*\);.*/\1/p' "$T/right.h" | tr -d '\r')
[ "$(status right)" = 200 ] && [ -n "$COOKIE" ] && grep -qi '^Set-Cookie: .*HttpOnly; SameSite=Strict' "$T/right.h" \
    && grep -q 'access.html' "$T/right.b" && grep -q 'access.json' "$T/right.b" && ok \
    || bad "the right code: $(status right) $(cat "$T/right.b")"
for f in access.html access.json; do
    $C -D "$T/$f.h" -o "$T/$f" -H "Cookie: $COOKIE" "$U/requests/answer/$ATOK/$f"
done
[ "$(status access.html)" = 200 ] && grep -qi '^Content-Type: text/html; charset=utf-8' "$T/access.html.h" \
    && grep -qi "^Content-Disposition: attachment; filename=\"$RID-access.html\"" "$T/access.html.h" \
    && grep -q "Matti" "$T/access.html" && ok || bad "access.html: $(cat "$T/access.html.h")"
# The access document speaks plain language: declared names and words, no raw ids, no
# references to sections of another document, no empty sections.
grep -q "Miksi käsittelemme tietojasi" "$T/access.html" && grep -q "Asiakkuuden hoitaminen\|asiakassuhteen" "$T/access.html" \
    && ! grep -q "customer_relationship\|web_form\|>given<\|(a) \|15 art\|kohdassa 1" "$T/access.html" \
    && ! grep -q "<h3>Laskut</h3>\|<h3>Sopimukset</h3>" "$T/access.html" && ok \
    || bad "the access document in plain language: $(sed -e 's/<[^>]*>/ /g' "$T/access.html" | tr -s ' \n' | head -c 3000)"
[ "$(status access.json)" = 200 ] && grep -qi '^Content-Type: application/json' "$T/access.json.h" \
    && jq -e . "$T/access.json" >/dev/null && ok || bad "access.json: $(status access.json)"
$C -D "$T/csv.h" -o /dev/null -H "Cookie: $COOKIE" "$U/requests/answer/$ATOK/portability.csv"
[ "$(status csv)" = 410 ] || [ "$(status csv)" = 404 ] && ok || bad "a file the answer lacks: $(status csv)"
$C -D "$T/list.h" -o "$T/list.b" -H "Cookie: $COOKIE" "$U/requests/answer/$ATOK?lang=en"
grep -q 'access.json' "$T/list.b" && ok || bad "the page with a live grant lists the files"
stop
R audit list >"$T/audit.json" 2>/dev/null
n=$(grep -c "answer.download" "$T/audit.json")
[ "$n" = 2 ] && grep "answer.download" "$T/audit.json" | grep -q "$RID" && ok \
    || bad "downloads audited: $n"
for a in answer.stored answer.code_sent answer.code_wrong answer.locked answer.opened; do
    grep -q "$a" "$T/audit.json" && ok || bad "audit has no $a"
done
grep -q "$ADDR" "$T/audit.json" && bad "an address in the audit chain" || ok

# ---- a request without an email keeps today's behaviour ----
IP=$(R request new --type access --person "$P" --channel in_person 2>/dev/null)
R request verify "$IP" --method in_person --document passport >/dev/null 2>&1
mkdir "$T/docs"
# The person's answers before and after: the in-person request adds none.
A0=$(rk_census --person "$P" answers)
R request complete "$IP" --out "$T/docs" >/dev/null 2>&1 && [ -s "$T/docs/$IP-access.html" ] \
    && [ "$(rk_census --person "$P" answers)" = "$A0" ] && ok \
    || bad "an in-person request: documents to --out, no answer stored"

# ---- 14 days later: the link says the files are gone; the sweep deletes them ----
start 2027-01-18T08:00:01Z
$C -D "$T/late.h" -o "$T/late.b" "$U/requests/answer/$ATOK?lang=fi"
[ "$(status late)" = 410 ] && grep -q "poistettu" "$T/late.b" && grep -q 'href="/requests?lang=fi"' "$T/late.b" \
    && ok || bad "after 14 days: $(status late)"
$C -D "$T/latef.h" -o /dev/null -H "Cookie: $COOKIE" "$U/requests/answer/$ATOK/access.json"
[ "$(status latef)" = 410 ] && ok || bad "a file after 14 days: $(status latef)"
$C -D "$T/st4.h" -o "$T/st4.b" "$U/requests/status/$STOK"
[ "$(status st4)" = 200 ] && grep -q "Käsitelty" "$T/st4.b" && ok || bad "status after completion"
stop
# RID's answer is P's only one (the in-person request above stored none).
[ "$(rk_census --person "$P" answer_files)" = 2 ] && ok \
    || bad "the files are kept until the sweep"
R sweep >/dev/null 2>&1
[ "$(rk_census answer_files)" = 0 ] \
    && [ "$(rk_census answers)" = 0 ] && ok || bad "the sweep left files"
R audit list >"$T/audit2.txt" 2>&1
grep -q "sweep.answers_deleted" "$T/audit2.txt" && ok \
    || bad "the sweep's deletion is audited"

# ---- the status page ends 90 days after closing or the due date ----
start 2027-06-03T08:00:00Z
$C -D "$T/st5.h" -o "$T/st5.b" "$U/requests/status/$STOK"
[ "$(status st5)" = 410 ] && grep -q 'href="/requests?lang=fi"' "$T/st5.b" && ok \
    || bad "status page after 90 days: $(status st5)"
stop

# ---- the DPO's digest: once per local day, with ids and due dates, no personal data ----
OV=$(R request new --type erasure --person "$P" --received 2027-05-01 --channel post 2>/dev/null)
N0=$(nmail)
start 2027-06-03T09:00:00Z --sweep-interval 3600
wait_mail $((N0 + 1)) && ok || bad "no digest"
sleep 0.5
stop
start 2027-06-03T15:00:00Z --sweep-interval 3600
sleep 1.5
stop
DG=$(grep -il "^To: dpo@smartum.fi" "$T"/mail/*.eml | wc -l)
[ "$DG" = 1 ] && ok || bad "digests on one day: $DG"
D1=$(grep -il "^To: dpo@smartum.fi" "$T"/mail/*.eml | head -n 1)
body_of "$D1" | grep -q "$OV" && body_of "$D1" | grep -q "1.6.2027" && ! grep -q "$ADDR" "$D1" && ok \
    || bad "the digest: $(body_of "$D1")"
start 2027-06-04T09:00:00Z --sweep-interval 3600
wait_mail $((N0 + 2)) && ok || bad "no digest the next day"
stop
cat "$T"/err.* >"$T/err"
grep -q '"event":"requests_digest","ok":true' "$T/err" && ok || bad "the digest's log line"

# ---- the server log holds no address and no code ----
grep -q "$ADDR\|dpo@smartum.fi" "$T/err" && bad "an address in the server log" || ok
# KEEP_MAIL=DIR keeps the mail the run received, for reading by eye.
[ -n "${KEEP_MAIL:-}" ] && cp -r "$T/mail" "$KEEP_MAIL"
rk_finish serve_answers
