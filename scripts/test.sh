#!/usr/bin/env bash
# Command (b): set up what is missing, then run every check and test: formatting, clippy on the server
# and WASM builds, the Rust tests (unit + integration against real SQLite and HTTP), the standalone engine
# under Chargebee's Node and Python SDKs (on catalog 1.0 and 2.0 sites), and the Playwright suite in Debian
# Chromium (all of it on 2.0, the credit and gift journeys again on 1.0). Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$SECONDS

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server build)"
cargo clippy --locked --workspace --features ssr --all-targets -- -D warnings

step "clippy (WASM build)"
cargo clippy --locked --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "Rust tests (app, engine, wire, clock)"
RUSTFLAGS="$SERVER_RUSTFLAGS" cargo test --locked --workspace --features ssr

step "the standalone engine, driven by Chargebee's official Node and Python SDKs"
RUSTFLAGS="$SERVER_RUSTFLAGS" cargo build --locked -p growthkit-engine
(cd crates/engine/sdk-tests && node --test)
(cd crates/engine/sdk-tests/python && .venv/bin/python -m unittest -v)

step "build the app for the browser suite"
cargo leptos build --split

step "Playwright (Debian Chromium), product catalog 2.0 with the embedded engine"
(cd end2end && npx playwright test)

step "Playwright, the credit and gift journeys on a product catalog 1.0 site through the Chargebee client"
(cd end2end && E2E_CATALOG=v1 npx playwright test tests/credits tests/gifts)

step "all checks passed in $((SECONDS - started)) s"
