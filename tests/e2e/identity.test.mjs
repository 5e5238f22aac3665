// Identity and history end to end, in Debian's Chromium against the served page: an entry is its team
// *and* its artifact, so two teams submitting the same built-in recipe are two rows; a team's second
// submission keeps the first, and each board shows the team once (its best by that board's rule) with
// a disclosure listing the other entry. IndexedDB keys entries by the engine's key, and a record an
// older page stored under its hash loads and moves to its key. Screenshots of the boards with the
// history open at 1440 px and 375 px (test-results/identity-*.png). The tests run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, shotPath, DESKTOP, PHONE } from './harness.mjs';

const BUDGET = 1; // seconds: a short mode, so no figure here is a performance target
const BOARDS = ['speed', 'innovation', 'composite'];
let env, page, problems;
const shared = {};

before(async () => { env = await start(); });
after(async () => { await env?.stop(); });

const ready = (p) => p.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });

/** Submits a built-in MLP Sprint recipe for `team`; returns the status line. */
async function submitRecipe(p, team, { int8 = false } = {}) {
  await p.check('input[name="source"][value="recipe"]');
  await p.fill('#f-team', team);
  await p.selectOption('#f-event', 'mlp_sprint');
  await p.fill('#f-desc', int8 ? 'INT8 recipe' : 'SIMD128 fp32 recipe');
  if (int8) await p.check('#r-int8'); else await p.uncheck('#r-int8');
  await p.click('#submit-btn');
  await p.waitForFunction(() => {
    const s = document.querySelector('#submit-status');
    return !document.querySelector('#submit-btn').disabled && (s.classList.contains('ok') || s.classList.contains('error'));
  }, null, { timeout: 280_000 });
  const status = await p.textContent('#submit-status');
  assert.match(status, /^Scored and saved: /, status);
  return status;
}

/** Every board's rows: [{board, team, hash, key, history}] (history = the row's data-history count). */
const rowsOf = (p) => p.$$eval('#board-tables tbody tr', (trs) => trs.map((t) => ({
  board: t.closest('.board').dataset.board, team: t.querySelector('td.team').firstChild.textContent,
  hash: t.dataset.hash, key: t.dataset.key, history: Number(t.dataset.history),
})));

/** The IndexedDB records as [key, team, hash], read with the plain IndexedDB API. */
const idbRecords = (p) => p.evaluate(() => new Promise((resolve, reject) => {
  const req = indexedDB.open('tinymlperf');
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const os = req.result.transaction('entries').objectStore('entries');
    const keys = os.getAllKeys(), vals = os.getAll();
    vals.onsuccess = () => { resolve(keys.result.map((k, i) => [k, vals.result[i].team, vals.result[i].hash])); req.result.close(); };
    vals.onerror = () => reject(vals.error);
  };
}));

test('two teams submitting the same built-in recipe are two rows on every board', { timeout: 600_000 }, async () => {
  ({ page, problems } = await open(env.context, `${env.url}?budget=${BUDGET}&event=mlp_sprint`, DESKTOP));
  await ready(page);
  await submitRecipe(page, 'Team Alpha');
  await submitRecipe(page, 'Team Beta');
  const rows = await rowsOf(page);
  for (const board of BOARDS) {
    const on = rows.filter((r) => r.board === board);
    assert.deepEqual(on.map((r) => r.team).sort(), ['Team Alpha', 'Team Beta'], `${board}: one row per team`);
    assert.equal(on[0].hash, on[1].hash, `${board}: the same artifact`);
    assert.notEqual(on[0].key, on[1].key, `${board}: two identities`);
    assert.ok(on.every((r) => r.history === 0), `${board}: no history yet`);
  }
  shared.hash = rows[0].hash;
  const recs = await idbRecords(page);
  assert.deepEqual(recs.map(([k]) => k).sort(), [`${shared.hash}:team alpha`, `${shared.hash}:team beta`], 'IndexedDB keys the entries by team and artifact');
  assert.deepEqual(problems, []);
});

