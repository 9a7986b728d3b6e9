#!/bin/sh
# clang_tidy.sh — clang-tidy (clang-analyzer-*, bugprone-*, as configured in
# .clang-tidy) must stay clean over every C file. CTest passes the build
# directory holding compile_commands.json.
set -eu
: "${RK_SOURCE_DIR:?}" "${RK_BUILD_DIR:?}"
cd "$RK_SOURCE_DIR"
find src tests/unit fuzz -name '*.c' | sort |
    xargs -P 2 -n 4 clang-tidy -p "$RK_BUILD_DIR" --quiet --warnings-as-errors='*' 2>/dev/null
echo "clang-tidy: clean"
