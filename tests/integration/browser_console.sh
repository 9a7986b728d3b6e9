#!/bin/sh
# browser_console.sh — the staff console in a real browser (issue 12): Debian's
# Chromium driven by playwright-core through tests/e2e/console.mjs, which starts
# the server and the browser itself, signs in as each of the example's three
# roles, checks every page with axe-core (WCAG 2.2 A/AA) and screenshots it at
# 390 and 1280 px into $RK_BUILD_DIR/e2e-shots/. CTest sets REKISTERI and
# RK_SOURCE_DIR; scripts/setup installs chromium, node and tests/e2e/node_modules.
# Never skipped: anything missing fails.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
if ! command -v node >/dev/null 2>&1; then
    echo "FAIL: node not found: run scripts/setup as root (it installs nodejs)"
    exit 1
fi
RK_BUILD_DIR=${RK_BUILD_DIR:-$(dirname "$REKISTERI")}
export RK_BUILD_DIR
exec node "$RK_SOURCE_DIR/tests/e2e/console.mjs"
