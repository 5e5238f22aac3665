#!/usr/bin/env bash
# Builds the contestants' kernel template and the test fixtures into target/contest/:
#   kernel-template.wasm                 contest/kernel-template (scalar MLP Sprint kernel)
#   kernel-template-simd.wasm            the same with --features simd (dense layers on SIMD128)
#   cnn-template.wasm                    contest/cnn-template (scalar CNN Marathon kernel)
#   cnn-template-simd.wasm               the same with --features simd (3×3 convolutions on SIMD128)
#   transformer-template.wasm            contest/transformer-template (scalar Transformer Decathlon kernel)
#   transformer-template-simd.wasm       the same with --features simd (matrix products on SIMD128)
#   dead-simd.wasm                       tests/kernels/dead-simd (scalar, plus exported SIMD never called)
#   cheat-lookup.wasm, cheat-cache.wasm  tests/kernels/cheaters (answers the public split / stale cache)
#   cheat-lazy-after.wasm, cheat-exact-pixels.wasm, cheat-zero-corners.wasm
#                                        tests/kernels/cheaters (tell checking from timing, then skip work)
#   cheat-memo.wasm                      tests/kernels/cheaters (answers re-drawn images from memory)
#   hostile-{imports,loop,oob,wrong}.wasm tests/kernels/hostile/*.wat via wat2wasm
# Same toolchain route as the page (scripts/env.sh); one shared target dir so std is built once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
out=target/contest
mkdir -p "$out"
export CARGO_TARGET_DIR="$ROOT/target/contest-build"
build() { # manifest, output name, features
  log "building $2"
  wasm_cargo build --release --manifest-path "$1" ${3:+--features "$3"} 2>&1 | grep -vE '^\s*(Compiling|Checking|Fresh) ' >&2
  local lib; lib=$(sed -n 's/^name = "\(.*\)"/\1/p' "$1" | head -1 | tr - _)
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$lib.wasm" "$out/$2.wasm"
}
build contest/kernel-template/Cargo.toml kernel-template
build contest/kernel-template/Cargo.toml kernel-template-simd simd
build contest/cnn-template/Cargo.toml cnn-template
build contest/cnn-template/Cargo.toml cnn-template-simd simd
build contest/transformer-template/Cargo.toml transformer-template
build contest/transformer-template/Cargo.toml transformer-template-simd simd
build tests/kernels/dead-simd/Cargo.toml dead-simd
# The lookup cheater ships the public split's answers: written here by the engine's generator, natively
# and in the test profile the native layer builds anyway (the fixture would otherwise compile the whole
# engine as a build dependency: about 3 minutes on a fresh machine).
log "writing the public split's answers for the lookup cheater"
CARGO_TARGET_DIR="$ROOT/target" cargo run --quiet --profile ci --example public_answers -- "$ROOT/$out/public-answers.bin"
export TINYMLPERF_PUBLIC_ANSWERS="$ROOT/$out/public-answers.bin"
build tests/kernels/cheaters/Cargo.toml cheat-lookup lookup
build tests/kernels/cheaters/Cargo.toml cheat-cache cache
build tests/kernels/cheaters/Cargo.toml cheat-lazy-after lazy_after
build tests/kernels/cheaters/Cargo.toml cheat-exact-pixels exact_pixels
build tests/kernels/cheaters/Cargo.toml cheat-zero-corners zero_corners
build tests/kernels/cheaters/Cargo.toml cheat-memo memo
for f in tests/kernels/hostile/*.wat; do wat2wasm "$f" -o "$out/hostile-$(basename "$f" .wat).wasm"; done
cp tests/kernels/hostile/not-wasm.wasm.txt "$out/hostile-not-wasm.wasm"
log "contest modules: $(cd "$out" && ls -1 | tr '\n' ' ')"
