#!/bin/sh
# key_rotate.sh — `rekisteri key rotate` and `key show` end to end with the
# real binary and server: persons, a staff token, a suppression, a backup
# and a subscriber whose welcome email carries real unsubscribe and
# preferences links (SMTP file delivery); a rotation while serve runs is taken
# up by the service within a second (the old token refused, a new one works,
# writes go in under the new key);
# after rotating: lookups still find people, the suppression still blocks,
# the old token is refused by the API and a new one works, the old one-click
# unsubscribe link still unsubscribes while the old preferences link shows (410)
# the expired page, the audit chain (and a head exported before) verifies
# and a tampered event after the rotation is caught, the backup from before
# restores (brought forward), the old key file is refused; both crash windows
# recover through `key rotate`, the key file's lock keeps commands and a
# rotation apart, and `key show` never prints key material. A message and an
# art 19 notice queued (sealed) before the rotation are re-sealed by it and
# delivered after it: the message to its address, the notice's webhook
# (tests/tools/http_sink.c) with the person's email.
# CTest sets REKISTERI, RK_SOURCE_DIR and HTTP_SINK.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${HTTP_SINK:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
pid=
cd "$T" || exit 1
unset REKISTERI_NOW SMTP
# The Mailchimp bridge's webhook goes to a receiver on loopback.
rk_sink http "$T/hook"
HPORT=$PORT
rk_example_webhook "http://127.0.0.1:$HPORT/hook" REKISTERI_MAILCHIMP_BRIDGE_SECRET >"$T/decl.yaml"
export REKISTERI_DECLARATION="$T/decl.yaml" REKISTERI_MAILCHIMP_BRIDGE_SECRET=whsec-rotate-0123
export REKISTERI_DB="$T/reg.db" REKISTERI_KEY_FILE="$T/reg.key" REKISTERI_ACTOR=tester
C="curl -s --max-time 10"

