#!/usr/bin/env bash
# Release builds of the engine: cargo (wasm32, without the embedded weights) → wasm-bindgen → wasm-opt -O3
# (SIMD enabled), all through wasm-pack, three times from the same code with different export groups
# (cargo features, src/wasm_api/mod.rs), so a first visit downloads only what its first run needs:
#   www/pkg-run     api-run      run an event or a package: what the page loads first
#   www/pkg-ledger  api-ledger   entries only (boards, merges, exports, share links): loaded when needed
#   www/pkg         all three    custom-kernel entries, the bench pages and the scripts
# wasm-opt keeps function names (-g); those modules are kept as target/<name>.names.wasm (the disassembly
# test and profiles read them: the run module's kernels must be the full module's, instruction for
# instruction) and the served copies are stripped of custom sections (names, producers).
# Writes <module>.wasm.{br,gz} beside each (scripts/serve.mjs sends them) and prints the sizes.
#
# Skipped when nothing it is built from changed since the last build (a hash of src/, weights/, build.rs,
# Cargo.toml, Cargo.lock, .cargo/, these scripts, the toolchain route and binaryen's version, kept in
# target/tinymlperf-build.stamp), so `npm start` restarts in about a second. TINYMLPERF_FORCE_BUILD=1
# rebuilds anyway.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
mkdir -p target
# One build at a time (two `npm start`s, or tests started while a build runs): the second waits here,
# then finds the first one's result up to date.
exec 9>target/build.lock
flock 9
stamp=target/tinymlperf-build.stamp
relaxed=www/pkg-relaxed/tinymlperf_relaxed.wasm
kernelcheck=www/pkg-kernelcheck/tinymlperf_kernelcheck_web.wasm
# out dir, features, names copy
modules=(
  "www/pkg-run api-run target/tinymlperf_run_bg.names.wasm"
  "www/pkg-ledger api-ledger target/tinymlperf_ledger_bg.names.wasm"
  "www/pkg api-run,api-ledger,api-lab target/tinymlperf_bg.names.wasm"
)

inputs() {
  echo "route=$TINYMLPERF_ROUTE"
  grep -m1 '"version"' node_modules/binaryen/package.json 2>/dev/null || true
  find src relaxed/src relaxed/Cargo.toml relaxed/build.rs kernelcheck/src kernelcheck/Cargo.toml kernelcheck/web/src kernelcheck/web/Cargo.toml kernelcheck/web/Cargo.lock weights build.rs Cargo.toml Cargo.lock .cargo scripts/build.sh scripts/env.sh -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum
}
built_all() {
  local m out features named
  for m in "${modules[@]}"; do
    read -r out features named <<<"$m"
    [ -s "$out/tinymlperf_bg.wasm" ] && [ -s "$out/tinymlperf.js" ] && [ -s "$out/tinymlperf_bg.wasm.br" ] && [ -s "$named" ] || return 1
  done
}
key=$(inputs | sha256sum | cut -d' ' -f1)
if [ "${TINYMLPERF_FORCE_BUILD:-0}" != 1 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ] \
  && [ -s "$relaxed" ] && [ -s "$kernelcheck" ] && built_all; then
  log "engine up to date: nothing it is built from changed since the last build (TINYMLPERF_FORCE_BUILD=1 rebuilds)"
  exit 0
fi
rm -f "$stamp"

mkdir -p target
for m in "${modules[@]}"; do
  read -r out features named <<<"$m"
  log "building $out ($features; route: $TINYMLPERF_ROUTE)"
  wasm_pack_build "$out" "$features" 2>&1 | grep -vE '^\s*(Compiling|Checking|Fresh) ' >&2
  wasm="$out/tinymlperf_bg.wasm"
  cp "$wasm" "$named"
  wasm-strip "$wasm"
  rm -f "$wasm.br" "$wasm.gz"
  node --input-type=module -e "
    import fs from 'node:fs';
    import { compress } from './scripts/serve.mjs';
    const f = '$wasm', b = fs.readFileSync(f);
    const [br, gz] = await Promise.all([compress(b, 'br'), compress(b, 'gzip')]);
    fs.writeFileSync(f + '.br', br);
    fs.writeFileSync(f + '.gz', gz);
    const kib = (n) => Math.round(n / 1024);
    console.error('\x1b[1m[tinymlperf]\x1b[0m module ' + f + ': ' + kib(b.length) + ' KiB raw, ' + kib(gz.length) + ' KiB gzip -9, ' + kib(br.length) + ' KiB brotli 11 (with names: ' + kib(fs.statSync('$named').size) + ' KiB, ' + '$named' + ')');
  "
done
# The relaxed-SIMD kernels: a separate module the page loads only where relaxed SIMD validates
# (relaxed/, www/relaxed.js). Built in the contest modules' target dir (same release settings, so std is
# built once for both). It must own no memory: it imports the engine's and has no data or stack.
log "building the relaxed-SIMD module"
CARGO_TARGET_DIR="$ROOT/target/contest-build" wasm_cargo build --release --manifest-path relaxed/Cargo.toml 2>&1 | grep -vE '^\s*(Compiling|Checking|Fresh) ' >&2
# In its own directory: wasm-pack runs wasm-opt (without relaxed SIMD enabled) on every .wasm in www/pkg.
mkdir -p www/pkg-relaxed
cp target/contest-build/wasm32-unknown-unknown/release/tinymlperf_relaxed.wasm "$relaxed"
wasm-strip "$relaxed"
if wasm-objdump -h "$relaxed" | grep -qE '^ +(Data|Memory) '; then
  log "$relaxed defines memory or data: it must only import the engine's memory"; exit 1
fi
# The kernel reader (kernelcheck/web): contestants' modules are validated and instrumented in this
# second module, which the worker loads only for a custom-kernel entry (www/kernelcheck.js), so the
# engine module carries no WebAssembly parser. Same target dir and release settings as above (std once).
log "building the kernel reader module"
CARGO_TARGET_DIR="$ROOT/target/contest-build" wasm_cargo build --release --manifest-path kernelcheck/web/Cargo.toml 2>&1 | grep -vE '^\s*(Compiling|Checking|Fresh) ' >&2
mkdir -p www/pkg-kernelcheck
cp target/contest-build/wasm32-unknown-unknown/release/tinymlperf_kernelcheck_web.wasm "$kernelcheck"
wasm-strip "$kernelcheck"
if wasm-objdump -x -j Import "$kernelcheck" 2>/dev/null | grep -q ' <- '; then
  log "$kernelcheck imports something: the kernel reader must be self-contained"; exit 1
fi
echo "$key" > "$stamp"