test("a team's second submission: the team once per board, its best shown and the other in a history disclosure", { timeout: 400_000 }, async () => {
  const status = await submitRecipe(page, 'team  ALPHA ', { int8: true }); // the same team, spelled differently
  assert.match(status, /speed (#\d+|unranked|in history \(team best (#\d+|unranked)\))/, status);
  const rows = await rowsOf(page);
  for (const board of BOARDS) {
    const on = rows.filter((r) => r.board === board);
    assert.equal(on.length, 2, `${board}: still two rows`);
    const alpha = on.filter((r) => /^team\s+alpha\s*$/i.test(r.team));
    assert.equal(alpha.length, 1, `${board}: Team Alpha once`);
    assert.equal(alpha[0].history, 1, `${board}: with one other entry in its history`);
    const tr = page.locator(`#board-tables .board[data-board="${board}"] tr[data-key="${alpha[0].key}"]`);
    const details = tr.locator('details.history');
    assert.match(await details.locator('summary').textContent(), /^1 (earlier|later)$/);
    assert.match(await details.locator('summary').getAttribute('aria-label'), /1 other entry on this board/);
    assert.equal(await details.locator('li').isVisible(), false, `${board}: closed until asked`);
    await details.locator('summary').click();
    const li = details.locator('li');
    assert.equal(await li.count(), 1);
    assert.equal(await li.isVisible(), true);
    assert.match(await li.locator('.h-value').textContent(), board === 'speed' ? /^[\d.]+×$/ : /^[\d.]+$/);
    assert.match(await li.locator('time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);
    const other = await li.getAttribute('data-key');
    assert.notEqual(other, alpha[0].key, 'the history lists the other entry');
    assert.ok(other.endsWith(':team alpha'), 'one team however it was spelled');
  }
  // A keyboard user opens a disclosure too.
  const summary = page.locator('#board-tables .board[data-board="speed"] details.history summary');
  await summary.evaluate((s) => { s.parentElement.open = false; });
  await summary.focus();
  await page.keyboard.press('Enter');
  assert.equal(await summary.evaluate((s) => s.parentElement.open), true, 'Enter opens the disclosure');
  assert.equal((await idbRecords(page)).length, 3, 'both of the team\'s entries stay stored');

  await page.locator('#boards').scrollIntoViewIfNeeded();
  await page.locator('#boards').screenshot({ path: shotPath('identity-desktop.png') });
  await page.setViewportSize(PHONE);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal overflow at 375 px');
  await page.locator('#boards').screenshot({ path: shotPath('identity-phone.png') });
  await page.setViewportSize(DESKTOP);
  assert.deepEqual(problems, []);
});

test('a record an older page stored under its hash still loads, and moves to its team + artifact key', { timeout: 120_000 }, async () => {
  assert.ok(shared.hash, 'the first test stored two entries');
  // Write a copy of Team Beta's entry as another team, under the bare hash (the old key).
  await page.evaluate((hash) => new Promise((resolve, reject) => {
    const req = indexedDB.open('tinymlperf');
    req.onsuccess = () => {
      const os = req.result.transaction('entries', 'readwrite').objectStore('entries');
      const get = os.get(`${hash}:team beta`);
      get.onerror = () => reject(get.error);
      get.onsuccess = () => {
        if (!get.result) { reject(new Error('no entry of Team Beta stored')); return; }
        const put = os.put({ ...get.result, team: 'Legacy Team' }, hash);
        put.onsuccess = () => { req.result.close(); resolve(); };
        put.onerror = () => reject(put.error);
      };
    };
    req.onerror = () => reject(req.error);
  }), shared.hash);
  await page.reload();
  await ready(page);
  const rows = await rowsOf(page);
  for (const board of BOARDS) {
    assert.equal(rows.filter((r) => r.board === board && r.team === 'Legacy Team').length, 1, `${board}: the legacy record is shown`);
  }
  const keys = (await idbRecords(page)).map(([k]) => k);
  assert.ok(!keys.includes(shared.hash), 'the hash-keyed record is gone');
  assert.ok(keys.includes(`${shared.hash}:legacy team`), 'and stored under its key');
  assert.equal(keys.length, 4);
  assert.deepEqual(problems, []);
});
