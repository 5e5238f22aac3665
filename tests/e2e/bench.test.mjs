// The kernel benchmark page end to end (quick mode, so no figure here is a target): the Rust report
// arrives, covers every kernel family and every event path, and its numbers are internally sane.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.stop(); });

test('bench page reports peak, kernels and every event path', { timeout: 240_000 }, async () => {
  const { page, problems } = await open(env.context, `${env.url}www/bench.html?quick=1`);
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
    assert.deepEqual(paths, ['baseline', 'int8', 'simd128_fp32', 'sparse', 'sparse_unstructured'], ev);
  }
  assert.deepEqual(problems, []);
  await page.close();
});
