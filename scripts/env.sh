# Shared by the scripts (sourced, not run). Keeps one set of build artefacts for every command.

# cargo-leptos sets both of these for its debug builds; setting them for plain cargo commands too lets
# `cargo test`, clippy and `cargo leptos build` reuse one compiled dependency tree instead of three.
export LEPTOS_OUTPUT_NAME=growthkit
SERVER_RUSTFLAGS="--cfg erase_components"

# wasm-opt for release builds comes from npm's binaryen (Debian's binaryen breaks hydration).
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
