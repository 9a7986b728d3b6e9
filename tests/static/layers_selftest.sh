#!/bin/sh
# layers_selftest.sh — layers.sh refuses what it must: on a small tree of its
# own with a table of its own, a clean tree passes, and an upward include, a
# sideways include, a folder missing from the table, a cycle between two
# modules of one folder and a private header (x_impl.h) included from another
# folder each fail with a line naming the file and the arrow. Then the same
# planted upward include, and an edge including core/reg_impl.h, in a copy of
# the real src/ fail against the real table of docs/ARCHITECTURE.md.
set -u
: "${RK_SOURCE_DIR:?}"
script="$RK_SOURCE_DIR/tests/static/layers.sh"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
ok=0
bad=0
check() { # name expected-status pattern
    if [ "$2" = 0 ] && [ "$status" = 0 ] || { [ "$2" != 0 ] && [ "$status" != 0 ] && grep -q -- "$3" "$t/out"; }; then
        ok=$((ok + 1))
    else
        echo "FAIL: $1 (status $status)"
        sed 's/^/    /' "$t/out"
        bad=$((bad + 1))
    fi
}
run() { # tree
    status=0
    RK_SOURCE_DIR="$t" RK_LAYERS_DOC="$t/table.md" RK_LAYERS_SRC="$1" sh "$script" > "$t/out" 2>&1 || status=$?
}

cat > "$t/table.md" <<'EOF'
<!-- layers: begin -->
| layer | folder | what | may use |
|---|---|---|---|
| 0 | `low` | x | — |
| 1 | `mid` | x | low |
| 1 | `side` | x | low |
| 2 | `top` | x | everything below |
| 3 | `main` | x | everything |
<!-- layers: end -->
EOF
mk() { # tree file lines...
    tree=$1 f=$2
    shift 2
    mkdir -p "$t/$tree/$(dirname "$f")"
    printf '/* %s */\n' "$f" > "$t/$tree/$f"
    for l in "$@"; do printf '%s\n' "$l" >> "$t/$tree/$f"; done
}
clean() { # tree
    mk "$1" low/a.h
    mk "$1" low/a.c '#include "low/a.h"' '#include <stdio.h>'
    mk "$1" mid/b.h '#include "low/a.h"'
    mk "$1" mid/b.c '#include "mid/b.h"' '#include "c.h"'
    mk "$1" mid/c.h
    mk "$1" side/s.c '#include "low/a.h"'
    mk "$1" top/t.c '#include "mid/b.h"' '#include "side/s.h"'
    mk "$1" main.c '#include "top/t.h"'
}

clean ok
run "$t/ok"
check "a clean tree passes" 0 ""

clean up
mk up low/a.c '#include "low/a.h"' '#include "mid/b.h"'
run "$t/up"
check "an upward include fails" 1 "up/low/a.c:3 includes mid/b.h: low (layer 0) may not use mid (layer 1)"

clean sideways
mk sideways side/s.c '#include "mid/b.h"'
run "$t/sideways"
check "a sideways include fails" 1 "side/s.c:2 includes mid/b.h: side (layer 1) may not use mid (layer 1)"

clean unknown
mk unknown extra/e.c '#include "low/a.h"'
run "$t/unknown"
check "a folder missing from the table fails" 1 "folder extra .* is not in the layer table"

clean cycle
mk cycle mid/c.c '#include "mid/c.h"' '#include "mid/b.h"'
run "$t/cycle"
check "a cycle between two modules of a folder fails" 1 "modules of mid include each other in a cycle"

clean private
mk private low/p_impl.h
mk private low/p.c '#include "low/p_impl.h"'
run "$t/private"
check "a private header included from its own folder passes" 0 ""
mk private top/t.c '#include "mid/b.h"' '#include "low/p_impl.h"'
run "$t/private"
check "a private header included from another folder fails" 1 \
    "private/top/t.c:3 includes low/p_impl.h, a header private to low/"

# plant FILE LINE: runs the real table over a copy of the real tree with LINE added to FILE.
plant() {
    rm -rf "$t/real"
    mkdir -p "$t/real"
    cp -R "$RK_SOURCE_DIR/src" "$t/real/src"
    printf '%s\n' "$2" >> "$t/real/src/$1"
    status=0
    RK_SOURCE_DIR="$RK_SOURCE_DIR" RK_LAYERS_SRC="$t/real/src" sh "$script" > "$t/out" 2>&1 || status=$?
}

# One planted upward include: util/buf.c reaching into http/.
plant util/buf.c '#include "http/server.h"'
check "the real table refuses util/buf.c including http/server.h" 1 \
    "util/buf.c:[0-9]* includes http/server.h: util (layer 0) may not use http (layer 9)"

# An edge reaching into the register handle's fields.
plant http/api.c '#include "core/reg_impl.h"'
check "the real tree refuses http/api.c including core/reg_impl.h" 1 \
    "http/api.c:[0-9]* includes core/reg_impl.h, a header private to core/"

echo "$ok passed, $bad failed"
[ "$bad" = 0 ]
