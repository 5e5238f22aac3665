// Baseline stays scalar: disassembles the release module (wasm-objdump) and checks that v128
// instructions appear inside the SIMD kernels and that the scalar reference kernels do no SIMD work.
// The one v128 form a scalar kernel may hold is a `v128.load` immediately stored by `v128.store`:
// wasm-opt (binaryen, with SIMD enabled) lowers a constant 16-byte `memory.copy` (e.g. moving an
// error value on a failure path) to that pair. It moves bytes; it computes nothing.
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

test('release module: v128 in the SIMD kernels, no SIMD arithmetic in the scalar reference', () => {
  const bodies = functionBodies();
  assert.ok(bodies.size > 50, `expected a named function table, got ${bodies.size} functions (names section stripped?)`);
  const simd = [...bodies].filter(([n]) => /kernels::.*::simd128::/.test(n));
  const scalar = [...bodies].filter(([n]) => /kernels::.*::scalar::/.test(n));
  assert.ok(simd.length > 0, 'SIMD kernel functions present in the module');
  assert.ok(scalar.length > 0, 'scalar kernel functions present in the module');
  const simdCount = simd.reduce((s, [, b]) => s + b.filter(isSimd).length, 0);
  assert.ok(simdCount > 10, `SIMD kernels hold v128 instructions (found ${simdCount})`);
  let copies = 0;
  for (const [n, b] of scalar) {
    const ops = b.filter(isSimd);
    const work = ops.filter((l) => !/\bv128\.(load|store) /.test(l));
    assert.equal(work.length, 0, `scalar kernel ${n} must not compute with SIMD, found: ${work.slice(0, 3).join(' | ')}`);
    b.forEach((l, i) => {
      if (/\bv128\.load /.test(l)) {
        assert.match(b[i + 1] ?? '', /\bv128\.store /, `scalar kernel ${n}: a v128.load that is not a 16-byte copy: ${l}`);
        copies += 1;
      }
    });
    assert.equal(ops.length, 2 * ops.filter((l) => /\bv128\.load /.test(l)).length, `scalar kernel ${n}: unpaired v128 ops`);
  }
  console.log(`# ${simd.length} SIMD kernel fns with ${simdCount} v128 ops; ${scalar.length} scalar kernel fns with no SIMD arithmetic (${copies} 16-byte copies)`);
});
