// Baseline stays scalar: disassembles the release module (wasm-objdump) and checks that v128
// instructions appear inside the SIMD kernels and that the scalar reference kernels do no SIMD work.
// The site's module (www/pkg) has no names section; scripts/build.sh keeps the same module with names
// as target/tinymlperf_bg.names.wasm, and the first test checks both hold byte-identical code.
// The one v128 form a scalar kernel may hold is a `v128.load` immediately stored by `v128.store`:
// wasm-opt (binaryen, with SIMD enabled) lowers a constant 16-byte `memory.copy` (e.g. moving an
// error value on a failure path) to that pair. It moves bytes; it computes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const SITE = 'www/pkg/tinymlperf_bg.wasm';
const WASM = 'target/tinymlperf_bg.names.wasm';

// name → [start, end) of each section, from wasm-objdump -h (custom sections by their own name).
function sections(file) {
  const out = execFileSync('wasm-objdump', ['-h', file]).toString();
  return new Map([...out.matchAll(/^\s*(\w+) start=0x([0-9a-f]+) end=0x([0-9a-f]+).*?(?:"([^"]+)")?$/gm)]
    .map((m) => [m[1] === 'Custom' ? `custom:${m[4]}` : m[1], [parseInt(m[2], 16), parseInt(m[3], 16)]]));
}

test('the site\'s module has no names section and the same code as the named copy', () => {
  assert.ok(fs.existsSync(WASM), `${WASM} is missing: scripts/build.sh writes it`);
  const [site, named] = [sections(SITE), sections(WASM)];
  assert.ok(named.has('custom:name'), 'the named copy has a names section');
  assert.deepEqual([...site.keys()].filter((k) => k.startsWith('custom:')), [], 'no custom sections in the site\'s module');
  const code = (file, s) => fs.readFileSync(file).subarray(...s.get('Code'));
  assert.ok(code(SITE, site).equals(code(WASM, named)), 'identical code sections');
  console.log(`# site module ${fs.statSync(SITE).size} B, named copy ${fs.statSync(WASM).size} B`);
});

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

// Relaxed SIMD lives only in its own module (relaxed/, loaded by www/relaxed.js where it validates): the
// engine's module must compile in browsers without relaxed SIMD, so it holds no relaxed instruction.
test('relaxed SIMD: f32x4.relaxed_madd in the relaxed module only, which owns no memory', () => {
  const RELAXED = 'www/pkg-relaxed/tinymlperf_relaxed.wasm';
  assert.ok(fs.existsSync(RELAXED), `${RELAXED} is missing: scripts/build.sh writes it`);
  const isRelaxed = (line) => /\b[if]\d+x\d+\.(relaxed_|dot_i8x16_i7x16)/.test(line);
  const main = [...functionBodies()].flatMap(([n, b]) => b.filter(isRelaxed).map((l) => `${n}: ${l.trim()}`));
  assert.deepEqual(main, [], 'the engine module holds no relaxed-SIMD instruction');
  const dis = execFileSync('wasm-objdump', ['-d', RELAXED]).toString();
  const madds = dis.split('\n').filter((l) => /\bf32x4\.relaxed_madd\b/.test(l)).length;
  assert.ok(madds >= 16, `the relaxed GEMM's 4×8 tile is 8 relaxed_madd per k step (found ${madds} in all)`);
  assert.doesNotMatch(dis, /\bf32x4\.mul\b/, 'every multiply is a relaxed multiply-add');
  // wabt names i32x4.relaxed_dot_i8x16_i7x16_add_s without "relaxed_".
  const dots = dis.split('\n').filter((l) => /\bi32x4\.(relaxed_)?dot_i8x16_i7x16_add_s\b/.test(l)).length;
  assert.ok(dots >= 8, `the INT8 tile is 2 relaxed dots per row per 4 inputs (found ${dots})`);
  const details = execFileSync('wasm-objdump', ['-x', RELAXED]).toString();
  assert.match(details, /memory\[0\] pages: initial=0 <- env\.memory/, 'imports the engine\'s memory, asks for no pages');
  assert.ok(!sections(RELAXED).has('Data') && !sections(RELAXED).has('Memory'), 'no data, no memory of its own');
  assert.doesNotMatch(dis, /global\.set/, 'no shadow stack (it would write into the engine\'s memory)');
  console.log(`# relaxed module: ${fs.statSync(RELAXED).size} B, ${madds} f32x4.relaxed_madd, ${dots} i32x4.relaxed_dot_i8x16_i7x16_add_s`);
});
