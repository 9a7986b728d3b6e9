#!/bin/sh
# consent_log.sh — the cookie-consent log over loopback (src/http/consent_log.c,
# docs/cookies.md): the CORS preflight and POST /consent/log from a declared website
# origin (CORS headers echoed) and refused from any other or none (403, no CORS
# headers); every 400 of the protocol with its code and field, 413 and 415; the rate
# limit (429); each action stored with the server's time and never the address or user
# agent (the database file read with strings); the lookup through
# `rekisteri consent-log show` (text and --json) and GET /api/v1/consent-log/{id}
# (audit_trail capability; 404 unknown, 403 without it); today's counts in /metrics and
# /api/v1/overview; and the retention sweep deleting rows after cookies.log_retention
# (REKISTERI_NOW), audited as a count. CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
R() { "$REKISTERI" "$@"; }
SITE=https://www.smartum.fi

R init >/dev/null || { echo "FAIL: init"; exit 1; }
V=$(R consent-log version)
echo "$V" | grep -Eq '^[0-9a-f]{16}$' && ok || bad "consent-log version: $V"
DP=$(R token create --name dp --role dpo 2>/dev/null)
MK=$(R token create --name mk --role marketing 2>/dev/null)
[ -n "$DP" ] && [ -n "$MK" ] && ok || bad "tokens"

rk_serve "$T/out" "$T/err" --sweep-interval 0 --public-rate 500

