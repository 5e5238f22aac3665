#!/usr/bin/env bash
# Idempotent setup: installs exactly what is missing and is quiet when everything is present.
# Called by `npm start`, `npm test` and `.ci/run`. Set TINYMLPERF_SETUP_VERBOSE=1 to see every check.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
say() { [ "${TINYMLPERF_SETUP_VERBOSE:-0}" = 1 ] && log "$*" || true; }

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }

# Fast path: the last full check passed and nothing it looked at changed since (the route, the locked
# wasm-bindgen version, package-lock.json, node_modules, this script, the Debian rustc): only file tests
# and `wasm-bindgen --version` run (a few milliseconds; the full check spends about a second in
# `rustc --version` and Python's imports). The stamp is target/tinymlperf-setup.stamp.
stamp=target/tinymlperf-setup.stamp
setup_key() { echo "$TINYMLPERF_ROUTE $(locked_wasm_bindgen_version) $(stat -c %Y package-lock.json node_modules/.package-lock.json scripts/setup.sh /usr/bin/rustc 2>/dev/null | tr '\n' ' ')"; }
if [ "$(cat "$stamp" 2>/dev/null)" = "$(setup_key)" ] && have cargo && have wasm-pack && have wasm-objdump && have wasm-strip \
  && [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -d node_modules/playwright-core ] && [ -d node_modules/binaryen ] \
  && [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$(locked_wasm_bindgen_version)" ]; then
  say "setup complete (fast path; route: $TINYMLPERF_ROUTE)"
  exit 0
fi

# 1. Rust for the host (rustup). Nothing can be fetched for rustup offline, so only report.
if ! have cargo; then
  log "cargo not found. Install Rust from https://rustup.rs, then run this again."
  exit 1
fi

# 2. The wasm32 route.
if [ "$TINYMLPERF_ROUTE" = rustup ]; then
  say "wasm32: rustup target present"
else
  [ -x /usr/bin/rustc ] && /usr/bin/rustc --version 2>/dev/null | grep -qE '^rustc 1\.(9[6-9]|[1-9][0-9]{2})' || need_apt+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library ] || need_apt+=(rust-web-src)
  [ -d /usr/lib/rustlib/x86_64-unknown-linux-gnu ] || need_apt+=(libstd-rust-web-dev)
  have wasm-ld-22 || need_apt+=(lld-22)
fi
{ have wasm-objdump && have wasm-strip; } || need_apt+=(wabt)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  elif have sudo && sudo -n true 2>/dev/null; then
    log "installing Debian packages with sudo: ${need_apt[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    log "missing system packages. Run these as root, then run this again:"
    echo "  sudo apt-get update && sudo apt-get install -y ${need_apt[*]}" >&2
    if [ "$TINYMLPERF_ROUTE" = debian ]; then
      echo "  (or, with internet: rustup target add wasm32-unknown-unknown, and skip rustc-web)" >&2
    fi
    exit 1
  fi
fi

# 3. wasm-bindgen CLI at exactly the locked version, and wasm-pack.
want=$(locked_wasm_bindgen_version)
got=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$got" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (was: ${got:-none}); about 3 minutes"
  # No --locked: with it the install fails on webpki-roots (see README).
  cargo install -q wasm-bindgen-cli --version "$want" --force
fi
if ! have wasm-pack; then
  log "installing wasm-pack; about 4 minutes"
  cargo install -q wasm-pack
fi

# 4. npm packages: playwright-core (drives Debian's chromium; never downloads a browser) and binaryen
#    (wasm-opt; see env.sh for why not Debian's).
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
# 5. Python's safetensors and numpy, for the tests that write packages the way contestants' Python
#    scripts do (tools/export_pytorch.py, tests/fixtures/make_python_package.py). Optional for users.
if command -v python3 >/dev/null && ! python3 -c 'import safetensors, numpy' 2>/dev/null; then
  log "pip install safetensors numpy (for the Python package tests)"
  # Judge the install by pip's own status (PIPESTATUS), not grep's: grep -v fails when every line
  # pip printed was a warning, which said "could not install" after a successful install.
  python3 -m pip install --quiet --disable-pip-version-check safetensors numpy 2>&1 | { grep -v WARNING >&2 || true; }
  if [ "${PIPESTATUS[0]}" != 0 ] || ! python3 -c 'import safetensors, numpy' 2>/dev/null; then
    log "could not install safetensors/numpy: the Python package tests will be skipped"
  fi
fi
mkdir -p target && setup_key > "$stamp"
say "setup complete (route: $TINYMLPERF_ROUTE)"
