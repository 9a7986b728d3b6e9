#!/bin/sh
# audit_chain.sh — the audit chain as an operator checks it: `audit verify`
# says ok with the count; `audit head` exports SEQ:HASH; a rewritten event is
# caught by verify alone, a truncated tail only against the exported head
# (`verify --head`), each exit 1 naming the event; `audit show` is `list`,
# with --person and --since; malformed options exit 2.
# CTest sets REKISTERI and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
rk_default_db; unset REKISTERI_KEY_FILE REKISTERI_NOW

R init >/dev/null 2>&1 || { echo "FAIL: init"; exit 1; }
P=$(R person add --register customer --purpose customer_relationship --source meeting \
    --name "Aino" --email aino@example.fi)
R person show "$P" >/dev/null
R person update "$P" --register customer --purpose customer_relationship --source meeting \
    --name "Aino A" >/dev/null
OUT=$(R audit verify)
case $OUT in "audit chain holds: 3 events"*) ok ;; *) bad "verify: $OUT" ;; esac
HEAD=$(R audit head)
echo "$HEAD" | grep -q '^3:[0-9a-f]\{64\}$' && ok || bad "head: $HEAD"
R audit verify --head "$HEAD" >/dev/null && ok || bad "verify against its own head"
R audit show --person "$P" --format json | jq -e 'length == 3 and .[0].action == "person.add"' \
    >/dev/null && ok || bad "show --person"
[ "$(R audit show --since 2999-01-01T00:00:00Z --format json | jq length)" = 0 ] && ok \
    || bad "--since"
R audit verify --head "3:nothex" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "a malformed --head accepted"

# A truncated tail: verify alone cannot see it; the exported head can.
# sqlite3 (psql on the PostgreSQL pass): the subject is the database edited behind the
# service's back (no operation deletes or rewrites an audit event); the chain must notice.
edit() {
    if [ "${RK_BACKEND:-sqlite}" = postgres ]; then
        psql "$REKISTERI_DB" -qAt -v ON_ERROR_STOP=1 -c "$1" >/dev/null
    else
        sqlite3 var/rekisteri.db "$1"
    fi
}
edit "DELETE FROM audit WHERE seq = 3"
R audit verify >/dev/null && ok || bad "a clean shorter chain should verify on its own"
R audit verify --head "$HEAD" >/dev/null 2>"$T/err"
[ $? = 1 ] && grep -q "truncated" "$T/err" && ok || bad "truncation not caught: $(cat "$T/err")"

# A rewritten event: caught by verify alone, naming it.
edit "UPDATE audit SET actor = 'someone' WHERE seq = 2"
R audit verify >/dev/null 2>"$T/err2"
[ $? = 1 ] && grep -q "broken at event 2" "$T/err2" && ok || bad "rewrite not caught: $(cat "$T/err2")"
R audit verify --format json 2>/dev/null | jq -e '.ok == false and .bad_seq == 2' >/dev/null && ok \
    || bad "json verdict"
rk_finish
