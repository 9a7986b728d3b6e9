#!/bin/sh
# requests.sh — the data-subject request workflow end to end, over loopback,
# with the email read from a real SMTP server (tests/tools/smtp_sink.c): a
# request through the public form and its receipt; email_code verification
# through the emailed link (GET changes nothing, POST verifies); an
# extension with its notification email; completion. A request entered by
# staff with --received in the past is overdue (CLI list, /metrics, the log
# line). Rejection with its email. Every CLI refusal exits 2 with a reason.
# The staff API's role matrix (dpo 2xx, marketing and sales 403, no token
# 401). The audit chain shows every transition; the server log holds no
# personal data.
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
C="curl -s --max-time 10"
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/$1.h"; }
grep -q 'email_code' "$T/decl.yaml" && R validate "$T/decl.yaml" >/dev/null 2>&1 && ok || bad "declaration copy"

rk_sink smtp "$T/mail"
SINK=$PORT

# ---- the register: P has an email on file; tokens for every role ----
R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source web_form \
      --name "Matti Meikäläinen" --email matti@example.fi --phone "040 172 3700")
DP=$(R token create --name dp --role dpo 2>/dev/null)
MK=$(R token create --name mk --role marketing 2>/dev/null)
SA=$(R token create --name sa --role sales 2>/dev/null)
[ -n "$P" ] && [ -n "$DP" ] && [ -n "$MK" ] && [ -n "$SA" ] && ok || bad "set-up"

# ---- a request by post, entered late: already overdue ----
LONG_AGO=$(date -u -d '40 days ago' +%Y-%m-%d)
OV=$(R request new --type erasure --phone "040 172 3700" --name "Matti Meikäläinen" \
       --received "$LONG_AGO" --channel post --text "Poistakaa tietoni")
case $OV in R-????????????) ok ;; *) bad "request new: '$OV'" ;; esac
R request show "$OV" --format json >"$T/ov.json"
jq -e --arg p "$P" --arg d "$LONG_AGO" '.status == "received" and .person_id == $p and
    .received_on == $d and .overdue == true and .channel == "post" and
    .contact.phone == "040 172 3700"' "$T/ov.json" >/dev/null && ok \
    || bad "staff request: $(cat "$T/ov.json")"
R request list --overdue | grep -q "^$OV .*OVERDUE" && ok || bad "list --overdue: $(R request list)"
[ "$(R request list --overdue --format json | jq length)" = 1 ] && ok || bad "overdue count"
[ "$(R request list --due-within 7d --format json | jq length)" = 1 ] && ok || bad "--due-within"
[ "$(R request list --status completed --format json | jq length)" = 0 ] && ok || bad "--status"

rk_serve "$T/out" "$T/err" --smtp "smtp://127.0.0.1:$SINK" --mail-from noreply@smartum.fi \
    --public-rate 0
export REKISTERI_PUBLIC_URL="$U"

