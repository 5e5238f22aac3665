// The deployable site: `node scripts/dist.mjs` writes a self-contained dist/ that works from a static
// host without COOP/COEP headers (GitHub Pages): the service worker adds them and the page becomes
// cross-origin isolated; where service workers are unavailable the page says plainly what that means.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { start, open, shotPath } from './harness.mjs';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tinymlperf-dist-'));
before(() => { execFileSync(process.execPath, ['scripts/dist.mjs', '--out', out], { stdio: 'pipe' }); });
after(() => fs.rmSync(out, { recursive: true, force: true }));

test('dist/ is self-contained: page, service worker, engine and vendored modules', () => {
  for (const f of ['index.html', 'coi-sw.js', '.nojekyll', 'www/main.js', 'www/worker.js', 'www/vendor/idb-keyval.js', 'www/pkg/tinymlperf.js', 'www/pkg/tinymlperf_bg.wasm', 'www/tinymlperf-event.js']) {
    assert.ok(fs.existsSync(path.join(out, f)), `dist has ${f}`);
  }
  assert.ok(!fs.existsSync(path.join(out, 'node_modules')) && !fs.existsSync(path.join(out, 'src')));
});

test('dist/ holds the weights the engine fetches, and precompressed copies beside every text and binary', () => {
  for (const f of fs.readdirSync('weights').filter((f) => f.endsWith('.safetensors'))) {
    assert.ok(fs.readFileSync(path.join(out, 'weights', f)).equals(fs.readFileSync(path.join('weights', f))), `dist has weights/${f}`);
  }
  for (const f of ['index.html', 'www/main.js', 'www/pkg/tinymlperf_bg.wasm', 'weights/mlp_sprint.safetensors']) {
    const raw = fs.readFileSync(path.join(out, f));
    assert.ok(zlib.brotliDecompressSync(fs.readFileSync(path.join(out, `${f}.br`))).equals(raw), `${f}.br`);
    assert.ok(zlib.gunzipSync(fs.readFileSync(path.join(out, `${f}.gz`))).equals(raw), `${f}.gz`);
  }
  assert.ok(!fs.existsSync(path.join(out, 'docs/digits-montage.png.br')), 'PNGs are not recompressed');
});

test('on a host without COOP/COEP the service worker makes the page cross-origin isolated', { timeout: 90_000 }, async () => {
  const env = await start({ root: out, isolation: false });
  try {
    const { page, problems } = await open(env.context, env.url, { width: 1440, height: 900 });
    // First load registers the worker and reloads once; the second load is isolated.
    await page.waitForFunction(() => self.crossOriginIsolated && document.body.dataset.state === 'ready', null, { timeout: 60_000 });
    assert.equal(await page.locator('#isolation-warning').count(), 0);
    assert.equal(await page.textContent('#isolated'), 'yes');
    // Compressed responses pass through the service worker intact (the weights travel as brotli).
    const got = await page.evaluate(async () => (await (await fetch('weights/cnn_marathon.safetensors')).arrayBuffer()).byteLength);
    assert.equal(got, fs.statSync('weights/cnn_marathon.safetensors').size);
    assert.deepEqual(problems.filter((p) => !/ERR_ABORTED/.test(p)), []);
  } finally { await env.stop(); }
});

test('without isolation (no headers, no service worker) the page explains what it means for the results', { timeout: 90_000 }, async () => {
  const env = await start({ root: out, isolation: false }, { serviceWorkers: 'block' });
  try {
    const { page, problems } = await open(env.context, env.url, { width: 1440, height: 900 });
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    const warning = await page.textContent('#isolation-warning');
    assert.match(warning, /not cross-origin isolated/);
    assert.match(warning, /confidence intervals are wider/);
    await page.screenshot({ path: shotPath('not-isolated.png') });
    assert.deepEqual(problems, []);
  } finally { await env.stop(); }
});
