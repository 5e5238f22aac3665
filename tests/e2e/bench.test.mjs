// The kernel benchmark page end to end (quick mode, so no figure here is a target): the Rust report
// arrives, covers every kernel family and every event path, and its numbers are internally sane.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, shotPath } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.stop(); });

test('bench page: the GEMM check and the kernel report (peak, kernels, every event path)', { timeout: 240_000 }, async () => {
  const { page, problems } = await open(env.context, `${env.url}www/bench.html?quick=1`);
  // The GEMM slice (formerly on the front page): scalar vs SIMD128, interleaved, in a worker.
  await page.waitForSelector('body[data-gemm="done"], body[data-gemm="error"]', { timeout: 100_000 });
  assert.equal(await page.getAttribute('body', 'data-gemm'), 'done', await page.textContent('#gemm-status'));
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'page must be cross-origin isolated');
  const rows = await page.$$eval('#gemm-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 4, 'one row per GEMM shape');
  for (const [shape, scalarMs, simdMs, scalarGf, simdGf, speedup, diff] of rows) {
    const n = (s) => Number.parseFloat(s);
    assert.match(shape, /^\d+×\d+×\d+$/);
    assert.ok(n(scalarMs) > 0 && n(simdMs) > 0, `times must be positive: ${scalarMs}, ${simdMs}`);
    for (const g of [scalarGf, simdGf]) assert.ok(n(g) > 0.05 && n(g) < 200, `GFLOP/s out of range: ${g}`);
    assert.ok(n(speedup) > 0.2 && n(speedup) < 64, `speedup out of range: ${speedup}`);
    assert.ok(Number(diff) < 1e-3, `SIMD result must match the reference, max |Δ| = ${diff}`);
  }
  assert.ok(Number.parseFloat(rows[0][5]) > 1.2, `SIMD should beat scalar on 64×784×128, got ${rows[0][5]}`);
  assert.match(await page.textContent('#clock'), /in a worker, resolution [\d.]+ µs/);
  await page.waitForFunction(() => window.__bench, null, { timeout: 220_000, polling: 250 });
  const r = await page.evaluate(() => window.__bench);
  assert.equal(r.error, undefined, r.error);
  assert.ok(r.peak.f32x4_gflops > r.peak.scalar_gflops && r.peak.scalar_gflops > 0, JSON.stringify(r.peak));
  const variants = r.kernels.map((k) => k.variant);
  // Every kernel family, by its `dtype_op__isa` prefix.
  for (const v of ['f32_gemm__scalar', 'f32_gemm__simd128_4x8', 'f32_gemm__simd128_4x8_packed', 'i8_gemm__simd128',
    'f32_spgemm__simd128', 'f32_conv3x3__scalar', 'f32_conv3x3__simd128', 'f32_attention__scalar', 'f32_attention__simd128',
    'f32_layernorm__simd128', 'f32_gelu__simd128']) {
    assert.ok(variants.some((x) => x.startsWith(v)), `kernel table lacks ${v}: ${[...new Set(variants)]}`);
  }
  for (const k of r.kernels) {
    assert.ok(k.median_ms > 0 && Number.isFinite(k.gflops) && k.speedup_vs_scalar > 0, JSON.stringify(k));
    assert.ok(Math.abs(k.gflops - k.flops / (k.median_ms * 1e6)) < 1e-6 * k.gflops + 1e-9, 'GFLOP/s = FLOPs / time');
  }
  for (const ev of ['mlp_sprint', 'cnn_marathon', 'transformer_decathlon']) {
    const paths = r.models.filter((m) => m.event === ev).map((m) => m.path).sort();
    // Chromium has relaxed SIMD: the worker installed the relaxed module, so the fp32 model also runs on it.
    assert.ok(r.peak.relaxed_madd_gflops > 0, 'relaxed multiply-add peak measured');
    assert.deepEqual(paths, ['baseline', 'int8', 'relaxed_fp32', 'simd128_fp32', 'simd128_fp32_js_io', 'sparse', 'sparse_unstructured'], ev);
  }
  // The JS copy-in/out row is the same SIMD128 model with one call's typed-array copies around it.
  for (const m of r.models.filter((x) => x.path === 'simd128_fp32_js_io')) {
    assert.ok(m.median_ms > 0 && Number.isFinite(m.gflops) && m.speedup_vs_baseline > 0, JSON.stringify(m));
  }
  await page.screenshot({ path: shotPath('bench.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