wait_mail() {
    for _ in $(seq 100); do
        [ "$(find "$T/mail" -name '*.eml' | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
body_of() { tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g'; }
mail_n() { printf '%s/%04d.eml' "$T/mail" "$1"; }
subject_of() { # the Subject, RFC 2047 base64 words decoded
    s=$(tr -d '\r' <"$1" | sed -n 's/^Subject: //p')
    case $s in
    =\?UTF-8\?B\?*) printf '%s' "$s" | sed 's/^=?UTF-8?B?\(.*\)?=$/\1/' | base64 -d ;;
    *) printf '%s\n' "$s" ;;
    esac
}

# ---- /metrics and the log: the overdue request counted by the timer ----
for _ in $(seq 50); do
    $C -o "$T/metrics" "$U/metrics"
    grep -q '^rekisteri_requests_overdue ' "$T/metrics" && break
    sleep 0.1
done
grep -q '^rekisteri_requests_overdue 1$' "$T/metrics" && ok \
    || bad "metrics: $(grep requests "$T/metrics")"
grep -q '"event":"requests_overdue","count":1}' "$T/err" && ok || bad "overdue log line"

# ---- the public form ----
$C -D "$T/f1.h" -o "$T/f1.b" "$U/requests?lang=fi"
[ "$(status f1)" = 200 ] && grep -q 'name="type"' "$T/f1.b" && grep -q 'name="email"' "$T/f1.b" \
    && grep -q 'tietojen poistaminen' "$T/f1.b" && ok || bad "form page fi: $(status f1)"
if command -v tidy >/dev/null; then
    tidy -q -e "$T/f1.b" 2>"$T/tidy" && ok || bad "form page is not valid HTML: $(cat "$T/tidy")"
fi
$C -D "$T/f2.h" -o "$T/f2.b" "$U/requests?lang=en"
[ "$(status f2)" = 200 ] && grep -q 'value="automated_decision"' "$T/f2.b" \
    && grep -q 'Exercise your data protection rights' "$T/f2.b" && ok || bad "form page en"
$C -D "$T/s1.h" -o "$T/s1.b" --data-urlencode "type=access" \
    --data-urlencode "email=Matti@Example.FI" --data-urlencode "name=Matti Meikäläinen" \
    --data-urlencode "text=Mitä tietoja minusta on?" -d lang=en "$U/requests"
RID=$(grep -o 'R-[A-Z2-7]\{12\}' "$T/s1.b" | head -n 1)
[ "$(status s1)" = 200 ] && [ -n "$RID" ] && ok || bad "public request: $(status s1) $(cat "$T/s1.b")"
grep -Eq "We will answer by [0-9]{1,2} [A-Z][a-z]+ [0-9]{4}\." "$T/s1.b" && ok \
    || bad "the page's due date is not in English words: $(grep -o 'answer by[^.]*' "$T/s1.b")"
wait_mail 1 && ok || bad "no receipt email"
M1=$(mail_n 1)
grep -qi "^To: Matti@example.fi" "$M1" && subject_of "$M1" | grep -q "Your request was received: $RID" \
    && ok || bad "receipt: $(head -12 "$M1")"
body_of "$M1" | grep -q "We will answer by" && ok || bad "receipt body"
# the due date in the language's format, not ISO
body_of "$M1" | grep -Eq "We will answer by [0-9]{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) [0-9]{4}" \
    && ! body_of "$M1" | grep -q "answer by [0-9]\{4\}-" && ok || bad "receipt's due date: $(body_of "$M1" | grep 'answer by')"
R request show "$RID" --format json >"$T/r1.json"
jq -e --arg p "$P" '.status == "received" and .person_id == $p and .channel == "web" and
    .lang == "en" and .contact.email == "Matti@Example.FI" and (.verification | not)' \
    "$T/r1.json" >/dev/null && ok || bad "public request stored: $(cat "$T/r1.json")"

# ---- refusals of the public form ----
$C -D "$T/s2.h" -o "$T/s2.b" -d type=complaint -d email=a@example.fi "$U/requests"
[ "$(status s2)" = 422 ] && ok || bad "unknown type: $(status s2)"
$C -D "$T/s3.h" -o "$T/s3.b" -d type=access "$U/requests"
[ "$(status s3)" = 422 ] && ok || bad "no email: $(status s3)"
$C -D "$T/s4.h" -o "$T/s4.b" -d type=access -d email=not-an-address "$U/requests"
[ "$(status s4)" = 422 ] && ok || bad "bad email: $(status s4)"
$C -D "$T/s5.h" -o "$T/s5.b" -H "Content-Type: application/json" -d '{}' "$U/requests"
[ "$(status s5)" = 415 ] && ok || bad "JSON to the form: $(status s5)"
$C -D "$T/s6.h" -o "$T/s6.b" -H "Origin: https://evil.example" -d type=access \
    -d email=a@example.fi "$U/requests"
[ "$(status s6)" = 403 ] && ok || bad "foreign origin: $(status s6)"

# ---- the staff API: verification by email_code, through the link ----
api() { # api NAME METHOD PATH [TOKEN] [BODY]
    if [ -n "${5:-}" ]; then
        $C -D "$T/$1.h" -o "$T/$1.b" -X "$2" ${4:+-H "Authorization: Bearer $4"} \
            -H "Content-Type: application/json" -d "$5" "$U$3"
    else
        $C -D "$T/$1.h" -o "$T/$1.b" -X "$2" ${4:+-H "Authorization: Bearer $4"} "$U$3"
    fi
}
api v1 POST "/api/v1/requests/$RID/verify" "$DP" '{"method":"email_code"}'
[ "$(status v1)" = 202 ] && ok || bad "verify email_code: $(status v1) $(cat "$T/v1.b")"
wait_mail 2 && ok || bad "no verification email"
M2=$(mail_n 2)
grep -qi "^To: matti@example.fi" "$M2" && subject_of "$M2" | grep -q "Confirm your request: $RID" \
    && ok || bad "verification email: $(head -12 "$M2")"
LINK=$(body_of "$M2" | grep -o "$U/requests/verify/[A-Za-z0-9_-]*" | head -n 1)
[ -n "$LINK" ] && ok || bad "no link in: $(body_of "$M2")"
$C -D "$T/g1.h" -o "$T/g1.b" "$LINK?lang=en"
[ "$(status g1)" = 200 ] && grep -q '<form method="post">' "$T/g1.b" && ok || bad "link page"
[ "$(R request show "$RID" --format json | jq -r .status)" = received ] && ok \
    || bad "a GET verified (link scanners would)"
$C -D "$T/g2.h" -o "$T/g2.b" -X POST "$LINK?lang=en"
[ "$(status g2)" = 200 ] && grep -q "Request confirmed" "$T/g2.b" \
    && grep -Eq "by email by [0-9]{1,2} [A-Z][a-z]+ [0-9]{4}" "$T/g2.b" && ok || bad "POST link: $(status g2)"
R request show "$RID" --format json >"$T/r2.json"
jq -e '.status == "verified" and .verification.method == "email_code" and
    .verification.by == "self" and (.verification.at | length) == 20 and
    (.verification.document | not)' "$T/r2.json" >/dev/null && ok \
    || bad "verification recorded: $(cat "$T/r2.json")"
$C -D "$T/g3.h" -o "$T/g3.b" -X POST "$LINK"
[ "$(status g3)" = 200 ] && grep -qi "already\|jo vahvistettu" "$T/g3.b" && ok || bad "second POST"
case $LINK in *A) TAMPERED=${LINK%?}B ;; *) TAMPERED=${LINK%?}A ;; esac
$C -D "$T/g4.h" -o "$T/g4.b" -X POST "$TAMPERED"
[ "$(status g4)" = 404 ] && grep -q 'href="/requests?lang=' "$T/g4.b" && ok \
    || bad "tampered link: $(status g4)"

