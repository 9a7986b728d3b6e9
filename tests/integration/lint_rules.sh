#!/bin/sh
# lint_rules.sh — drives the real `rekisteri lint` over tests/decls/lint/: each RULE.yaml there
# is a small declaration that breaks one rule, and gets findings of that rule only, at the
# places its "# expect: LINE:COL ..." comment names, with the rule's severity, a fix naming the
# key to declare and the reference `lint --rules` lists for it, and the exit status that
# severity calls for; clean.yaml, which uses every finer point of the declaration correctly,
# lints with 0 errors, 0 warnings, 0 notes and status 0. Every rule of issue 16 has its file,
# and README.md's table of lint rules is what `lint --rules` prints.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
DIR="$RK_SOURCE_DIR/tests/decls/lint"

R lint --rules >"$T/rules.out" 2>"$T/rules.err" && ok || bad "lint --rules: $(cat "$T/rules.err")"

# The rules that must each have a declaration here.
for rule in special-category-condition-missing special-category-law-missing \
    criminal-data-law-missing children-consent-art8 automated-decision-basis-missing \
    automated-decision-safeguards-missing automated-decision-consequences-missing \
    profiling-undisclosed marketing-email-consent-missing marketing-soft-opt-in-incomplete \
    marketing-contract-basis legitimate-interest-balancing-missing source-name-missing \
    source-categories-missing transfer-stale-text transfer-dpf-not-us transfer-dpf-unverified \
    transfer-safeguards-copy-missing billing-retention-calendar-year; do
    [ -f "$DIR/$rule.yaml" ] && ok || bad "$rule: no tests/decls/lint/$rule.yaml"
done

for f in "$DIR"/*.yaml; do
    rule=$(basename "$f" .yaml)
    [ "$rule" = clean ] && continue
    # the rule as `lint --rules` lists it: "ID SEVERITY SUMMARY (REFERENCE)"
    listed=$(grep "^$rule " "$T/rules.out")
    [ -n "$listed" ] || { bad "$rule: not listed by lint --rules"; continue; }
    sev=$(echo "$listed" | awk '{print $2}')
    want_rc=0
    [ "$sev" = error ] && want_rc=1

    R lint --format json "$f" >"$T/$rule.json" 2>"$T/$rule.err"
    rc=$?
    [ "$rc" = "$want_rc" ] && ok || bad "$rule: exit status $rc, want $want_rc for $sev findings"
    others=$(jq -r --arg r "$rule" '[.findings[] | select(.rule != $r) | .rule] | join(" ")' \
        "$T/$rule.json")
    [ -z "$others" ] && ok || bad "$rule.yaml provokes other rules too: $others"
    locs=$(jq -r '[.findings[] | "\(.line):\(.column)"] | join(" ")' "$T/$rule.json")
    want=$(sed -n 's/^# expect: //p' "$f")
    [ -n "$locs" ] && [ "$locs" = "$want" ] && ok \
        || bad "$rule: findings at '$locs', want '$want'"
    ref=$(jq -r '.findings[0].reference' "$T/$rule.json")
    case "$listed" in
    *"($ref)") ok ;;
    *) bad "$rule: reference '$ref' is not the one lint --rules lists: $listed" ;;
    esac
    jq -e --arg s "$sev" '[.findings[] | select(.severity != $s)] | length == 0' \
        "$T/$rule.json" >/dev/null && ok || bad "$rule: a finding not of severity $sev"
    # a concrete fix: the key to declare, with a value ('key: value'); stale text is rewritten
    jq -r '.findings[].message' "$T/$rule.json" >"$T/$rule.msg"
    if [ "$rule" = transfer-stale-text ]; then
        fix="rewrite it"
    else
        fix="'[a-z_]*: [^']"
    fi
    [ "$(grep -c "$fix" "$T/$rule.msg")" = "$(wc -l <"$T/$rule.msg")" ] && ok \
        || bad "$rule: a message without a fix ($fix): $(cat "$T/$rule.msg")"

    # the text form: FILE:LINE:COL: SEVERITY [RULE]: message, then "see: REFERENCE"
    R lint "$f" >"$T/$rule.txt" 2>&1
    for lc in $want; do
        grep -qF "$f:$lc: $sev [$rule]: " "$T/$rule.txt" && ok \
            || bad "$rule: no '$f:$lc: $sev [$rule]' line: $(cat "$T/$rule.txt")"
    done
    grep -qxF "    see: $ref" "$T/$rule.txt" && ok || bad "$rule: no 'see: $ref' line"
done

# README.md's table lists every rule as `lint --rules` does: id, severity, summary, reference.
sed -n 's/^| `\([a-z0-9-]*\)` | \(error\|warning\|note\) | \(.*\) | \(.*\) |$/\1 \2 \3 (\4)/p' \
    "$RK_SOURCE_DIR/README.md" >"$T/readme.rules"
sed 's/^\([^ ]*\)  */\1 /; s/^\([^ ]* [a-z]*\)  */\1 /' "$T/rules.out" >"$T/listed.rules"
diff "$T/listed.rules" "$T/readme.rules" >"$T/rules.diff" && ok \
    || bad "README.md's table of lint rules differs from lint --rules: $(cat "$T/rules.diff")"
n=$(wc -l <"$T/rules.out")
grep -q "runs these $n rules" "$RK_SOURCE_DIR/README.md" && ok || bad "README.md: not '$n rules'"

R lint "$DIR/clean.yaml" >"$T/clean.out" 2>"$T/clean.err"
rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/clean.out")" = "$DIR/clean.yaml: 0 errors, 0 warnings, 0 notes" ] \
    && ok || bad "clean.yaml: status $rc: $(cat "$T/clean.out" "$T/clean.err")"

rk_finish
