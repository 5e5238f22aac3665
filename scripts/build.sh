#!/usr/bin/env bash
# Release build of the page's module: cargo (wasm32) → wasm-bindgen → wasm-opt -O3 (SIMD enabled),
# all through wasm-pack, into www/pkg. Prints the module size raw and gzipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
log "building wasm (route: $TINYMLPERF_ROUTE)"
wasm_pack_build 2>&1 | grep -vE '^\s*(Compiling|Checking|Fresh) ' >&2
wasm=www/pkg/tinymlperf_bg.wasm
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
log "$(printf 'module %s: %d KiB raw, %d KiB gzipped' "$wasm" $((raw / 1024)) $((gz / 1024)))"
