#!/bin/sh
# cli_help.sh — a CLI that helps (issue 14 item 7): every group's --help lists its
# subcommands one line each; a missing or misspelt command or subcommand is refused
# on one line that suggests the nearest name and points at the help; an unknown
# option names the whole command; every enumerated value (source kinds, languages,
# formats, reasons, request statuses) and every declared one (registers, purposes,
# roles) is offered in the refusal with the nearest; a refused command writes
# nothing to standard output; table output keeps its columns aligned.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export REKISTERI_DECLARATION="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
export REKISTERI_ACTOR=tester
EXAMPLE=$REKISTERI_DECLARATION
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# r NAME ARGS... — runs the binary, keeping stdout, stderr and status.
r() {
    name=$1; shift
    timeout 60 "$REKISTERI" "$@" >"$T/$name.out" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}
rc() { cat "$T/$1.rc"; }
# refused NAME TEXT... — exit 2, nothing on stdout, one stderr line holding every TEXT.
refused() {
    n=$1; shift
    if [ "$(rc "$n")" != 2 ]; then bad "$n: status $(rc "$n"), want 2: $(cat "$T/$n.err")"; return; fi
    if [ -s "$T/$n.out" ]; then bad "$n: refused but wrote to stdout: $(cat "$T/$n.out")"; return; fi
    if [ "$(wc -l <"$T/$n.err")" != 1 ]; then bad "$n: want one line on stderr:"; cat "$T/$n.err" >&2; return; fi
    for want in "$@"; do
        grep -qF -- "$want" "$T/$n.err" || { bad "$n: stderr lacks '$want': $(cat "$T/$n.err")"; return; }
    done
    ok
}

r init init
[ "$(rc init)" = 0 ] && ok || bad "init: $(cat "$T/init.err")"

# ---- GROUP --help lists the subcommands, one line each ----
for g in person consent contract invoice token audit outbox mail recipients request rights \
         tasks staff key consent-log; do
    r "h_$g" "$g" --help
    if [ "$(rc "h_$g")" != 0 ] || ! grep -q "^usage: rekisteri $g SUBCOMMAND" "$T/h_$g.out" \
        || ! grep -q "^subcommands:" "$T/h_$g.out"; then
        bad "$g --help: $(cat "$T/h_$g.out" "$T/h_$g.err")"
        continue
    fi
    # Every listed subcommand has a summary and its own --help.
    subs=$(sed -n '/^subcommands:/,/^$/p' "$T/h_$g.out" | awk 'NR > 1 && NF { print $1 }')
    [ -n "$subs" ] || bad "$g --help lists nothing"
    for s in $subs; do
        line=$(grep "^  $s  " "$T/h_$g.out")
        [ "$(echo "$line" | wc -w)" -ge 2 ] || bad "$g --help: no summary for $s"
        r "hs_${g}_$s" "$g" "$s" --help
        [ "$(rc "hs_${g}_$s")" = 0 ] && grep -q "usage: rekisteri" "$T/hs_${g}_$s.out" \
            && ok || bad "$g $s --help: $(cat "$T/hs_${g}_$s.err")"
    done
done
grep -q "^  add  *add a person to a register$" "$T/h_person.out" && ok \
    || bad "person --help: $(cat "$T/h_person.out")"
grep -q "^  revoke  *revoke a token$" "$T/h_token.out" && ok || bad "token --help: $(cat "$T/h_token.out")"

# ---- a missing or misspelt command or subcommand ----
r g1 token
refused g1 "expected 'token create', 'token list' or 'token revoke'" "see 'rekisteri token --help'"
r g2 person
refused g2 "expected 'person add'" "see 'rekisteri person --help'"
r g3 tokn list
refused g3 "unknown command 'tokn'; did you mean 'token'?"
r g4 persn
refused g4 "did you mean 'person'?"
r g5 token lst
refused g5 "did you mean 'token list'?" "see 'rekisteri token --help'"
r g6 person ad
refused g6 "expected 'person add'" "did you mean 'person add'?"
r g7 request verfy
refused g7 "did you mean 'request verify'?"
r g8 key rotat
refused g8 "expected 'rotate' or 'show'" "did you mean 'key rotate'?"
r g9 frobnicate
refused g9 "unknown command 'frobnicate'; 'rekisteri --help' lists the commands"
grep -q "did you mean" "$T/g9.err" && bad "g9: a suggestion for a word near nothing" || ok
r g10 person frobnicate
refused g10 "expected 'person add'"
grep -q "did you mean" "$T/g10.err" && bad "g10: a suggestion for a word near nothing" || ok

# ---- an unknown option names the whole command ----
r o1 person add --foo
refused o1 "unknown option '--foo'; see 'rekisteri person add --help'"
r o2 token list --colour
refused o2 "unknown option '--colour'; see 'rekisteri token list --help'"
r o3 lint --foo "$EXAMPLE"
refused o3 "unknown option '--foo'; see 'rekisteri lint --help'"
r o4 serve --foo
refused o4 "unknown option '--foo'; see 'rekisteri serve --help'"
r o5 request list --status
refused o5 "option '--status' needs a value; see 'rekisteri request list --help'"
r o6 validate --lang fi "$EXAMPLE"
refused o6 "unknown option '--lang'; see 'rekisteri validate --help'"
r o7 serve --threads 0
refused o7 "--threads: expected a number from 1 to 256"
r o8 serve extra
refused o8 "serve takes no arguments"

