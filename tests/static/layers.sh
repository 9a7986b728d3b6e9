#!/bin/sh
# layers.sh — the layers of docs/ARCHITECTURE.md, enforced. Reads the table
# between "<!-- layers: begin -->" and "<!-- layers: end -->" (layer number,
# folder), then every #include "..." of every .c and .h under src/:
#   - a folder may include its own headers and those of folders in lower
#     layers only; an arrow up or sideways (same layer, other folder) fails;
#   - a folder missing from the table fails;
#   - a private header (x_impl.h: the fields behind an opaque struct, such as
#     core/reg_impl.h) may be included from its own folder only, whatever the
#     layers say (house_rules.sh keeps it out of fuzz/, bench/ and tests/
#     other than tests/unit/);
#   - within a folder, the modules (x.c with x.h) may not include each other
#     in a cycle (tsort finds it).
# Files directly under src/ belong to the folder "main". RK_LAYERS_DOC and
# RK_LAYERS_SRC name another table or tree (the test of this script uses them).
set -u
: "${RK_SOURCE_DIR:?}"
cd "$RK_SOURCE_DIR"
doc=${RK_LAYERS_DOC:-docs/ARCHITECTURE.md}
srcdir=${RK_LAYERS_SRC:-src}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk '/<!-- layers: begin -->/ {on = 1; next} /<!-- layers: end -->/ {on = 0}
     on && /^\| *[0-9]+ *\| *`[a-z_]+`/ {
         split($0, c, "|"); n = c[2]; f = c[3]; gsub(/[ `]/, "", n); gsub(/[ `]/, "", f)
         print f, n }' "$doc" > "$tmp/table"
if [ ! -s "$tmp/table" ]; then
    echo "FAIL: no layer table between the markers in $doc"
    exit 1
fi

# "file folder target-folder target-header line" for every quoted include.
find "$srcdir" -name '*.[ch]' | sort | while read -r f; do
    rel=${f#"$srcdir"/}
    case $rel in */*) dir=${rel%%/*} ;; *) dir=main ;; esac
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' |
        while read -r line inc; do
            case $inc in */*) tdir=${inc%%/*} ;; *) tdir=$dir ;; esac
            echo "$f $dir $tdir ${inc##*/} $line"
        done
done > "$tmp/includes"

awk -v table="$tmp/table" '
    BEGIN { while ((getline l < table) > 0) { split(l, a, " "); layer[a[1]] = a[2] + 0 } }
    {
        f = $1; dir = $2; tdir = $3; line = $5
        if (!(dir in layer)) {
            if (!(dir in told)) printf "FAIL: folder %s (%s) is not in the layer table\n", dir, f
            told[dir] = 1; bad++; next
        }
        if (tdir != dir && $4 ~ /_impl\.h$/) {
            printf "FAIL: %s:%s includes %s/%s, a header private to %s/\n", f, line, tdir, $4, tdir
            bad++; next
        }
        if (tdir == dir) next
        if (!(tdir in layer)) {
            printf "FAIL: %s:%s includes %s/%s, a folder not in the layer table\n", f, line, tdir, $4
            bad++; next
        }
        if (layer[tdir] >= layer[dir]) {
            printf "FAIL: %s:%s includes %s/%s: %s (layer %d) may not use %s (layer %d)\n",
                   f, line, tdir, $4, dir, layer[dir], tdir, layer[tdir]
            bad++
        }
    }
    END { exit bad > 0 }' "$tmp/includes"
fails=$?

# Cycles between the modules of one folder: module(x.c or x.h) -> module(y.h).
for dir in $(cut -d' ' -f2 "$tmp/includes" | sort -u); do
    awk -v d="$dir" '$2 == d && $3 == d {
        n = $1; sub(/.*\//, "", n); sub(/\.[ch]$/, "", n)
        t = $4; sub(/\.h$/, "", t)
        if (n != t) print n, t }' "$tmp/includes" > "$tmp/edges"
    if ! tsort < "$tmp/edges" > /dev/null 2> "$tmp/loop"; then
        echo "FAIL: modules of $dir include each other in a cycle:"
        sed -e "s/^tsort: -: input contains a loop:/   a loop:/" -e "s/^tsort: /        /" "$tmp/loop"
        fails=1
    fi
done

if [ "$fails" = 0 ]; then
    echo "layers: $(wc -l < "$tmp/includes") includes of $(cut -d' ' -f1 "$tmp/includes" | sort -u | wc -l) files follow the table of $doc"
fi
[ "$fails" = 0 ]
