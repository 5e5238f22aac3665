// Bytes on the wire for a first visit: a fresh browser profile (empty HTTP cache) loads the page from the
// server `npm start` runs (scripts/serve.mjs: brotli/gzip, ETag) and runs MLP Sprint once
// (?events=mlp_sprint&budget=1&run=1). Every response the page and its workers receive is counted as
// Chromium transferred it (Playwright's request.sizes(): encoded body + headers), until the first result
// card is shown. Issue 15's target is 500 KB; the MLP's reference weights (stored F16) are 220 KB (193 KB
// brotli), and the engine's run module (239 KB brotli) most of the rest (README, "First load and restart").
// The engine's other modules — the ledger (boards, share links) and the full module (custom kernels,
// benchmarks) — and the kernel reader (custom kernels only) must not be downloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, open } from './harness.mjs';

// Issue 15's target (measured: see README).
const MAX_WIRE_BYTES = 500_000;

test('first visit and one MLP Sprint run: compressed transfer, one weights file, bytes on the wire', { timeout: 180_000 }, async () => {
  const env = await start();
  try {
    const rows = [];
    const pending = [];
    env.context.on('requestfinished', (req) => pending.push((async () => {
      const [res, sizes] = await Promise.all([req.response(), req.sizes()]);
      const headers = res ? await res.allHeaders() : {};
      rows.push({ url: new URL(req.url()).pathname, status: res?.status(), encoding: headers['content-encoding'] ?? '', body: sizes.responseBodySize, headers: sizes.responseHeadersSize });
    })()));
    const { page, problems } = await open(env.context, `${env.url}?events=mlp_sprint&budget=1&run=1`, { width: 1280, height: 900 });
    await page.waitForSelector('#cards .card.result[data-event="mlp_sprint"]', { timeout: 150_000 });
    const shownMs = await page.evaluate(() => performance.now());
    await page.waitForSelector('body[data-run="done"]', { timeout: 30_000 });
    await Promise.all(pending);

    const total = rows.reduce((s, r) => s + r.body + r.headers, 0);
    const by = (re) => rows.filter((r) => re.test(r.url));
    const kb = (n) => `${(n / 1000).toFixed(0)} KB`;
    for (const r of [...rows].sort((a, b) => b.body - a.body).slice(0, 8)) console.log(`# ${kb(r.body + r.headers).padStart(7)}  ${r.encoding.padEnd(4)} ${r.url}`);
    console.log(`# first visit + one MLP Sprint run: ${rows.length} responses, ${kb(total)} on the wire (issue target ${kb(MAX_WIRE_BYTES)}); first result card at ${(shownMs / 1000).toFixed(1)} s`);

    assert.deepEqual(problems, []);
    const engine = by(/\/www\/pkg-run\/tinymlperf_bg\.wasm$/);
    assert.equal(engine.length, 1, 'the engine\'s run module is downloaded once (workers receive the compiled module)');
    assert.equal(engine[0].encoding, 'br', 'the engine travels brotli-compressed');
    assert.deepEqual(by(/\/www\/pkg(-ledger)?\//).map((r) => r.url), [], 'neither the ledger nor the full module is downloaded for a first run');
    const plain = by(/\.js$/).filter((r) => r.encoding !== 'br' && r.body > 0); // body 0: the second worker's copy, from the cache
    assert.deepEqual(plain, [], 'scripts travel compressed');
    assert.deepEqual(by(/pkg-kernelcheck/), [], 'the kernel reader (custom kernels only) is not downloaded on a first visit');
    assert.deepEqual(by(/\/www\/(course|package-url)\.js$/), [], 'course boards and package links load only when the URL asks for them');
    const weights = by(/\/weights\//);
    assert.deepEqual([...new Set(weights.map((r) => r.url))], ['/weights/mlp_sprint.safetensors'], 'only the MLP weights are fetched');
    assert.ok(total <= MAX_WIRE_BYTES, `${total} bytes on the wire, over ${MAX_WIRE_BYTES}`);
  } finally {
    await env.stop();
  }
});

test('weights that differ from the build\'s record are refused with a clear error on the card', { timeout: 120_000 }, async () => {
  const env = await start();
  try {
    await env.context.route('**/weights/mlp_sprint.safetensors', async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[body.length - 1] ^= 0xff; // one flipped byte in the last weight
      await route.fulfill({ response: res, body, headers: { ...res.headers(), 'content-encoding': 'identity', 'content-length': String(body.length) } });
    });
    const { page } = await open(env.context, `${env.url}?events=mlp_sprint&budget=1&run=1`, { width: 1280, height: 900 });
    await page.waitForSelector('#cards .card[data-state="error"]', { timeout: 90_000 });
    const text = await page.textContent('#cards .card[data-state="error"] .card-status');
    assert.match(text, /weights\/mlp_sprint\.safetensors has (\d+) bytes with sha256 [0-9a-f]{64}; this build of the engine expects \1 bytes with sha256 [0-9a-f]{64}/);
    console.log(`# ${text.slice(0, 160)}…`);
  } finally {
    await env.stop();
  }
});

test('a module that fails to load says so, and loads at the next request that needs it', { timeout: 120_000 }, async () => {
  const env = await start();
  try {
    let blocked = true;
    await env.context.route('**/www/pkg-ledger/**', (route) => (blocked ? route.abort('connectionreset') : route.continue()));
    const { page } = await open(env.context, `${env.url}?events=mlp_sprint&budget=1&run=1`, { width: 1280, height: 900 });
    const card = page.locator('#cards .card.result[data-event="mlp_sprint"]');
    await card.waitFor({ timeout: 90_000 });
    // Share links are the ledger module's: the first try fails with the reason on the button…
    const button = card.locator('button.share');
    await button.click();
    await page.waitForFunction(() => /Could not make a link/.test(document.querySelector('#cards button.share')?.textContent ?? ''), null, { timeout: 30_000 });
    const text = await button.textContent();
    assert.match(text, /could not load the engine's ledger module/);
    console.log(`# ${text}`);
    // …and once the network is back, the same button gets the link: the failed load was not kept.
    blocked = false;
    await button.click();
    assert.match(await card.locator('.share-url').inputValue({ timeout: 30_000 }), /#share=v\d+\./);
  } finally {
    await env.stop();
  }
});
