#!/bin/sh
# notice_html.sh — the HTML privacy notice is a valid HTML5 document: for the
# example and for the declaration with every field, in both languages,
# `rekisteri notice --format html` succeeds and HTML Tidy reports no errors
# and no warnings. CTest sets REKISTERI (the binary) and RK_SOURCE_DIR; Tidy
# comes from the Debian package `tidy` (scripts/setup installs it).
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
if ! command -v tidy >/dev/null 2>&1; then
    echo "notice_html: tidy is not installed; run scripts/setup" >&2
    exit 1
fi

for decl in examples/smartum/declaration.yaml tests/decls/full.yaml; do
    for lang in fi en; do
        what="$decl ($lang)"
        if ! "$REKISTERI" notice --format html --lang "$lang" "$RK_SOURCE_DIR/$decl" >"$T/out.html"
        then
            bad "$what: rekisteri notice failed"
            continue
        fi
        # -e: report errors and warnings only; status 1 = warnings, 2 = errors.
        tidy -e -q "$T/out.html" >"$T/tidy.txt" 2>&1
        rc=$?
        if [ "$rc" -ne 0 ] || [ -s "$T/tidy.txt" ]; then
            bad "$what: tidy status $rc:"
            cat "$T/tidy.txt" >&2
        else
            ok
        fi
    done
done

rk_finish notice_html
