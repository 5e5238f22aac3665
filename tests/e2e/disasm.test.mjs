// Baseline stays scalar: disassembles the release module (wasm-objdump) and checks that v128
// instructions appear inside the SIMD kernel and nowhere inside the scalar reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const WASM = 'www/pkg/tinymlperf_bg.wasm';

function functionBodies() {
  const out = execFileSync('wasm-objdump', ['-d', WASM], { maxBuffer: 1 << 30 }).toString();
  const bodies = new Map();
  let name = null;
  for (const line of out.split('\n')) {
    const m = line.match(/^[0-9a-f]+ func\[\d+\] <(.*)>:$/);
    if (m) { name = m[1]; bodies.set(name, []); } else if (name) bodies.get(name).push(line);
  }
  return bodies;
}

const isSimd = (line) => /\b(v128|[if]\d+x\d+)\./.test(line);

test('release module: v128 only in SIMD kernels, none in the scalar reference', () => {
  const bodies = functionBodies();
  assert.ok(bodies.size > 50, `expected a named function table, got ${bodies.size} functions (names section stripped?)`);
  const simd = [...bodies].filter(([n]) => /kernels::.*::simd128::/.test(n));
  const scalar = [...bodies].filter(([n]) => /kernels::.*::scalar::/.test(n));
  assert.ok(simd.length > 0, 'SIMD kernel functions present in the module');
  assert.ok(scalar.length > 0, 'scalar kernel functions present in the module');
  const simdCount = simd.reduce((s, [, b]) => s + b.filter(isSimd).length, 0);
  assert.ok(simdCount > 10, `SIMD kernels hold v128 instructions (found ${simdCount})`);
  for (const [n, b] of scalar) {
    const hits = b.filter(isSimd);
    assert.equal(hits.length, 0, `scalar kernel ${n} must not contain SIMD, found: ${hits.slice(0, 3).join(' | ')}`);
  }
  console.log(`# ${simd.length} SIMD kernel fns with ${simdCount} v128 ops; ${scalar.length} scalar kernel fns with none`);
});