# post NAME BODY [ORIGIN [TYPE]]: status in $T/NAME.s, headers in $T/NAME.h, body in $T/NAME.b
post() {
    curl -s -o "$T/$1.b" -D "$T/$1.h" -w '%{http_code}' -X POST \
        ${3:+-H "Origin: $3"} -H "Content-Type: ${4:-application/json}" \
        -H "User-Agent: Mozilla/5.0 (UA-MARKER-7731)" --data-binary "$2" "$U/consent/log" \
        >"$T/$1.s"
}
st() { cat "$T/$1.s"; }
j() { jq -e "$2" "$T/$1.b" >/dev/null; }
hdr() { grep -qi "^$2:" "$T/$1.h"; }
hval() { grep -i "^$2:" "$T/$1.h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

ID1=AbCdEfGhIjKlMnOpQrStUv_1
ID2=ZyXwVuTsRqPoNmLkJiHgFe-2
ID3=gpc-browser-000000000003
ID4=-hAbCdEfGhIjKlMnOpQr-04 # base64url: one id in 64 begins with '-'
body() { # body ID ACTION ANALYTICS CONTENT MARKETING [LANG [GPC]]
    printf '{"consent_id":"%s","action":"%s","choices":{"analytics":%s,"content_feedback":%s,"marketing":%s},"version":"%s","lang":"%s","gpc":%s}' \
        "$1" "$2" "$3" "$4" "$5" "$V" "${6:-fi}" "${7:-false}"
}

# ---- the preflight ----
curl -s -o /dev/null -D "$T/pf.h" -w '%{http_code}' -X OPTIONS -H "Origin: $SITE" \
    -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' \
    "$U/consent/log" >"$T/pf.s"
[ "$(st pf)" = 204 ] && [ "$(hval pf Access-Control-Allow-Origin)" = "$SITE" ] \
    && [ "$(hval pf Access-Control-Allow-Methods)" = POST ] \
    && [ "$(hval pf Access-Control-Allow-Headers)" = Content-Type ] \
    && [ "$(hval pf Access-Control-Max-Age)" = 600 ] && [ "$(hval pf Vary)" = Origin ] \
    && ok || bad "preflight from the declared origin: $(st pf)"
curl -s -o /dev/null -D "$T/pf2.h" -w '%{http_code}' -X OPTIONS -H "Origin: https://evil.example" \
    "$U/consent/log" >"$T/pf2.s"
[ "$(st pf2)" = 403 ] && ! hdr pf2 Access-Control-Allow-Origin && ok \
    || bad "preflight from another origin: $(st pf2)"

# ---- the actions ----
post a1 "$(body $ID1 custom true false false fi)" "$SITE"
[ "$(st a1)" = 201 ] && j a1 ".consent_id == \"$ID1\" and (.at | test(\"^[0-9-]{10}T[0-9:]{8}Z$\"))" \
    && [ "$(hval a1 Access-Control-Allow-Origin)" = "$SITE" ] && [ "$(hval a1 Vary)" = Origin ] \
    && ok || bad "custom: $(st a1) $(cat "$T/a1.b")"
post a2 "$(body $ID1 withdraw false false false fi)" "$SITE"
[ "$(st a2)" = 201 ] && ok || bad "withdraw: $(st a2) $(cat "$T/a2.b")"
post a3 "$(body $ID2 accept_all true true true en)" "$SITE"
[ "$(st a3)" = 201 ] && ok || bad "accept_all: $(st a3) $(cat "$T/a3.b")"
post a4 "$(body $ID3 reject_all false false false en true)" "$SITE"
[ "$(st a4)" = 201 ] && ok || bad "reject_all with GPC: $(st a4) $(cat "$T/a4.b")"
post a6 "$(body "$ID4" accept_all true true true en)" "$SITE"
[ "$(st a6)" = 201 ] && ok || bad "an id beginning with '-': $(st a6) $(cat "$T/a6.b")"
# an essential category may be named, granted
post a5 "$(printf '{"consent_id":"%s","action":"reject_all","choices":{"essential":true,"analytics":false,"content_feedback":false,"marketing":false},"version":"%s","lang":"fi","gpc":false}' $ID2 "$V")" "$SITE"
[ "$(st a5)" = 201 ] && ok || bad "essential named: $(st a5) $(cat "$T/a5.b")"

# ---- refusals: origin ----
post o1 "$(body $ID1 custom true false false)" "https://evil.example"
[ "$(st o1)" = 403 ] && j o1 '.error.code == "origin_not_allowed"' \
    && ! hdr o1 Access-Control-Allow-Origin && ok || bad "other origin: $(st o1)"
post o2 "$(body $ID1 custom true false false)"
[ "$(st o2)" = 403 ] && ! hdr o2 Access-Control-Allow-Origin && ok || bad "no origin: $(st o2)"
post o3 "$(body $ID1 custom true false false)" "$U"
[ "$(st o3)" = 403 ] && ok || bad "the service's own origin is not the website: $(st o3)"

# ---- refusals: the body (each with its code and field, CORS headers kept) ----
# refused NAME STATUS CODE FIELD BODY [TYPE]
refused() {
    post "$1" "$5" "$SITE" "${6:-}"
    if [ "$(st "$1")" = "$2" ] && j "$1" ".error.code == \"$3\"" \
        && { [ -z "$4" ] || j "$1" ".error.field == \"$4\""; } \
        && [ "$(hval "$1" Access-Control-Allow-Origin)" = "$SITE" ]; then ok
    else bad "$1: expected $2 $3 $4, got $(st "$1") $(cat "$T/$1.b")"; fi
}
refused r1 400 bad_json "" '{"consent_id":'
refused r2 400 bad_json "" '[1,2]'
refused r3 400 unknown_member ip "$(body $ID1 custom true false false | sed 's/^{/{"ip":"1.2.3.4",/')"
refused r4 400 missing_member gpc "$(body $ID1 custom true false false | sed 's/,"gpc":false//')"
refused r5 400 bad_consent_id consent_id "$(body short custom true false false)"
refused r6 400 bad_consent_id consent_id "$(body 'AbCdEfGhIjKlMnOpQrStUv!1' custom true false false)"
refused r7 400 bad_consent_id consent_id "$(body "$(printf 'a%.0s' $(seq 65))" custom true false false)"
refused r8 400 bad_action action "$(body $ID1 accept true true true)"
refused r9 400 unknown_category choices "$(body $ID1 custom true false false | sed 's/"marketing"/"tracking"/')"
refused r10 400 missing_category choices "$(body $ID1 custom true false false | sed 's/,"marketing":false//')"
refused r11 400 bad_choices choices/analytics "$(body $ID1 custom '"yes"' false false)"
refused r12 400 bad_choices choices "$(body $ID1 accept_all true false true)"
refused r13 400 bad_choices choices "$(body $ID1 reject_all false true false)"
refused r14 400 bad_choices choices/essential "$(body $ID1 custom true false false | sed 's/{"analytics"/{"essential":false,"analytics"/')"
refused r15 400 bad_version version "$(body $ID1 custom true false false | sed "s/$V/ABCDEF0123456789/")"
refused r16 400 unknown_version version "$(body $ID1 custom true false false | sed "s/$V/0123456789abcdef/")"
refused r17 400 bad_lang lang "$(body $ID1 custom true false false sv)"
refused r18 400 bad_gpc gpc "$(body $ID1 custom true false false fi 1)"
refused r19 400 bad_choices choices "$(body $ID1 custom true false false | sed 's/"choices":{[^}]*}/"choices":[true]/')"
refused r20 413 too_large "" "{\"pad\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
refused r21 415 unsupported_media_type "" "$(body $ID1 custom true false false)" text/plain
grep -q '"route":"/consent/log","status":400' "$T/err" && ok || bad "the log names the route"
! grep -q "UA-MARKER-7731\|$ID1" "$T/err" && ok || bad "the log holds the user agent or an id"

# ---- the lookup: CLI ----
R consent-log show "$ID1" >"$T/show.txt" 2>&1 && ok || bad "consent-log show: $(cat "$T/show.txt")"
grep -q "custom .*version $V .*language fi .*GPC no" "$T/show.txt" \
    && grep -q "analytics granted, content_feedback refused, marketing refused" "$T/show.txt" \
    && grep -q "withdraw" "$T/show.txt" && grep -q "version $V (first served" "$T/show.txt" \
    && grep -q "Google Analytics (United States): _ga 2 years" "$T/show.txt" \
    && grep -q "Analytics \[analytics\]" "$T/show.txt" && ok || bad "show text: $(cat "$T/show.txt")"
R consent-log show "$ID3" --json >"$T/show.json" && jq -e "
    (.actions | length == 1) and .actions[0].action == \"reject_all\" and .actions[0].gpc == true
    and .actions[0].lang == \"en\" and (.actions[0].choices | to_entries | all(.value == false))
    and (.versions[\"$V\"].config.categories | length == 4)" "$T/show.json" >/dev/null \
    && ok || bad "show --json: $(cat "$T/show.json")"
R consent-log show "$ID2" --format json | jq -e '[.actions[].action] == ["accept_all", "reject_all"]' \
    >/dev/null && ok || bad "show in order"
R consent-log show Unknown_consent_id_00000 >/dev/null 2>"$T/e1"; [ $? = 1 ] && ok || bad "unknown id exit"
R consent-log show bad >/dev/null 2>&1; [ $? = 2 ] && ok || bad "malformed id exit"
# an id beginning with '-' is an id, before or after the options and after "--"
R consent-log show "$ID4" --json | jq -e '.consent_id == "'"$ID4"'" and .actions[0].action == "accept_all"' \
    >/dev/null && ok || bad "show an id beginning with '-'"
R consent-log show --json "$ID4" | jq -e '.consent_id == "'"$ID4"'"' >/dev/null \
    && R consent-log show --json -- "$ID4" | jq -e '.consent_id == "'"$ID4"'"' >/dev/null \
    && ok || bad "show an id beginning with '-' after the options"
# an option's name written with one dash is refused, naming the option meant
R consent-log show -json "$ID1" >/dev/null 2>"$T/e2"; [ $? = 2 ] \
    && grep -q "unknown option '-json'; did you mean '--json'? see 'rekisteri consent-log show --help'" "$T/e2" \
    && ok || bad "one-dash option: $(cat "$T/e2")"

# ---- the lookup: API ----
api() { curl -s -o "$T/$1.b" -w '%{http_code}' -H "Authorization: Bearer $2" "$U$3" >"$T/$1.s"; }
api g1 "$DP" "/api/v1/consent-log/$ID1"
[ "$(st g1)" = 200 ] && j g1 "[.actions[].action] == [\"custom\", \"withdraw\"] and
    .actions[1].choices.analytics == false and (.versions | has(\"$V\"))" \
    && ok || bad "API lookup: $(st g1) $(cat "$T/g1.b")"
R consent-log show "$ID1" --json | jq -S . >"$T/cli.json"
jq -S . "$T/g1.b" >"$T/api.json"
cmp -s "$T/cli.json" "$T/api.json" && ok || bad "CLI and API documents differ"
api g2 "$DP" "/api/v1/consent-log/Unknown_consent_id_00000"
[ "$(st g2)" = 404 ] && ok || bad "API unknown: $(st g2)"
api g3 "$MK" "/api/v1/consent-log/$ID1"
[ "$(st g3)" = 403 ] && ok || bad "API without audit_trail: $(st g3)"
api g4 "" "/api/v1/consent-log/$ID1"
[ "$(st g4)" = 401 ] && ok || bad "API without a token: $(st g4)"

# ---- today's counts: /metrics and the overview (accept_all: ID2 and ID4) ----
curl -s "$U/metrics" >"$T/metrics"
grep -q '^rekisteri_cookie_consents{action="accept_all"} 2$' "$T/metrics" \
    && grep -q '^rekisteri_cookie_consents{action="reject_all"} 2$' "$T/metrics" \
    && grep -q '^rekisteri_cookie_consents{action="custom"} 1$' "$T/metrics" \
    && grep -q '^rekisteri_cookie_consents{action="withdraw"} 1$' "$T/metrics" \
    && ok || bad "metrics: $(grep cookie "$T/metrics")"
api ov "$DP" /api/v1/overview
[ "$(st ov)" = 200 ] && j ov '.cookie_consents | .accept_all == 2 and .reject_all == 2 and
    .custom == 1 and .withdraw == 1 and (.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))' \
    && ok || bad "overview: $(st ov) $(jq -c .cookie_consents "$T/ov.b")"

# ---- nothing of the visitor in the database ----
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
# A byte search of SQLite's files (on the PostgreSQL pass the register is a server's).
if [ "${RK_BACKEND:-sqlite}" = sqlite ]; then
    DB=var/rekisteri.db
    if strings "$DB" "$DB-wal" 2>/dev/null | grep -q "127\.0\.0\.1\|UA-MARKER-7731\|Mozilla"; then
        bad "the database holds the address or the user agent"
    else ok; fi
    strings "$DB" "$DB-wal" 2>/dev/null | grep -q "$ID1" && ok || bad "the consent id is not stored"
fi

# ---- the rate limit ----
rk_serve "$T/out2" "$T/err2" --sweep-interval 0 --public-rate 1
n429=0
for i in $(seq 1 30); do
    post rl "$(body $ID2 custom false false false)" "$SITE"
    [ "$(st rl)" = 429 ] && n429=$((n429 + 1))
done
[ "$n429" -gt 0 ] && hdr rl Retry-After && ok || bad "rate limit: no 429 in 30 posts"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null

# ---- the retention sweep: kept for cookies.log_retention (3y), then deleted and audited ----
LATER=$(date -u -d '+2 years' +%Y-%m-%dT%H:%M:%SZ)
PAST=$(date -u -d '+3 years +2 days' +%Y-%m-%dT%H:%M:%SZ)
REKISTERI_NOW=$LATER R sweep --format json >"$T/sw1.json" 2>&1
jq -e '.retention.consent_log_deleted == 0' "$T/sw1.json" >/dev/null && ok \
    || bad "sweep within the retention: $(cat "$T/sw1.json")"
R consent-log show "$ID1" >/dev/null 2>&1 && ok || bad "kept within the retention"
REKISTERI_NOW=$PAST R sweep --format json >"$T/sw2.json" 2>&1
jq -e '.retention.consent_log_deleted >= 6' "$T/sw2.json" >/dev/null && ok \
    || bad "sweep after the retention: $(cat "$T/sw2.json")"
R consent-log show "$ID1" >/dev/null 2>&1; [ $? = 1 ] && ok || bad "still there after the retention"
R consent-log show "$ID3" >/dev/null 2>&1; [ $? = 1 ] && ok || bad "ID3 still there"
R audit list --format json | jq -e '[.[] | select(.action == "sweep.consent_log_deleted")]
    | length == 1 and (.[0].detail | test("^[0-9]+ finished before ")) and .[0].person == null' \
    >/dev/null && ok || bad "the sweep's audit event"
REKISTERI_NOW=$PAST R sweep --format json | jq -e '.retention.consent_log_deleted == 0' >/dev/null \
    && ok || bad "a second sweep deletes nothing"

rk_finish consent_log