# ---- extension (notifies the person), then completion ----
api e1 POST "/api/v1/requests/$RID/extend" "$DP" '{"months":2,"reason":"Many registers to search"}'
[ "$(status e1)" = 200 ] && jq -e '.extension_months == 2 and .person_notified == true and
    (.extended_due | length) == 10' "$T/e1.b" >/dev/null && ok \
    || bad "extend: $(status e1) $(cat "$T/e1.b")"
wait_mail 3 && ok || bad "no extension email"
M3=$(mail_n 3)
subject_of "$M3" | grep -q "extended: $RID" && body_of "$M3" | grep -q "Many registers to search" \
    && ok || bad "extension email: $(body_of "$M3")"
api e2 POST "/api/v1/requests/$RID/extend" "$DP" '{"months":1,"reason":"again"}'
[ "$(status e2)" = 422 ] && ok || bad "second extension: $(status e2)"
api c1 POST "/api/v1/requests/$RID/complete" "$DP" '{"note":"copy sent by email"}'
[ "$(status c1)" = 200 ] && jq -e '.status == "completed" and .note == "copy sent by email"' \
    "$T/c1.b" >/dev/null && ok || bad "complete: $(status c1) $(cat "$T/c1.b")"
api c2 POST "/api/v1/requests/$RID/reject" "$DP" '{"reason":"late"}'
[ "$(status c2)" = 422 ] && ok || bad "reject after completion: $(status c2)"

