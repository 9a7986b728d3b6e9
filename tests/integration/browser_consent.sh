#!/bin/sh
# browser_consent.sh — the website's consent manager (/consent.js) in a real browser (issue
# 13 C): Debian's Chromium driven by playwright-core through tests/e2e/consent.mjs, which
# starts the stand-in trackers, the stand-in company site, `rekisteri serve` and the browser
# itself and stops them all. CTest sets REKISTERI and RK_SOURCE_DIR; scripts/setup installs
# chromium, node and tests/e2e/node_modules. Never skipped: anything missing fails.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
if ! command -v node >/dev/null 2>&1; then
    echo "FAIL: node not found: run scripts/setup as root (it installs nodejs)"
    exit 1
fi
exec node "$RK_SOURCE_DIR/tests/e2e/consent.mjs"
