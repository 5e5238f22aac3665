// Contestants' entries in the page, end to end in Chromium: a package written by Python's
// safetensors, the kernel template built by scripts/build-contest.sh, and hostile kernels (an import,
// an endless loop, an out-of-bounds write, wrong outputs, not WebAssembly) — each refused or stopped
// with a clear message, the leaderboards unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { start, open, shotPath, DESKTOP } from './harness.mjs';

const CONTEST = path.resolve('target/contest');
const wasm = (name) => ({ name: `${name}.wasm`, mimeType: 'application/wasm', buffer: fs.readFileSync(path.join(CONTEST, `${name}.wasm`)) });
let env, page, problems;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinymlperf-contest-'));

before(async () => {
  env = await start();
  // ?stall=4: the watchdog stops a silent worker after 4 s instead of 10, to keep the test short.
  // ?seed=11: every submission runs on the same fresh inputs. The distilled student agrees with the
  // reference on 99.4% of fresh inputs on average, so about 1 run seed in 40 measures it under the
  // closed line of 99% (seeds 27, 101 and 128 of 10–130 in `tinymlperf-cli verify`); seed 11 does not.
  ({ page, problems } = await open(env.context, `${env.url}?budget=1&stall=4&seed=11`, DESKTOP));
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
});
after(async () => {
  await env?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const boardHashes = () => page.$$eval('#board-tables tbody tr', (trs) => trs.map((t) => `${t.closest('.board').dataset.board}:${t.dataset.hash}`).sort());
const statusText = () => page.textContent('#submit-status');

async function fill(team) {
  await page.fill('#f-team', team);
  await page.selectOption('#f-event', 'mlp_sprint');
}

/** Drops a kernel and waits for the module check's verdict. */
async function dropKernel(name) {
  await page.setInputFiles('#f-wasm', wasm(name));
  await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#wasm-name').textContent), null, { timeout: 60_000 });
}

// Short runs on a busy 2-core machine may be flagged unstable (then unranked on speed and composite,
// by design); what these tests check is that the entry is scored and placed.
const SCORED = /^Scored and saved: speed (#\d+|unranked), innovation #\d+, composite (#\d+|unranked) on MLP Sprint\.$/;

/** Submits what the form holds; resolves with the final status text. */
async function submitAndWait(timeout = 240_000) {
  await page.click('#submit-btn');
  await page.waitForFunction(() => !document.querySelector('#submit-btn').disabled && /^(Scored|Not accepted|Stopped|Cancelled)/.test(document.querySelector('#submit-status').textContent), null, { timeout });
  return statusText();
}

test('a package written by Python safetensors is submitted, scored and ranked', { timeout: 300_000 }, async (t) => {
  const out = path.join(tmp, 'python_entry.safetensors');
  try {
    execFileSync('python3', ['tests/fixtures/make_python_package.py', out], { stdio: 'pipe' });
  } catch (e) {
    // CI installs them (scripts/setup.sh); a developer machine may not have them.
    t.skip(`python3 with safetensors and numpy is not available: ${String(e.stderr || e.message).trim().split('\n').pop()}`);
    return;
  }
  await fill('Team Python');
  await page.check('input[name="source"][value="upload"]');
  await page.setInputFiles('#f-file', out);
  await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#file-name').textContent), null, { timeout: 60_000 });
  assert.match(await page.textContent('#file-name'), /mlp:784-128-64-10\/relu/);
  assert.match(await page.textContent('#submit-result'), /int8: 91\.9% of weights/, 'the inspection shows the int8 tensors');
  const status = await submitAndWait();
  assert.match(status, SCORED, status);
  const hash = await page.locator('#submit-result .card.result').getAttribute('data-hash');
  for (const board of ['speed', 'innovation', 'composite']) {
    assert.equal(await page.locator(`#board-tables .board[data-board="${board}"] tr[data-hash="${hash}"]`).count(), 1, `on the ${board} board`);
  }
});

test('a distilled student (tinymlperf-cli distill) is scored and detected as distillation', { timeout: 300_000 }, async () => {
  await fill('Team Student');
  await page.check('input[name="source"][value="upload"]');
  await page.setInputFiles('#f-file', path.resolve('cli/tests/fixtures/mlp_sprint_student.safetensors'));
  await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#file-name').textContent), null, { timeout: 60_000 });
  assert.match(await page.textContent('#file-name'), /mlp:784-64-32-10\/relu, 52,650 parameters/);
  const status = await submitAndWait();
  assert.match(status, SCORED, status);
  const card = page.locator('#submit-result .card.result');
  const distill = card.locator('.evidence > li[data-technique="distillation"]');
  assert.equal(await distill.getAttribute('class'), 'detected', await distill.textContent());
  assert.match(await distill.textContent(), /mlp:784-64-32-10\/relu has 52650 parameters, 48\.1% of the reference's 109386 .* and passes the accuracy gate/);
});

test('the kernel template built in CI is submitted as a custom kernel and passes every check', { timeout: 300_000 }, async () => {
  await fill('Team Template');
  await page.check('input[name="source"][value="kernel"]');
  await dropKernel('kernel-template');
  assert.match(await page.textContent('#wasm-name'), /kernel-template\.wasm: \d+ functions, [\d,]+ instructions, 0 SIMD/);
  const status = await submitAndWait();
  assert.match(status, SCORED, status);
  const card = page.locator('#submit-result .card.result');
  assert.match(await card.textContent(), /own WebAssembly module/, 'the innovation evidence reads the module');
  await page.screenshot({ path: shotPath('custom-kernel.png'), fullPage: false });
});

test('hostile kernels are refused or stopped with clear messages and the leaderboards stay unchanged', { timeout: 600_000 }, async () => {
  const before = await boardHashes();
  await fill('Team Hostile');
  await page.check('input[name="source"][value="kernel"]');
  // Refused by the module check, before anything runs.
  for (const [name, why] of [
    ['hostile-imports', /This kernel cannot be run: .*imports function env\.phone_home; kernels must be self-contained/],
    ['hostile-not-wasm', /This kernel cannot be run: .*not a WebAssembly module/],
  ]) {
    await dropKernel(name);
    assert.match(await statusText(), why, name);
    await page.click('#submit-btn');
    assert.equal(await statusText(), 'Drop a valid .wasm kernel first.', `${name} cannot be submitted`);
  }
  // Valid modules that misbehave when run.
  for (const [name, why] of [
    ['hostile-oob', /^Not accepted: invalid WebAssembly kernel data: forward trapped: memory access out of bounds\. Your leaderboard is unchanged\.$/],
    ['hostile-wrong', /^Not accepted: entry rejected: output verification failed at call #1 \(.*\), run seed \d+: .*Your leaderboard is unchanged\.$/],
    ['hostile-loop', /^Stopped: the entry showed no progress for 4 s \(a call that never returns\?\), so its worker was terminated\. Your leaderboard is unchanged\.$/],
  ]) {
    await dropKernel(name);
    assert.match(await statusText(), /^Kernel accepted by the module check/, name);
    const status = await submitAndWait();
    assert.match(status, why, `${name}: ${status}`);
    assert.deepEqual(await boardHashes(), before, `${name}: boards unchanged`);
  }
  assert.equal(await page.evaluate(async () => (await window.__tinymlperf.state.store.all()).length), new Set(before.map((x) => x.split(':')[1])).size, 'nothing new in IndexedDB');
  await page.check('input[name="source"][value="recipe"]');
  assert.deepEqual(problems, []);
});

/** The lazy-after cheater with its call budget patched to `n` (see tests/kernels/cheaters). */
function lazyAfter(n) {
  const buffer = Buffer.from(fs.readFileSync(path.join(CONTEST, 'cheat-lazy-after.wasm')));
  const at = buffer.indexOf(Buffer.from('LAZYAFTR')) + 8;
  assert.ok(at > 8, 'marker present');
  buffer.writeBigUInt64LE(BigInt(n), at);
  return { name: `cheat-lazy-after-${n}.wasm`, mimeType: 'application/wasm', buffer };
}

test('kernels that tell checking from timing are rejected, naming the call and the seed', { timeout: 600_000 }, async () => {
  const before = await boardHashes();
  await fill('Team Cheat');
  await page.check('input[name="source"][value="kernel"]');
  // 190: past the old engine's 157 public-split and 32 fresh-check calls, where it ranked first at 212×.
  for (const file of [lazyAfter(190), lazyAfter(3), wasm('cheat-exact-pixels'), wasm('cheat-zero-corners')]) {
    await page.setInputFiles('#f-wasm', file);
    await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#wasm-name').textContent), null, { timeout: 60_000 });
    const status = await submitAndWait();
    // run seed 11: the page's ?seed= fixes the run seed of submissions too, so anyone can repeat the rejection.
    assert.match(status, /^Not accepted: entry rejected: output verification failed at call #\d+ \((warm-up|calibration|the round-cost estimate|round \d+|after the timed rounds), .*\), run seed 11: .*Your leaderboard is unchanged\.$/, `${file.name}: ${status}`);
    if (file.name === 'cheat-lazy-after-190.wasm') assert.match(status, /call #191 /, status);
    assert.deepEqual(await boardHashes(), before, `${file.name}: boards unchanged`);
  }
});

test('custom-kernel credit follows the SIMD a module executes, not the SIMD it contains', { timeout: 600_000 }, async () => {
  await fill('Team Dead SIMD');
  await page.check('input[name="source"][value="kernel"]');
  await dropKernel('dead-simd');
  assert.match(await page.textContent('#wasm-name'), /dead-simd\.wasm: .*[1-9][\d,]* SIMD/, 'the file holds SIMD');
  let status = await submitAndWait();
  assert.match(status, SCORED, status);
  let card = page.locator('#submit-result .card.result');
  let ck = card.locator('.evidence > li[data-technique="custom_kernels"]');
  assert.notEqual(await ck.getAttribute('class'), 'detected', await ck.textContent());
  assert.match(await ck.textContent(), /executed 0 v128 operations per call/);
  assert.match(await card.textContent(), /budget 0\.001/, 'dead dot products keep the 1e-3 budget');

  await fill('Team Real SIMD');
  await dropKernel('kernel-template-simd');
  status = await submitAndWait();
  assert.match(status, SCORED, status);
  card = page.locator('#submit-result .card.result');
  ck = card.locator('.evidence > li[data-technique="custom_kernels"]');
  assert.equal(await ck.getAttribute('class'), 'detected', await ck.textContent());
  assert.match(await ck.textContent(), /executed [\d.]+ [kM]? ?v128 operations per call \(\d+% of its arithmetic\)/);
  await ck.scrollIntoViewIfNeeded();
  await card.screenshot({ path: shotPath('executed-simd-evidence.png') });
  await page.check('input[name="source"][value="recipe"]');
});