# ---- a request through the API, rejected with its email ----
api n1 POST /api/v1/requests "$DP" '{"type":"objection","email":"toinen@example.fi","text":"Lopettakaa"}'
NID=$(jq -r .id "$T/n1.b" 2>/dev/null)
[ "$(status n1)" = 201 ] && jq -e '.status == "received" and .channel == "api" and (.person_id | not)' \
    "$T/n1.b" >/dev/null && ok || bad "API new: $(status n1) $(cat "$T/n1.b")"
wait_mail 4 && ok || bad "no receipt for the API request"
api n2 POST "/api/v1/requests/$NID/complete" "$DP"
[ "$(status n2)" = 422 ] && grep -q "not verified" "$T/n2.b" && ok || bad "complete unverified: $(status n2)"
api n3 POST "/api/v1/requests/$NID/verify" "$DP" '{"method":"email_code"}'
[ "$(status n3)" = 422 ] && ok || bad "email_code for an unmatched request: $(status n3)"
api n4 POST "/api/v1/requests/$NID/verify" "$DP" '{"method":"in_person"}'
[ "$(status n4)" = 400 ] && ok || bad "in_person without a document: $(status n4)"
api n5 POST "/api/v1/requests/$NID/reject" "$DP" '{"reason":"Identity could not be verified"}'
[ "$(status n5)" = 200 ] && jq -e '.status == "rejected" and .person_notified == true' "$T/n5.b" \
    >/dev/null && ok || bad "reject: $(status n5) $(cat "$T/n5.b")"
wait_mail 5 && ok || bad "no rejection email"
M5=$(find "$T/mail" -name '*.eml' | sort | tail -n 1)
subject_of "$M5" | grep -q "Päätös pyynnöstäsi: $NID" && body_of "$M5" | grep -q "Tietosuojavaltuutetun" \
    && ok || bad "rejection email: $(body_of "$M5")"
api n6 GET "/api/v1/requests/$NID" "$DP"
[ "$(status n6)" = 200 ] && [ "$(jq -r .rejection_reason "$T/n6.b")" = "Identity could not be verified" ] \
    && ok || bad "API show: $(status n6)"
api n7 GET "/api/v1/requests?overdue=true" "$DP"
[ "$(status n7)" = 200 ] && [ "$(jq '.requests | length' "$T/n7.b")" = 1 ] \
    && [ "$(jq -r '.requests[0].id' "$T/n7.b")" = "$OV" ] && ok || bad "API overdue list: $(cat "$T/n7.b")"
api n8 GET "/api/v1/requests/R-AAAAAAAAAAAA" "$DP"
[ "$(status n8)" = 404 ] && ok || bad "unknown id: $(status n8)"
api n9 POST /api/v1/requests "$DP" "{\"type\":\"access\",\"email\":\"a@example.fi\",\"received\":\"2099-01-01\"}"
[ "$(status n9)" = 400 ] && ok || bad "future receipt over the API: $(status n9)"

# ---- the role matrix: dpo 2xx (above), marketing and sales 403, no token 401 ----
for route in "GET /api/v1/requests" "POST /api/v1/requests" "GET /api/v1/requests/$OV" \
    "POST /api/v1/requests/$OV/verify" "POST /api/v1/requests/$OV/extend" \
    "POST /api/v1/requests/$OV/complete" "POST /api/v1/requests/$OV/reject"; do
    m=${route% *} p=${route#* }
    for who in mk sa none; do
        case $who in mk) tok=$MK want=403 ;; sa) tok=$SA want=403 ;; none) tok= want=401 ;; esac
        api m1 "$m" "$p" "$tok" '{"type":"access","email":"x@example.fi","reason":"r","months":1,"method":"in_person","document":"passport"}'
        [ "$(status m1)" = "$want" ] && ok || bad "$who $route: $(status m1), want $want"
    done