start() {
    rk_serve "$T/serve.out" "$T/serve.err" --smtp "file://$T/mail" \
        --mail-from noreply@smartum.fi --public-rate 0
}
stop() { rk_stop "$pid"; pid=; }
body_of() { tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g'; }
# mail_with TEXT: the first email holding TEXT (10 s at most).
mail_with() {
    for _ in $(seq 100); do
        m=$(grep -l -- "$1" "$T"/mail/*.eml 2>/dev/null | head -n 1)
        [ -n "$m" ] && { echo "$m"; return 0; }
        sleep 0.1
    done
    return 1
}
api() { $C -o "$T/api.json" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"; }
in_audience() { "$REKISTERI" audience --purpose sales_promotion | grep -qi "$1"; }

# ---- before: persons, a token, a suppression, a backup, a subscriber ----
mkdir "$T/mail"
r init init
expect_ok init
head -n 1 "$T/reg.key" | grep -qx "rekisteri-key 2" && ok || bad "new key files are version 2"
r a1 person add --register customer --purpose customer_relationship --source meeting \
    --name "Maija Mallikas" --email maija.rotate@example.fi --phone "040 765 4321"
expect_ok a1
P1=$(out a1)
r sup suppress add --email poistettu@example.fi --reason erasure
expect_ok sup
r tok token create --name anna --role dpo
expect_ok tok
TOKEN=$(out tok)
r b1 backup "$T/before.bak"
expect_ok b1
r h1 audit head
expect_ok h1
HEAD1=$(out h1)
cp "$T/reg.key" "$T/gen1.key"

start
$C -o /dev/null -d "email=tilaaja.rotate%40example.fi&consent=yes&lang=en" "$U/forms/newsletter"
M1=$(mail_with "/confirm/") && ok || bad "no confirmation email"
LINK=$(body_of "$M1" | grep -o "$U/confirm/[A-Za-z0-9_-]*" | head -n 1)
[ "$($C -o /dev/null -w '%{http_code}' -X POST "$LINK")" = 200 ] && ok || bad "confirm"
M2=$(mail_with "List-Unsubscribe:") && ok || bad "no welcome email"
UNSUB=$(tr -d '\r' <"$M2" | sed -n 's/^List-Unsubscribe: <\(.*\)>$/\1/p')
PREFS=$(body_of "$M2" | grep -o "$U/preferences/[A-Za-z0-9_-]*" | head -n 1)
[ -n "$UNSUB" ] && [ -n "$PREFS" ] && ok || bad "links in the welcome email: $(head -20 "$M2")"
# Only the paths: the next server listens on another port.
UNSUB=/${UNSUB#http://*/}
PREFS=/${PREFS#http://*/}
[ "$(api "$TOKEN" "/api/v1/check?email=tilaaja.rotate@example.fi&purpose=sales_promotion")" = 200 ] \
    && ok || bad "the token works before"
in_audience tilaaja.rotate && ok || bad "subscriber not in the audience"

stop

# ---- a message and a notice queued now, sealed under generation 1 ----
r q1 mail test --to jono.rotate@example.fi --subject "Hei Jono Rotaatio"
expect_ok q1
r q2 recipients notify "$P1" --kind rectification
expect_ok q2

# ---- rotate ----
r rot key rotate
expect_ok rot
grep -q "generation 1 -> 2" "$T/rot.out" && grep -q "1 staff tokens REVOKED" "$T/rot.out" && ok \
    || bad "rotate output: $(out rot)"
grep -q "token create" "$T/rot.err" && ok || bad "no loud word about the tokens: $(cat "$T/rot.err")"
grep -q "sealed  3 queued notice identities and messages re-sealed under generation 2" \
    "$T/rot.out" && ok || bad "rotate did not re-seal: $(out rot)"
# Both are delivered after the rotation, opened under generation 2.
mkdir "$T/mail2"
r qs outbox send --smtp "file://$T/mail2" --mail-from noreply@smartum.fi
[ "$(out qs)" = "sent 1, retried 0, failed 0" ] && cat "$T"/mail2/*.eml | tr -d '\r' \
    | grep -q "^To: jono.rotate@example.fi$" && cat "$T"/mail2/*.eml | tr -d '\r' \
    | grep -q "^Subject: Hei Jono Rotaatio$" && ok \
    || bad "the queued message after rotating: $(out qs) $(cat "$T/qs.err")"
r qn recipients send
[ "$(out qn)" = "delivered 1, pending 0, completed 0, retried 0, failed 0, unsupported 1" ] \
    && [ "$(jq -r '.event + " " + .identity.email' "$T"/hook/*.body)" \
        = "rectification maija.rotate@example.fi" ] && ok \
    || bad "the queued notice after rotating: $(out qn) $(cat "$T/qn.err")"
[ "$(stat -c %a "$T/reg.key")" = 600 ] && [ ! -e "$T/reg.key.new" ] && ok || bad "key file mode or leftover"
r show key show
expect_ok show
grep -q "^2 *current" "$T/show.out" && grep -q "^1 *retired .* 1$" "$T/show.out" \
    && grep -q "database: key generation 2$" "$T/show.out" && ok || bad "key show: $(out show)"
for hex in $(sed -n '2,$s/.* //p' "$T/reg.key"); do
    grep -q "$hex" "$T/show.out" "$T/rot.out" "$T/rot.err" && bad "key material printed"
done
r showj key show --format json
jq -e '.database == 2 and .matches and (.generations | length == 2) and
       .generations[1].suppressions == 1' "$T/showj.out" >/dev/null && ok || bad "key show json: $(out showj)"

# ---- lookups, suppression, tokens through the CLI ----
r f1 person find maija.rotate@example.fi
expect_ok f1
grep -q "$P1" "$T/f1.out" && ok || bad "not found by email after rotating: $(out f1)"
r f2 person find "+358 40 765 4321"
grep -q "$P1" "$T/f2.out" && ok || bad "not found by phone after rotating: $(out f2)"
r sc suppress check --email poistettu@example.fi
[ "$(rc sc)" = 0 ] && ok || bad "suppression lost: $(out sc)"
r readd person add --register customer --purpose customer_relationship --source meeting \
    --name "Palaava" --email Poistettu@Example.fi
refused readd 2 "suppression list"
r tl token list
grep -q "^anna .*revoked" "$T/tl.out" && ok || bad "token not revoked: $(out tl)"
r av audit verify
expect_ok av
r avh audit verify --head "$HEAD1"
expect_ok avh
r al audit list --format json
jq -e '[.[] | select(.action == "key.rotated")] | length == 1' "$T/al.out" >/dev/null && ok \
    || bad "no key.rotated event"
grep -q "poistettu\|maija\|tilaaja" "$T/al.out" && bad "personal data in the audit chain" || ok

# ---- the service after rotating ----
start
[ "$(api "$TOKEN" "/api/v1/check?email=tilaaja.rotate@example.fi&purpose=sales_promotion")" = 401 ] \
    && ok || bad "the revoked token still works"
r tok2 token create --name anna2 --role dpo
TOKEN2=$(out tok2)
[ "$(api "$TOKEN2" "/api/v1/suppressions/check?email=poistettu@example.fi")" = 200 ] \
    && jq -e '.suppressed == true' "$T/api.json" >/dev/null && ok \
    || bad "suppression over the API: $(cat "$T/api.json")"
[ "$(api "$TOKEN2" "/api/v1/check?email=tilaaja.rotate@example.fi&purpose=sales_promotion")" = 200 ] \
    && jq -e '.allowed == true' "$T/api.json" >/dev/null && ok || bad "check: $(cat "$T/api.json")"
$C -D "$T/pr.h" -o "$T/pr.b" "$U$PREFS?lang=en"
head -n 1 "$T/pr.h" | grep -q " 410" && grep -q "expired" "$T/pr.b" && ok \
    || bad "old preferences link: $(head -n 1 "$T/pr.h")"
$C -D "$T/u.h" -o "$T/u.b" -d "List-Unsubscribe=One-Click" "$U$UNSUB"
head -n 1 "$T/u.h" | grep -q " 200" && ok || bad "old one-click unsubscribe: $(head -n 1 "$T/u.h")"
in_audience tilaaja.rotate && bad "still in the audience after the old unsubscribe link" || ok
stop

# ---- a tampered event after the rotation ----
cp "$T/reg.db" "$T/tamper.db"
# sqlite3: the subject is a copy of the SQLite file tampered with outside the service (no
# operation rewrites an audit event).
LAST=$(sqlite3 "$T/tamper.db" "SELECT max(seq) FROM audit")
sqlite3 "$T/tamper.db" "UPDATE audit SET actor = 'mallory' WHERE seq = $LAST"
r at audit verify --db "$T/tamper.db"
[ "$(rc at)" = 1 ] && grep -q "$LAST" "$T/at.out" "$T/at.err" && ok || bad "tampering not caught: $(out at)"

# ---- the backup from before ----
r rs restore --db "$T/restored.db" --journal "$T/reg.db.erasures" "$T/before.bak"
expect_ok rs
grep -q "key generation 1 -> 2" "$T/rs.out" && ok || bad "restore did not bring it forward: $(out rs)"
r rf person find maija.rotate@example.fi --db "$T/restored.db"
grep -q "$P1" "$T/rf.out" && ok || bad "restored: not found by email: $(out rf) $(cat "$T/rf.err")"
r rsc suppress check --email poistettu@example.fi --db "$T/restored.db"
[ "$(rc rsc)" = 0 ] && ok || bad "restored: suppression lost"
r rav audit verify --db "$T/restored.db"
expect_ok rav

# ---- the old key file is refused ----
r old person find maija.rotate@example.fi --key-file "$T/gen1.key"
refused old 2 "only at 1: use the key file the database was rotated to"
r olds serve --listen 127.0.0.1:0 --key-file "$T/gen1.key"
refused olds 2 "serve: the database is at key generation 2"

# ---- crash windows ----
# Before the commit: a K.new the database never used is dropped.
"$REKISTERI" init --db "$T/other.db" --key-file "$T/other.key" >/dev/null
cp "$T/other.key" "$T/reg.key.new"
r c1 key rotate
expect_ok c1
grep -q "generation 2 -> 3" "$T/c1.out" && [ ! -e "$T/reg.key.new" ] && ok || bad "stale K.new: $(out c1)"
# After the commit, before the rename: the database at 4, the key file at 3.
cp "$T/reg.key" "$T/gen3.key"
r c2 key rotate
expect_ok c2
mv "$T/reg.key" "$T/reg.key.new"
cp "$T/gen3.key" "$T/reg.key"
r c3 person find maija.rotate@example.fi
refused c3 2 "interrupted; run 'rekisteri key rotate' to finish it"
r c4 key rotate
expect_ok c4
grep -q "finished the interrupted rotation" "$T/c4.out" && ok || bad "finish: $(out c4)"
r c5 person find maija.rotate@example.fi
grep -q "$P1" "$T/c5.out" && ok || bad "after finishing: $(cat "$T/c5.err")"
r c6 audit verify
expect_ok c6

# ---- a new database under a rotated key file starts at its generation ----
r n1 init --db "$T/fresh.db"
expect_ok n1
r n2 person add --db "$T/fresh.db" --register customer --purpose customer_relationship \
    --source meeting --name "Uusi" --email uusi.rotate@example.fi
expect_ok n2
r n3 audit verify --db "$T/fresh.db"
expect_ok n3
r n4 key show --db "$T/fresh.db"
grep -q "database: key generation 4$" "$T/n4.out" && ok || bad "fresh database: $(out n4)"

# ---- the lock: commands refuse while a rotation holds the key file, and the
# other way round (util-linux flock stands in for the other process) ----
flock -x "$T/reg.key" "$REKISTERI" person find maija.rotate@example.fi >"$T/lk1.out" 2>"$T/lk1.err"
echo $? >"$T/lk1.rc"
refused lk1 2 "is being rotated; try again"
flock -s "$T/reg.key" "$REKISTERI" key rotate >"$T/lk2.out" 2>"$T/lk2.err"
echo $? >"$T/lk2.rc"
refused lk2 2 "another rekisteri command uses the key file"

# ---- a rotation while the service runs: it takes the new key within a second ----
start
r lt1 token create --name live --role dpo
LIVE1=$(out lt1)
[ "$(api "$LIVE1" "/api/v1/check?email=maija.rotate@example.fi&purpose=customer_relationship")" = 200 ] \
    && ok || bad "the token before the live rotation: $(cat "$T/api.json")"
GEN=$("$REKISTERI" key show --format json | jq -r .database)
r live key rotate
expect_ok live
NEXT=$((GEN + 1))
# The service logs key_rotated (250 ms ticks, then the swap; 10 s allowed for a loaded machine).
took=
for i in $(seq 100); do
    grep -q "\"event\":\"key_rotated\",\"from\":$GEN,\"to\":$NEXT" "$T/serve.err" && { took=$i; break; }
    sleep 0.1
done
[ -n "$took" ] && ok || bad "the service did not take the rotated key: $(tail -5 "$T/serve.err")"
echo "live rotation taken up after about $((took * 100)) ms"
[ "$(api "$LIVE1" "/api/v1/check?email=maija.rotate@example.fi&purpose=customer_relationship")" = 401 ] \
    && ok || bad "the token from before the live rotation still works"
r lt2 token create --name live2 --role dpo
LIVE2=$(out lt2)
[ "$(api "$LIVE2" "/api/v1/check?email=maija.rotate@example.fi&purpose=customer_relationship")" = 200 ] \
    && jq -e '.person != null' "$T/api.json" >/dev/null && ok \
    || bad "a new token after the live rotation: $(cat "$T/api.json")"
# A write through the service after it goes in under the new key: the confirmation mail
# (the sender started again under it) opens, the confirmed subscriber is found by the CLI.
[ "$($C -o /dev/null -w '%{http_code}' -d "email=elava.rotate%40example.fi&consent=yes&lang=en" \
    "$U/forms/newsletter")" = 200 ] && ok || bad "a form after the live rotation"
M3=$(mail_with "elava.rotate@example.fi") && ok || bad "no confirmation email after the live rotation"
LINK3=$(body_of "$M3" | grep -o "$U/confirm/[A-Za-z0-9_-]*" | head -n 1)
[ "$($C -o /dev/null -w '%{http_code}' -X POST "$LINK3")" = 200 ] && ok || bad "confirm after the live rotation"
r lf person find elava.rotate@example.fi
grep -q "^[A-Za-z0-9]" "$T/lf.out" && ok || bad "the form's signup not found under the new key: $(out lf) $(cat "$T/lf.err")"
$C -o /dev/null -w '%{http_code}' "$U/healthz" | grep -qx 200 && ok || bad "healthz after the live rotation"
stop
r lav audit verify
expect_ok lav

# ---- refusals ----
r u1 key
refused u1 2 "expected 'rotate' or 'show'"
r u2 key rotate extra
refused u2 2 "takes no arguments"
chmod 644 "$T/reg.key"
r u3 key rotate
refused u3 2 "chmod 600"
chmod 600 "$T/reg.key"

rk_finish
