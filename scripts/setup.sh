#!/usr/bin/env bash
# Installs everything Growthkit needs to build, run and test, skipping whatever is already present.
# Needs only rustup (stable), node, npm and (for --test) python3. Safe to run again at any time.
#   scripts/setup.sh          tools to build and run the app
#   scripts/setup.sh --test   also Debian Chromium for the end-to-end suite
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10     # newer releases do not build on rustc 1.95
WASM_BINDGEN_VERSION=0.2.130    # must equal the wasm-bindgen pin in Cargo.toml

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

for tool in rustup cargo node npm; do
  command -v "$tool" >/dev/null || { echo "setup: '$tool' is required but not installed" >&2; exit 1; }
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

if ! cargo leptos --version 2>/dev/null | grep -q " ${CARGO_LEPTOS_VERSION}\$"; then
  say "installing cargo-leptos ${CARGO_LEPTOS_VERSION} (about 20 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "${CARGO_LEPTOS_VERSION}" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WASM_BINDGEN_VERSION}\$"; then
  say "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (a few minutes, once)"
  # Without --locked: its lock file pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --force
fi

# Playwright, and binaryen's wasm-opt (JavaScript build) for release builds. Never let Playwright
# download a browser: the suite uses Debian's Chromium.
if [ ! -x end2end/node_modules/.bin/playwright ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing npm packages (end2end/)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# Chargebee's official Node and Python SDKs, which the engine's own tests drive it with.
sdk=crates/engine/sdk-tests
if [ "${1:-}" = "--test" ] && { [ ! -d $sdk/node_modules/chargebee ] || [ $sdk/package-lock.json -nt $sdk/node_modules/.package-lock.json ]; }; then
  say "installing npm packages ($sdk/)"
  (cd $sdk && npm ci --no-audit --no-fund)
fi
venv=$sdk/python/.venv
if [ "${1:-}" = "--test" ] && { [ ! -x $venv/bin/python ] || [ $sdk/python/requirements.txt -nt $venv/installed ]; }; then
  command -v python3 >/dev/null || { echo "setup: 'python3' (3.11 or newer) is required for the SDK tests" >&2; exit 1; }
  say "installing Chargebee's Python SDK ($venv)"
  rm -rf $venv
  python3 -m venv $venv
  # Every package is pinned in the file, so nothing else is resolved.
  $venv/bin/pip install --quiet --no-deps --disable-pip-version-check -r $sdk/python/requirements.txt
  touch $venv/installed
fi

if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian Chromium for the end-to-end suite"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