done
[ "$(R request show "$OV" --format json | jq -r .status)" = received ] && ok \
    || bad "a refused caller changed the request"

# ---- CLI: in-person verification and every refusal (exit 2, with a reason) ----
refuse() { # refuse WHAT PATTERN CMD...: exit 2 and the pattern on stderr
    what=$1 pat=$2
    shift 2
    "$@" >/dev/null 2>"$T/refuse.err"
    rc=$?
    [ "$rc" = 2 ] && grep -q "$pat" "$T/refuse.err" && ok || bad "$what: exit $rc: $(cat "$T/refuse.err")"
}
refuse "complete before verification" "not verified" R request complete "$OV"
refuse "start before verification" "not verified" R request start "$OV"
refuse "method the declaration does not allow" "does not allow verification by email_code" \
    env REKISTERI_DECLARATION="$EXAMPLE" "$REKISTERI" request verify "$OV" --method email_code
refuse "unknown method" "expected in_person or email_code" R request verify "$OV" --method sms
refuse "in_person without a document" "document type" R request verify "$OV" --method in_person
refuse "in_person with a number" "document type" R request verify "$OV" --method in_person --document AB123456
refuse "extension after the first month" "first month has passed" \
    R request extend "$OV" --months 1 --reason "too late"
refuse "unknown type" "unknown request type" R request new --type complaint --email a@example.fi
refuse "no type" "request type is required" R request new --email a@example.fi
refuse "no contact" "way to reach the person" R request new --type access
refuse "future date" "in the future" R request new --type access --email a@example.fi --received 2099-01-01
refuse "bad date" "YYYY-MM-DD" R request new --type access --email a@example.fi --received 1.1.2026
refuse "unknown channel" "unknown channel" R request new --type access --email a@example.fi --channel fax
refuse "unknown person" "no person" R request new --type access --person aaaaaaaaaaaaaaaaaaaaaaaaaa
refuse "unknown id" "no request" R request show R-AAAAAAAAAAAA
refuse "reject without reason" "needs a reason" R request reject "$OV"
R request verify "$OV" --method in_person --document id_card >/dev/null && ok || bad "verify in person"
R request show "$OV" --format json | jq -e '.status == "verified" and .verification.method == "in_person"
    and .verification.document == "id_card" and .verification.by == "cli"' >/dev/null && ok \
    || bad "in-person verification: $(R request show "$OV" --format json)"
refuse "verify twice" "already verified" R request verify "$OV" --method in_person --document passport
NEW=$(R request new --type access --email matti@example.fi)
refuse "extend by three months" "1 or 2" R request extend "$NEW" --months 3 --reason "x"
refuse "extend without reason" "needs a reason" R request extend "$NEW" --months 1
R request extend "$NEW" --months 1 --reason "complex" >/dev/null && ok || bad "extend by CLI"
refuse "extend twice" "already extended" R request extend "$NEW" --months 1 --reason "again"
R request start "$OV" >/dev/null && R request complete "$OV" --note "erased" >/dev/null && ok \
    || bad "start and complete by CLI"
refuse "complete twice" "already completed" R request complete "$OV"
[ "$(R request list --overdue --format json | jq length)" = 0 ] && ok || bad "still overdue after completion"

# ---- completing carries out the right (core/fulfil.c) ----
EP=$(R person add --register customer --purpose customer_relationship --source meeting \
    --name "Poistettava Henkilö" --email poisto@example.fi)
ER=$(R request new --type erasure --email poisto@example.fi --channel post | cut -d' ' -f1)
R request verify "$ER" --method in_person --document passport >/dev/null
R request complete "$ER" >/dev/null 2>"$T/erase.err" && grep -q "erased" "$T/erase.err" && ok \
    || bad "erasure request: $(cat "$T/erase.err")"
