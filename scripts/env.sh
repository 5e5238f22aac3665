# shellcheck shell=bash
# Sourced by every script: picks the wasm32 toolchain route and defines `wasm_cargo`/`wasm_pack`.
#
# Route "rustup": the rustup wasm32-unknown-unknown target is installed (ordinary users with internet).
# Route "debian": no rustup target (offline machines where `rustup target add` cannot reach the network):
#   Debian's rustc-web (1.96, LLVM 22) builds std from /usr/lib/rustlib/src/rust with -Z build-std and
#   links with wasm-ld-22. These flags are passed on the command line, never committed to
#   .cargo/config.toml, so the rustup route is unaffected.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# node_modules/.bin first: wasm-opt comes from npm's `binaryen` (pinned in package.json) because
# Debian bookworm's binaryen 108 exports the wrong table for wasm-bindgen 0.2.130's externref table.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if [ -z "${TINYMLPERF_ROUTE:-}" ]; then
  if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    TINYMLPERF_ROUTE=rustup
  else
    TINYMLPERF_ROUTE=debian
  fi
fi
export TINYMLPERF_ROUTE

DEBIAN_WASM_FLAGS=(-Z build-std=std,panic_abort --config 'target.wasm32-unknown-unknown.linker="wasm-ld-22"')

# cargo for the wasm32 target, with the route's toolchain.
wasm_cargo() {
  if [ "$TINYMLPERF_ROUTE" = debian ]; then
    local sub="$1"; shift
    PATH="$ROOT/node_modules/.bin:/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
      /usr/bin/cargo "$sub" "${DEBIAN_WASM_FLAGS[@]}" --target wasm32-unknown-unknown "$@"
  else
    cargo "$@" --target wasm32-unknown-unknown
  fi
}

# wasm-pack release build of the engine into $1 (www/pkg, www/pkg-run, www/pkg-ledger) with the cargo
# features $2 (the export groups, src/wasm_api/mod.rs); wasm-opt settings come from Cargo.toml metadata.
# Never with the embedded weights: the page's worker fetches them (feature `embedded-weights`, src/events.rs).
wasm_pack_build() {
  local out="$1" features="$2"
  if [ "$TINYMLPERF_ROUTE" = debian ]; then
    # --mode force: wasm-pack's sysroot check looks for a rustup-installed target and would stop here.
    PATH="$ROOT/node_modules/.bin:/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
      wasm-pack build "$ROOT" --target web --mode force --release --out-dir "$out" --no-typescript --no-pack -- --no-default-features --features "$features" "${DEBIAN_WASM_FLAGS[@]}"
  else
    wasm-pack build "$ROOT" --target web --release --out-dir "$out" --no-typescript --no-pack -- --no-default-features --features "$features"
  fi
}

# The wasm-bindgen version Cargo.lock pins (the CLI must match it exactly).
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

log() { printf '\033[1m[tinymlperf]\033[0m %s\n' "$*" >&2; }
