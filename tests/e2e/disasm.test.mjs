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
// The page's first-run module (www/pkg-run: the same crate with only the `api-run` exports).
const RUN_SITE = 'www/pkg-run/tinymlperf_bg.wasm';
const RUN = 'target/tinymlperf_run_bg.names.wasm';

// name → [start, end) of each section, from wasm-objdump -h (custom sections by their own name).
function sections(file) {
  const out = execFileSync('wasm-objdump', ['-h', file]).toString();
  return new Map([...out.matchAll(/^\s*(\w+) start=0x([0-9a-f]+) end=0x([0-9a-f]+).*?(?:"([^"]+)")?$/gm)]
    .map((m) => [m[1] === 'Custom' ? `custom:${m[4]}` : m[1], [parseInt(m[2], 16), parseInt(m[3], 16)]]));
}

for (const [siteFile, namedFile] of [[SITE, WASM], [RUN_SITE, RUN]]) {
  test(`${siteFile} has no names section and the same code as its named copy`, () => {
    assert.ok(fs.existsSync(namedFile), `${namedFile} is missing: scripts/build.sh writes it`);
    const [site, named] = [sections(siteFile), sections(namedFile)];
    assert.ok(named.has('custom:name'), 'the named copy has a names section');
    assert.deepEqual([...site.keys()].filter((k) => k.startsWith('custom:')), [], 'no custom sections in the site\'s module');
    const code = (file, s) => fs.readFileSync(file).subarray(...s.get('Code'));
    assert.ok(code(siteFile, site).equals(code(namedFile, named)), 'identical code sections');
    console.log(`# ${siteFile} ${fs.statSync(siteFile).size} B, named copy ${fs.statSync(namedFile).size} B`);
  });
}

function functionBodies(file = WASM) {
  const out = execFileSync('wasm-objdump', ['-d', file], { maxBuffer: 1 << 30 }).toString();
  const bodies = new Map();
  let name = null;
  for (const line of out.split('\n')) {
    const m = line.match(/^[0-9a-f]+ func\[\d+\] <(.*)>:$/);
    if (m) { name = m[1]; bodies.set(name, []); } else if (name) bodies.get(name).push(line);
  }
  return bodies;
}

// A score is the baseline's time over the entry's, both measured in one module. Recipes and packages
// are scored in the run module, custom kernels in the full one: their scores compare only if both
// modules run the same kernel code. Each kernel function (scalar baseline and SIMD paths) must hold
// the same instructions in both, up to what linking moves: function indices (calls by name here),
// addresses of constant data (error messages; at or above the data base, 1 MiB) and the numbering of
// locals. A kernel that one module inlined and the other did not shows up as missing or different.
test('the run module\'s kernels are the full module\'s, instruction for instruction', () => {
  const crate = (n) => n.replace(/\[[0-9a-f]{8,16}\]/g, '');
  const normal = (body) => body.map((l) => (l.split('|')[1] ?? '').trim())
    .filter((l) => l && !/^local\[/.test(l))
    .map((l) => l.replace(/\bcall \d+ <(.*)>/, (_, n) => `call ${crate(n)}`)
      .replace(/\b(global\.[gs]et|call_indirect) \d+/, '$1 N')
      .replace(/\b(i32|i64)\.const (\d+)/, (m, t, v) => (Number(v) >= 1 << 20 ? `${t}.const DATA` : m)));
  const kernels = (file) => new Map([...functionBodies(file)].map(([n, b]) => [crate(n), b])
    .filter(([n]) => /^tinymlperf::kernels::.*::(scalar|simd128)::/.test(n)));
  const [run, full] = [kernels(RUN), kernels(WASM)];
  assert.ok(run.size >= 20, `expected the run module's kernel functions, got ${run.size}`);
  const differ = [];
  for (const [n, body] of run) {
    if (!full.has(n)) differ.push(`${n}: not in the full module`);
    else if (JSON.stringify(normal(body)) !== JSON.stringify(normal(full.get(n)))) differ.push(`${n}: different instructions`);
  }
  for (const n of full.keys()) if (!run.has(n) && /::scalar::/.test(n)) differ.push(`${n}: scalar kernel missing from the run module`);
  assert.deepEqual(differ, []);
  console.log(`# ${run.size} kernel functions (scalar and SIMD128) identical in the run and full modules`);
});

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