R person show "$EP" >/dev/null 2>&1 && bad "the person survived the erasure request" || ok
R request show "$ER" --format json | jq -e '.status == "completed" and (.note | test("erased"))' \
    >/dev/null && ok || bad "erasure request not completed with its note"
refuse "re-adding an erased email" "suppress" R person add --register customer \
    --purpose customer_relationship --source meeting --email poisto@example.fi
AP=$(R person add --register customer --purpose customer_relationship --source meeting \
    --name "Kysyjä" --email kysyja@example.fi)
# Given by email, the answer goes to the person as a download link: no --out needed.
AE=$(R request new --type access --email kysyja@example.fi --channel email | cut -d' ' -f1)
R request verify "$AE" --method in_person --document id_card >/dev/null
R request complete "$AE" >/dev/null 2>"$T/ae.err" \
    && [ "$(R request show "$AE" --format json | jq -r .status)" = completed ] && ok \
    || bad "access by email without --out: $(cat "$T/ae.err")"
# Made in person for a person on file (no email on the request): staff hand the documents over.
AR=$(R request new --type access --person "$AP" --channel in_person | cut -d' ' -f1)
R request verify "$AR" --method in_person --document id_card >/dev/null
refuse "access in person without --out" "give --out DIR" R request complete "$AR"
[ "$(R request show "$AR" --format json | jq -r .status)" = verified ] && ok \
    || bad "a refused completion changed the request"
mkdir "$T/docs"
R request complete "$AR" --out "$T/docs" >/dev/null 2>&1 && jq -e . "$T/docs/$AR-access.json" >/dev/null \
    && grep -q "<html" "$T/docs/$AR-access.html" && ok || bad "access documents not written"
grep -q "Kysyjä" "$T/docs/$AR-access.json" && ok || bad "the access copy lacks the person's data"
refuse "grounds on a non-objection request" "objection requests only" R request complete "$AR" \
    --out "$T/docs" --grounds x
PR=$(R request new --type portability --person "$AP" --channel email | cut -d' ' -f1)
R request verify "$PR" --method in_person --document id_card >/dev/null
api pc POST "/api/v1/requests/$PR/complete" "$DP"
[ "$(status pc)" = 200 ] && jq -e '.status == "completed" and (.documents["portability.json"] | type) == "object"
    and (.documents["portability.csv"] | test("kysyja@example.fi"))' "$T/pc.b" >/dev/null && ok \
    || bad "API completion of portability: $(status pc) $(head -c 300 "$T/pc.b")"

# ---- the audit chain: every transition, pseudonymous ----
R audit verify >/dev/null && ok || bad "audit chain"
R audit list --format json >"$T/audit.json"
for a in request.received request.verification_sent request.verified request.extended \
    request.completed request.rejected request.started request.read request.list; do
    jq -e --arg a "$a" '[.[] | select(.action == $a)] | length > 0' "$T/audit.json" >/dev/null && ok \
        || bad "no $a in the audit chain"
done
jq -e --arg r "$RID" '[.[] | select(.detail != null and (.detail | startswith($r))) | .action] ==
    ["request.received", "request.read", "request.verification_sent", "request.read",
     "request.verified", "request.read", "request.extended", "answer.stored", "request.completed"]' \
    "$T/audit.json" >/dev/null && ok \
    || bad "the public request's trail: $(jq -c --arg r "$RID" '[.[] | select(.detail != null and (.detail | startswith($r))) | [.actor, .action]]' "$T/audit.json")"
grep -qi "example.fi\|Meikäläinen\|040 172\|Poistakaa\|Many registers" "$T/audit.json" \
    && bad "personal data in the audit chain" || ok

# ---- the server never logged personal data ----
TOKEN=${LINK##*/}
grep -qi "example.fi\|Meikäläinen\|Mitä tietoja\|$TOKEN\|$RID" "$T/err" && bad "personal data in the log" || ok
$C -o "$T/metrics" "$U/metrics"
grep -q '^rekisteri_http_requests_total{route="/requests",status="200"}' "$T/metrics" && ok \
    || bad "route template in the metrics"

rk_finish
