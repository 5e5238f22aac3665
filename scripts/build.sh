#!/usr/bin/env bash
# Release build of the page's module: cargo (wasm32, without the embedded weights) → wasm-bindgen →
# wasm-opt -O3 (SIMD enabled), all through wasm-pack, into www/pkg. wasm-opt keeps function names (-g);
# that module is kept as target/tinymlperf_bg.names.wasm (the disassembly test and profiles read it) and
# www/pkg's copy is stripped of its custom sections (names, producers): same code, 0.6 MB less to send.
# Writes www/pkg/tinymlperf_bg.wasm.{br,gz} (scripts/serve.mjs sends them) and prints the sizes.
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
wasm=www/pkg/tinymlperf_bg.wasm
named=target/tinymlperf_bg.names.wasm
stamp=target/tinymlperf-build.stamp
relaxed=www/pkg-relaxed/tinymlperf_relaxed.wasm
kernelcheck=www/pkg-kernelcheck/tinymlperf_kernelcheck_web.wasm

inputs() {
  echo "route=$TINYMLPERF_ROUTE"
  grep -m1 '"version"' node_modules/binaryen/package.json 2>/dev/null || true
  find src relaxed/src relaxed/Cargo.toml relaxed/build.rs kernelcheck/src kernelcheck/Cargo.toml kernelcheck/web/src kernelcheck/web/Cargo.toml kernelcheck/web/Cargo.lock weights build.rs Cargo.toml Cargo.lock .cargo scripts/build.sh scripts/env.sh -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum
}
key=$(inputs | sha256sum | cut -d' ' -f1)
if [ "${TINYMLPERF_FORCE_BUILD:-0}" != 1 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ] \
  && [ -s "$wasm" ] && [ -s www/pkg/tinymlperf.js ] && [ -s "$wasm.br" ] && [ -s "$named" ] && [ -s "$relaxed" ] && [ -s "$kernelcheck" ]; then
  log "engine up to date: nothing it is built from changed since the last build (TINYMLPERF_FORCE_BUILD=1 rebuilds)"
  exit 0
fi
rm -f "$stamp"

log "building wasm (route: $TINYMLPERF_ROUTE)"
wasm_pack_build 2>&1 | grep -vE '^\s*(Compiling|Checking|Fresh) ' >&2
mkdir -p target
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
