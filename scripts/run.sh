#!/usr/bin/env bash
# Command (a): set up what is missing, build, and serve Growthkit with demo data on the embedded
# defaults at http://127.0.0.1:3000 (override with GROWTHKIT_ADDR). Stop with Ctrl-C.
#   RELEASE=1 scripts/run.sh   optimised build (slower to build, smaller WASM)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

if [ "${RELEASE:-0}" = "1" ]; then
  cargo leptos build --release --split
  exec target/release/growthkit
else
  cargo leptos build --split
  exec target/debug/growthkit
fi
