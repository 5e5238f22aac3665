#!/usr/bin/env bash
# Runs every test layer and prints each layer's count. Fails if any layer fails or runs zero tests.
#   1. native   : cargo test (workspace, profile ci)
#   2. wasm-node: wasm-bindgen-test in Node — kernels, data, models, formats (SIMD128 runs only in wasm)
#   3. wasm-chromium: wasm-bindgen-test in headless Chromium via chromedriver — web-sys (Window, Worker)
#   4. e2e      : node:test + playwright-core against the served page, plus the module disassembly check
# Before the wasm and e2e layers it builds the contest modules (scripts/build-contest.sh).
# Usage: scripts/test.sh [layer ...]   (default: all layers)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
layers=("$@"); [ ${#layers[@]} -eq 0 ] && layers=(native wasm-node wasm-chromium e2e)
mkdir -p target/test-logs
declare -A counts status

# Sums "N passed" over cargo/wasm-bindgen-test "test result:" lines; sets status on failures.
cargo_count() { grep -E '^test result: ' "$1" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}'; }
cargo_failed() { grep -qE '^test result: FAILED|^error(\[|:)|failed, to rerun' "$1"; }

# Test binaries that need a browser declare it with wasm_bindgen_test_configure!.
browser_tests=(); node_tests=(--lib)
for f in tests/*.rs; do
  name=$(basename "$f" .rs)
  if grep -qE 'wasm_bindgen_test_configure!\((run_in_browser|run_in_dedicated_worker)' "$f"; then browser_tests+=(--test "$name")
  else node_tests+=(--test "$name"); fi
done

run_layer() {
  local layer=$1 log="target/test-logs/$1.log" rc
  log "layer $layer"
  case $layer in
    native) cargo test --profile ci --workspace 2>&1 | tee "$log"; rc=${PIPESTATUS[0]} ;;
    wasm-node) wasm_cargo test --profile ci "${node_tests[@]}" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]} ;;
    wasm-chromium)
      [ -f www/pkg-relaxed/tinymlperf_relaxed.wasm ] || { log 'www/pkg-relaxed/tinymlperf_relaxed.wasm is missing: run scripts/build.sh first (npm test does)'; status[$layer]=FAILED; return; }
      CHROMEDRIVER=/usr/bin/chromedriver wasm_cargo test --profile ci "${browser_tests[@]}" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]} ;;
    e2e)
      [ -f www/pkg/tinymlperf_bg.wasm ] && [ -f www/pkg-run/tinymlperf_bg.wasm ] && [ -f www/pkg-ledger/tinymlperf_bg.wasm ] || { log 'www/pkg, www/pkg-run or www/pkg-ledger is missing: run scripts/build.sh first (npm test does)'; status[$layer]=FAILED; return; }
      node --test --test-reporter=tap tests/e2e/ 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
      counts[$layer]=$(grep -E '^# pass ' "$log" | awk '{print $3}')
      status[$layer]=$([ "$rc" = 0 ] && echo ok || echo FAILED)
      return ;;
    *) log "unknown layer '$layer' (native, wasm-node, wasm-chromium, e2e)"; exit 2 ;;
  esac
  counts[$layer]=$(cargo_count "$log")
  if [ "$rc" = 0 ] && ! cargo_failed "$log"; then status[$layer]=ok; else status[$layer]=FAILED; fi
}

# The contest modules (kernel template, cheaters, hostile fixtures) are inputs of the wasm and e2e layers.
if [[ " ${layers[*]} " =~ " wasm-node " || " ${layers[*]} " =~ " e2e " ]]; then
  bash scripts/build-contest.sh 2>&1 | tee target/test-logs/contest.log | grep -E 'tinymlperf|error' || true
  [ "${PIPESTATUS[0]}" = 0 ] || { log 'building the contest modules failed (target/test-logs/contest.log)'; exit 1; }
fi

for l in "${layers[@]}"; do run_layer "$l"; done

fail=0
echo
echo "================ test summary ================"
for l in "${layers[@]}"; do
  c=${counts[$l]:-0}; s=${status[$l]:-FAILED}
  [ "$c" -gt 0 ] 2>/dev/null || { s="FAILED (zero tests ran)"; }
  [ "$s" = ok ] || fail=1
  printf '  %-14s %5s tests  %s\n' "$l" "$c" "$s"
done
echo "=============================================="
exit $fail