# ---- enumerated values are offered, with the nearest ----
W="--register marketing --purpose sales_promotion"
r v1 person add $W --source emial --name X
refused v1 "--source: unknown source kind 'emial'; expected web_form, email, phone, contract, meeting, other_handover, public_source or third_party; did you mean 'email'?"
r v2 notice --lang sv "$EXAMPLE"
refused v2 "--lang: unknown language 'sv'; expected fi or en"
r v3 notice --lang fin "$EXAMPLE"
refused v3 "expected fi or en; did you mean 'fi'?"
r v4 token list --format jsn
refused v4 "--format: unknown format 'jsn'; expected text or json; did you mean 'json'?"
r v5 ropa --format xsl "$EXAMPLE"
refused v5 "--format: unknown format 'xsl'; expected csv, json, md or dpv"
r v6 suppress add --email a@example.fi --reason objectoin
refused v6 "--reason: unknown reason 'objectoin'; expected objection or erasure; did you mean 'objection'?"
r v7 request list --status complted
refused v7 "--status: unknown status 'complted'; expected received, verified, in_progress, completed or rejected; did you mean 'completed'?"

# ---- declared values are offered, with the nearest ----
r d1 person add --register marketng --purpose sales_promotion --source web_form --name X
refused d1 "register 'marketng' is not declared; expected customer or marketing; did you mean 'marketing'?"
r d2 person add --register marketing --purpose sales_promotio --source web_form --name X
refused d2 "purpose 'sales_promotio' is not declared; expected" "did you mean 'sales_promotion'?"
r d3 audience --purpose newsleter
refused d3 "purpose 'newsleter' is not declared; expected sales_promotion or customer_relationship"
r d4 token create --name t1 --role admn
refused d4 "role 'admn' is not declared" "expected marketing, sales or dpo"
r d5 token create --name t1 --role sale
refused d5 "did you mean 'sales'?"
r d6 staff add --email s@example.fi --name S --role dpoo
refused d6 "role 'dpoo' is not declared" "did you mean 'dpo'?"
printf 'name,email\nA,a@example.fi\n' >in.csv
r d7 import --register custmer --source email in.csv
refused d7 "--register: register 'custmer' is not declared; expected customer or marketing; did you mean 'customer'?"
r d8 import --register customer --purpose nothing --source email in.csv
refused d8 "--purpose: purpose 'nothing' is not declared; expected"
# A source refused for a register names the register, which is declared: no offer then.
r d9 person add --register marketing --purpose sales_promotion --source public_source --name X
refused d9 "source 'public_source' is not declared for register 'marketing'"
grep -q "did you mean\|expected customer" "$T/d9.err" && bad "d9: an offer for a declared register" || ok

# ---- tables keep their columns aligned ----
# column_at FILE WORD — the offset of WORD on every line of FILE, one a line.
column_at() { awk -v w="$2" '{ print index($0, w) }' "$1" | sort -u; }
r t1 token create --name a-token-name-longer-than-the-old-column --role dpo
r t2 token create --name short --role sales
r tl token list
[ "$(rc tl)" = 0 ] && [ "$(wc -l <"$T/tl.out")" = 2 ] && [ "$(column_at "$T/tl.out" created | wc -l)" = 1 ] \
    && ok || bad "token list not aligned: $(cat "$T/tl.out")"
# Short names keep the old widths: name 24, role 16.
grep -q "^short                                   sales            created " "$T/tl.out" \
    && ok || bad "token list widths: $(cat "$T/tl.out")"
r s1 staff add --email someone.with.a.rather.long.address@example-company.fi --name Long --role dpo
r s2 staff add --email b@example.fi --name Short --role sales
r sl staff list
[ "$(rc sl)" = 0 ] && [ "$(column_at "$T/sl.out" invited | wc -l)" = 1 ] \
    && ok || bad "staff list not aligned: $(cat "$T/sl.out")"
r al audit list
[ "$(rc al)" = 0 ] && [ "$(awk '{ print index($0, "token.create") + index($0, "staff.") }' "$T/al.out" | sort -u | wc -l)" = 1 ] \
    && ok || bad "audit list not aligned: $(cat "$T/al.out")"
r ks key show
[ "$(rc ks)" = 0 ] && head -1 "$T/ks.out" | grep -q "^generation  state     created               fingerprint       suppressions$" \
    && ok || bad "key show: $(cat "$T/ks.out")"
r ol outbox list
[ "$(rc ol)" = 0 ] && grep -q "^queued  0$" "$T/ol.out" && ok || bad "outbox list: $(cat "$T/ol.out")"
r rl recipients list
[ "$(rc rl)" = 0 ] && grep -q "^unsupported 0$" "$T/rl.out" && grep -q "^queued      0$" "$T/rl.out" \
    && ok || bad "recipients list: $(cat "$T/rl.out")"

echo "cli_help: $passes passed, $fails failed"
[ "$fails" = 0 ]
