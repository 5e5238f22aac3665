// The page end to end: served with COOP/COEP, the worker loads the wasm module, the GEMM slice is
// timed in wasm and shown; figures are sane, the page is cross-origin isolated, the console is clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, shotPath } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.stop(); });

for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
  test(`page shows scalar and SIMD timings computed in wasm (${label})`, { timeout: 120_000 }, async () => {
    const { page, problems } = await open(env.context, env.url, viewport);
    await page.waitForSelector('body[data-state="done"]', { timeout: 100_000 });
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'page must be cross-origin isolated');

    const rows = await page.$$eval('#gemm-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(rows.length, 4, 'one row per GEMM shape');
    for (const [shape, scalarMs, simdMs, scalarGf, simdGf, speedup, diff] of rows) {
      const n = (s) => Number.parseFloat(s);
      assert.match(shape, /^\d+×\d+×\d+$/);
      assert.ok(n(scalarMs) > 0 && n(simdMs) > 0, `times must be positive: ${scalarMs}, ${simdMs}`);
      // Sane GFLOP/s for one wasm core: above 0.05, below 200.
      for (const g of [scalarGf, simdGf]) assert.ok(n(g) > 0.05 && n(g) < 200, `GFLOP/s out of range: ${g}`);
      assert.ok(n(speedup) > 0.2 && n(speedup) < 64, `speedup out of range: ${speedup}`);
      assert.ok(Number(diff) < 1e-3, `SIMD result must match the reference, max |Δ| = ${diff}`);
    }
    // On the MLP's big shape SIMD must actually be faster (a loose ratio, not a timing target).
    assert.ok(Number.parseFloat(rows[0][5]) > 1.2, `SIMD should beat scalar on 64×784×128, got ${rows[0][5]}`);
    const clock = await page.textContent('#clock');
    assert.match(clock, /in a worker, resolution [\d.]+ µs/);
    const res = Number.parseFloat(clock.match(/resolution ([\d.]+)/)[1]);
    assert.ok(res <= 20, `isolated page should have a fine clock, got ${res} µs`);

    await page.screenshot({ path: shotPath(`page-${label}.png`), fullPage: true });
    assert.deepEqual(problems, [], 'no console errors or failed requests');
    await page.close();
  });
}
