#!/bin/sh
# ropa_dpv.sh — `rekisteri ropa --format dpv` from the real binary: valid JSON
# with the Data Privacy Vocabulary's @context, one dpv:Process per register and
# purpose (as many as the JSON record has entries), every legal basis an
# eu-gdpr IRI, the same bytes whatever --lang says and on every run, and a
# misspelt format refused with the formats offered.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
EXAMPLE="$RK_SOURCE_DIR/examples/smartum/declaration.yaml"
FULL="$RK_SOURCE_DIR/tests/decls/full.yaml"

CORRECTED="$RK_SOURCE_DIR/examples/smartum/corrected.yaml"
[ -f "$CORRECTED" ] || CORRECTED= # the same company with every finding fixed, where it exists

for decl in "$EXAMPLE" "$FULL" $CORRECTED; do
    n=$(basename "$decl" .yaml)
    if ! R ropa --format dpv "$decl" >"$T/$n.jsonld" 2>"$T/$n.err"; then
        bad "$n: ropa --format dpv failed: $(cat "$T/$n.err")"
        continue
    fi
    jq -e '."@context".dpv == "https://w3id.org/dpv#"
           and ."@context"."eu-gdpr" == "https://w3id.org/dpv/legal/eu/gdpr#"
           and ."@context".loc == "https://w3id.org/dpv/loc#"
           and ."@context".pd == "https://w3id.org/dpv/pd#"' "$T/$n.jsonld" >/dev/null \
        && ok || bad "$n: not JSON, or not the DPV @context"
    # As many processes as the record has entries, each with its basis as an eu-gdpr IRI.
    R ropa --format json "$decl" >"$T/$n.json"
    want=$(jq '.record_of_processing.entries | length' "$T/$n.json")
    got=$(jq '[."@graph"[] | select(."@type" == "dpv:Process")] | length' "$T/$n.jsonld")
    [ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] && ok \
        || bad "$n: $got processes, want $want"
    jq -e '[."@graph"[] | select(."@type" == "dpv:Process") | ."dpv:hasLegalBasis"."@id"]
           | all(test("^eu-gdpr:A6-1-[a-f]$"))' "$T/$n.jsonld" >/dev/null \
        && ok || bad "$n: a process without an eu-gdpr art 6(1) basis"
    # --lang changes nothing: both languages are in the one document.
    R ropa --format dpv --lang en "$decl" >"$T/$n.en.jsonld"
    cmp -s "$T/$n.jsonld" "$T/$n.en.jsonld" && ok || bad "$n: --lang en changed the document"
    R ropa --format dpv "$decl" >"$T/$n.again.jsonld"
    cmp -s "$T/$n.jsonld" "$T/$n.again.jsonld" && ok || bad "$n: two runs differ"
done

# Both languages as tagged values, in the example's first category.
jq -e '[."@graph"[] | select(."@id" == "_:category-name") | ."rdfs:label"[]."@language"]
       == ["fi", "en"]' "$T/declaration.jsonld" >/dev/null \
    && ok || bad "example: the name category is not labelled in fi and en"

# A misspelt format: refused, nothing on stdout, the formats offered.
R ropa --format dvp "$EXAMPLE" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
[ "$rc" = 2 ] && [ ! -s "$T/bad.out" ] && grep -q "dpv" "$T/bad.err" && ok \
    || bad "ropa --format dvp: status $rc, stderr: $(cat "$T/bad.err")"

rk_finish ropa_dpv
