// The CNN Marathon and Transformer Decathlon kernel templates submitted through the page, end to end
// in Chromium: the scalar templates (contest/cnn-template, contest/transformer-template, built by
// scripts/build-contest.sh) are scored in the closed division at about the scalar baseline's speed
// with no SIMD executed; their `--features simd` builds are closed too, faster, and earn the
// custom-kernel credit for the SIMD they execute. MLP Sprint's template (contest/kernel-template) runs
// the same checks, so the speedups printed cover all three events (docs/custom-kernels.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, open, DESKTOP } from './harness.mjs';

const CONTEST = path.resolve('target/contest');
const wasm = (name) => ({ name: `${name}.wasm`, mimeType: 'application/wasm', buffer: fs.readFileSync(path.join(CONTEST, `${name}.wasm`)) });
let env, page, problems;

before(async () => {
  env = await start();
  ({ page, problems } = await open(env.context, `${env.url}?budget=1`, DESKTOP));
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
});
after(async () => {
  await env?.stop();
});

const statusText = () => page.textContent('#submit-status');

async function fill(team, event) {
  await page.fill('#f-team', team);
  await page.selectOption('#f-event', event);
}

/** Drops a kernel and waits for the module check's verdict. */
async function dropKernel(name) {
  await page.setInputFiles('#f-wasm', wasm(name));
  await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#wasm-name').textContent), null, { timeout: 60_000 });
}

/** Submits what the form holds; resolves with the final status text. */
async function submitAndWait(timeout = 240_000) {
  await page.click('#submit-btn');
  await page.waitForFunction(() => !document.querySelector('#submit-btn').disabled && /^(Scored|Not accepted|Stopped|Cancelled)/.test(document.querySelector('#submit-status').textContent), null, { timeout });
  return statusText();
}

const num = (s) => Number.parseFloat(String(s).replace(/[^\d.\-e]/g, ''));

/**
 * Submits one template module for `event` and checks what every template shares: scored in the
 * closed division (a closed entry's status has no "open division"), equivalence passed with the
 * reference's 0.001 budget, the card's speedup the engine's. Returns the speedup, the executed-SIMD
 * evidence and whether the custom-kernel credit was detected.
 */
async function submitTemplate(event, title, name) {
  await fill(`Team ${name}`, event);
  await page.check('input[name="source"][value="kernel"]');
  await dropKernel(name);
  const simd = name.endsWith('-simd');
  assert.match(await page.textContent('#wasm-name'), simd ? new RegExp(`${name}\\.wasm: .*[1-9][\\d,]* SIMD`) : new RegExp(`${name}\\.wasm: \\d+ functions, [\\d,]+ instructions, 0 SIMD`));
  const status = await submitAndWait();
  assert.match(status, new RegExp(`^Scored and saved: speed (#\\d+|unranked), innovation #\\d+, composite (#\\d+|unranked) on ${title}\\.$`), `${name}: ${status}`);
  const card = page.locator('#submit-result .card.result');
  assert.equal(await card.locator('.badge.closed').count(), 1, `${name}: closed division`);
  assert.match(await card.textContent(), /budget 0\.001/, `${name}: the reference's own weights keep the 0.001 budget`);
  const hash = await card.getAttribute('data-hash');
  const entry = await page.evaluate(async (h) => (await window.__tinymlperf.state.store.all()).find((e) => e.hash === h), hash);
  assert.ok(entry, `${name}: stored`);
  assert.equal(entry.event, event);
  assert.ok(entry.report.equivalence.passed && entry.report.equivalence.rel_rms < 1e-5, `${name}: ${JSON.stringify(entry.report.equivalence)}`);
  const speedup = entry.report.timing.speedup;
  assert.equal(num(await card.locator('.kpi[data-k="speedup"] .kpi-value').textContent()), Number(speedup.toFixed(2)), `${name}: the card shows the engine's speedup`);
  const ck = card.locator('.evidence > li[data-technique="custom_kernels"]');
  const evidence = await ck.textContent();
  const detected = (await ck.getAttribute('class')) === 'detected';
  const v128 = entry.kernel.executed.v128_per_call;
  const executed = evidence.match(/executed [\d.]+ ?[kM]? ?v128 [^)]*\)/)?.[0] ?? evidence;
  console.log(`${name} (${title}, Chromium): ${speedup.toFixed(2)}× over the scalar baseline (CI ${entry.report.timing.speedup_ci.map((x) => x.toFixed(2)).join('–')}); ${executed}${detected ? ', custom-kernel credit' : ''}`);
  return { speedup, evidence, detected, v128 };
}

for (const [event, title, base] of [
  ['mlp_sprint', 'MLP Sprint', 'kernel-template'], // for the same figures on all three events
  ['cnn_marathon', 'CNN Marathon', 'cnn-template'],
  ['transformer_decathlon', 'Transformer Decathlon', 'transformer-template'],
]) {
  test(`${title}: the scalar template is closed at about 1×; its SIMD step is closed, faster and credited for executed SIMD`, { timeout: 600_000 }, async () => {
    const scalar = await submitTemplate(event, title, base);
    assert.ok(scalar.speedup > 0.3 && scalar.speedup < 3, `${base}: a scalar kernel is about as fast as the scalar baseline: ${scalar.speedup}`);
    assert.equal(scalar.v128, 0, `${base}: executes no SIMD`);
    assert.ok(!scalar.detected, scalar.evidence);
    assert.match(scalar.evidence, /no SIMD instruction ran|executed 0 v128 operations per call/);

    const simd = await submitTemplate(event, title, `${base}-simd`);
    assert.ok(simd.speedup > 1.3 * scalar.speedup, `${base}-simd is clearly faster: ${simd.speedup}× vs ${scalar.speedup}×`);
    assert.ok(simd.v128 > 0, `${base}-simd executes SIMD`);
    assert.ok(simd.detected, simd.evidence);
    assert.match(simd.evidence, /executed [\d.]+ [kM]? ?v128 operations per call \(\d+% of its arithmetic\)/);
    console.log(`${title} (Chromium): scalar template ${scalar.speedup.toFixed(2)}×, SIMD template ${simd.speedup.toFixed(2)}× (${(simd.speedup / scalar.speedup).toFixed(2)}× the scalar template)`);
    await page.check('input[name="source"][value="recipe"]');
  });
}

test('no page errors', () => {
  assert.deepEqual(problems, []);
});
