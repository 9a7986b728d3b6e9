#!/bin/sh
# browser_answers.sh — the answer that reaches the person, in a real browser
# (issue 13 B): Debian's Chromium driven by playwright-core through
# tests/e2e/answers.mjs, which starts the SMTP sink, the server and the browser
# itself and stops them all. CTest sets REKISTERI, RK_SOURCE_DIR and SMTP_SINK;
# scripts/setup installs chromium, node and tests/e2e/node_modules. Never
# skipped: anything missing fails.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}" "${SMTP_SINK:?}"
if ! command -v node >/dev/null 2>&1; then
    echo "FAIL: node not found: run scripts/setup as root (it installs nodejs)"
    exit 1
fi
exec node "$RK_SOURCE_DIR/tests/e2e/answers.mjs"
