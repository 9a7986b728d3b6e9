#!/bin/sh
# house_rules.sh — rules of docs/HACKING.md that a grep can check: no banned
# C library calls, no SQL built with format strings, every source file opens
# with a comment saying what it is.
set -u
: "${RK_SOURCE_DIR:?}"
cd "$RK_SOURCE_DIR"
fails=0
banned=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|strtok)\s*\(' src fuzz tests/unit)
if [ -n "$banned" ]; then
    echo "FAIL: banned calls (use snprintf, bounded copies, strtol with checks, strtok_r):"
    echo "$banned"
    fails=$((fails + 1))
fi
sqlfmt=$(grep -rnE '(snprintf|asprintf|rk_buf_printf)\s*\([^;]*"(SELECT|INSERT|UPDATE|DELETE)' src)
if [ -n "$sqlfmt" ]; then
    echo "FAIL: SQL built with a format string; bind parameters instead:"
    echo "$sqlfmt"
    fails=$((fails + 1))
fi
# A private header (x_impl.h, such as core/reg_impl.h: the fields behind an opaque struct) is
# its folder's: layers.sh checks src/; outside it, only the unit tests may look inside.
private=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*_impl\.h"' fuzz bench tests \
    --include='*.[ch]' | grep -v '^tests/unit/')
if [ -n "$private" ]; then
    echo "FAIL: a private header (*_impl.h) included outside its folder and tests/unit:"
    echo "$private"
    fails=$((fails + 1))
fi
for f in $(find src fuzz tests/unit -name '*.[ch]' | sort); do
    if ! head -n 1 "$f" | grep -q '^/\*'; then
        echo "FAIL: $f does not open with a comment saying what it is"
        fails=$((fails + 1))
    fi
done
echo "$((fails == 0)) passed, $fails failed"
[ "$fails" = 0 ]
