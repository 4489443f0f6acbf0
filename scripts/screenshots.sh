#!/usr/bin/env bash
# Refreshes the pictures in docs/screenshots: the Playwright suite, run with GROWTHKIT_SCREENSHOTS=1.
# The ordinary suite (scripts/test.sh) writes none, so it leaves the tree as it found it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh
cargo leptos build --split
(cd end2end && GROWTHKIT_SCREENSHOTS=1 npx playwright test)
