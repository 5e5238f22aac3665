// `npm run board:verify` end to end: a course built here from real runs in Debian's Chromium — two
// honest entries (built-in recipes of two events, submitted through the verifier page's worker jobs and
// exported by the engine), an honest custom-kernel entry (the contest template, built by
// scripts/build-contest.sh, handed in as a .wasm file), one consistent forgery (an honest run with every candidate sample divided by
// 16, medians, speedup, the seeded bootstrap interval and scores recomputed, its package handed in as a
// file) and one entry whose artifact nobody handed in — verified by the script (budget 1 s, a short
// mode: no figure here is a performance target), once whole and once as shards 1/2 + 2/2 merged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, open } from './harness.mjs';
import { loadEngine, seedFor, drawKey } from '../../scripts/board-verify.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/board-verify.mjs');
const BUDGET = 1;
const SEED = 20240601;
const KERNEL = path.join(ROOT, 'target/contest/kernel-template.wasm'); // scripts/build-contest.sh
let engine, dir;
const fixture = {};

const run = (args) => new Promise((resolve) => {
  execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT, maxBuffer: 64 << 20, timeout: 400_000 }, (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
});

/** The honest entry with every candidate sample divided by 16 (exact in binary), everything recomputed. */
function forge(honest, team) {
  const e = structuredClone(honest);
  e.team = team;
  e.recipe = null; // a package handed in as a file, not a built-in recipe
  const t = e.report.timing, c = t.candidate;
  c.samples_ms = c.samples_ms.map((s) => s / 16);
  for (const k of ['median_ms', 'mad_ms', 'p10_ms', 'p90_ms', 'min_ms']) c[k] /= 16;
  t.speedup = t.baseline.median_ms / c.median_ms;
  t.speedup_ci = t.speedup_ci.map((x) => x * 16); // the bootstrap of ratios scales exactly by 16
  e.speed_score = Math.min(1, Math.max(0, Math.log2(t.speedup) / Math.log2(64)));
  e.composite = 0.7 * e.speed_score + 0.3 * e.innovation.score;
  return e;
}

before(async () => {
  engine = await loadEngine();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinymlperf-verify-'));
  const env = await start();
  try {
    const { page, problems } = await open(env.context, new URL('www/verify.html', env.url).href);
    await page.evaluate(() => window.__verify.ready);
    // Fixed seeds: the fixture is the same course on every run (only the times differ).
    const submit = (team, recipe, seed) => page.evaluate((job) => window.__verify.run(job), {
      label: team, recipe,
      submission: { team, event: recipe.event, description: 'built-in recipe', url: '', package_url: '', budget_s: BUDGET, seed, submitted_at: Date.now() },
    });
    const mlp = { event: 'mlp_sprint', quantize: true, sparsity: 0, kernels: 'simd128' };
    const cnn = { event: 'cnn_marathon', quantize: false, sparsity: 0, kernels: 'simd128' };
    fixture.alpha = await submit('Team Alpha', mlp, 11);
    fixture.beta = await submit('Team Beta', cnn, 12);
    fixture.kappa = await page.evaluate((job) => window.__verify.run(job), {
      label: 'Team Kappa', wasm: fs.readFileSync(KERNEL).toString('base64'),
      submission: { team: 'Team Kappa', event: 'mlp_sprint', description: 'the kernel template', url: '', package_url: '', budget_s: BUDGET, seed: 13, submitted_at: Date.now() },
    });
    assert.deepEqual(problems, []);
    fixture.gamma = forge(fixture.alpha, 'Team Gamma');
    fixture.delta = { ...structuredClone(fixture.beta), team: 'Team Delta', recipe: null, package_url: '' };
    // The students' exports, as the page's "Export JSON" writes them (the engine's export).
    fs.mkdirSync(path.join(dir, 'entries'));
    fs.writeFileSync(path.join(dir, 'entries/alpha-gamma.json'), engine.exportEntries([fixture.alpha, fixture.gamma]));
    fs.writeFileSync(path.join(dir, 'entries/beta-delta.json'), engine.exportEntries([fixture.beta, fixture.delta]));
    fs.writeFileSync(path.join(dir, 'entries/kappa.json'), engine.exportEntries([fixture.kappa]));
    // Gamma handed in its package file (the MLP INT8 recipe's bytes, which its hash names).
    fs.mkdirSync(path.join(dir, 'artifacts'));
    fs.writeFileSync(path.join(dir, 'artifacts/gamma.safetensors'), engine.buildRecipe(mlp));
    fs.copyFileSync(KERNEL, path.join(dir, 'artifacts/kappa-kernel.wasm'));
  } finally {
    await env.stop();
  }
});
after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

const inputs = () => ['alpha-gamma', 'beta-delta', 'kappa'].map((f) => path.join(dir, `entries/${f}.json`));
const common = () => ['--budget', String(BUDGET), '--seed', String(SEED), '--workers', '2', '--artifacts', path.join(dir, 'artifacts')];
const byTeam = (out) => Object.fromEntries(out.results.map((r) => [r.team, r]));
const essence = (out) => out.results.map((r) => ({ key: r.key, seed: r.seed, status: r.status })).concat(
  out.entries.map((e) => ({ key: engine.entryKey(e), seed: e.report.seed, provenance: e.provenance.kind })));

test('a seed is drawn per event, team and architecture: byte-different copies of one model by one team get one draw', () => {
  const entry = (event, architecture) => ({ event, architecture });
  const mlp = 'mlp:784-128-64-10/relu';
  const seed = (key, e) => seedFor(SEED, drawKey(e, key));
  const a = seed(`${'a'.repeat(64)}:team alpha`, entry('mlp_sprint', mlp));
  assert.equal(seed(`${'b'.repeat(64)}:team alpha`, entry('mlp_sprint', mlp)), a, 'another artifact of the same model by the same team: the same draw');
  assert.notEqual(seed(`${'a'.repeat(64)}:team beta`, entry('mlp_sprint', mlp)), a, 'another team: its own draw');
  assert.notEqual(seed(`${'b'.repeat(64)}:team alpha`, entry('mlp_sprint', 'mlp:784-64-32-10/relu')), a, 'another architecture (a distilled student): its own draw');
  assert.notEqual(seed(`${'a'.repeat(64)}:team alpha`, entry('cnn_marathon', mlp)), a, 'another event: its own draw');
  assert.ok(Number.isSafeInteger(a) && a < 2 ** 52);
});

test('the fixture course is internally consistent, including the forgery', () => {
  const m = engine.mergeEntries([], fs.readFileSync(inputs()[0], 'utf8'), 'alpha-gamma.json');
  assert.equal(m.entries.length, 2, 'the forgery passes the import checks: only a re-run can catch it');
  assert.ok(fixture.gamma.report.timing.speedup > 10 * fixture.alpha.report.timing.speedup);
});

test('board:verify: honest entries verified, the forgery not reproduced, no artifact unverified; shards merge to the same board', { timeout: 900_000 }, async () => {
  const whole = path.join(dir, 'verified.json');
  const r = await run([...common(), '-o', whole, ...inputs()]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(fs.readFileSync(whole, 'utf8'));
  const st = byTeam(out);
  assert.equal(st['Team Alpha'].status, 'verified', st['Team Alpha'].summary);
  assert.equal(st['Team Beta'].status, 'verified', st['Team Beta'].summary);
  assert.equal(st['Team Gamma'].status, 'not_reproduced', st['Team Gamma'].summary);
  assert.match(st['Team Gamma'].summary, /^not reproduced: .*speedup/);
  assert.equal(st['Team Gamma'].artifact, 'gamma.safetensors');
  assert.equal(st['Team Delta'].status, 'unverified');
  assert.equal(st['Team Kappa'].status, 'verified', st['Team Kappa'].summary);
  assert.equal(st['Team Kappa'].artifact, 'kappa-kernel.wasm');
  assert.equal(st['Team Alpha'].artifact, 'built-in recipe');
  for (const t of ['Team Alpha', 'Team Beta', 'Team Gamma', 'Team Kappa']) {
    assert.ok(st[t].runs >= 2 && st[t].runs <= 4 && st[t].speedups.length === st[t].runs, JSON.stringify(st[t]));
    assert.notEqual(st[t].seed, fixture.alpha.report.seed);
  }
  // The summary table and the progress lines.
  assert.match(r.stdout, /team\s+event\s+claimed ×\s+measured ×\s+runs\s+spread\s+status/);
  assert.match(r.stdout, /Team Gamma\s+mlp_sprint\s+[\d.]+×\s+[\d.]+×\s+\d\s+\d+%\s+not_reproduced/);
  assert.match(r.stderr, /ETA/);
  // The verifier run is recorded; entries are the verifier's measurements (and Delta as it was).
  assert.equal(out.verifier.base_seed, SEED);
  assert.equal(out.verifier.budget_s, BUDGET);
  assert.equal(out.verifier.shard, null);
  assert.match(out.verifier.engine, /^Chromium \d+/);
  assert.equal(out.entries.length, 5);
  const kinds = Object.fromEntries(out.entries.map((e) => [e.team, e.provenance]));
  assert.equal(kinds['Team Alpha'].kind, 'verified');
  assert.equal(kinds['Team Alpha'].run.reproduced, true);
  assert.equal(kinds['Team Gamma'].kind, 'verified');
  assert.equal(kinds['Team Gamma'].run.reproduced, false);
  assert.equal(kinds['Team Delta'].kind, 'self_reported');
  const gamma = out.entries.find((e) => e.team === 'Team Gamma');
  assert.equal(gamma.report.seed, st['Team Gamma'].seed);
  assert.ok(gamma.report.timing.speedup < fixture.gamma.report.timing.speedup / 4, 'the board ranks what the verifier measured, not the claim');
  // Importable as a board: the engine's merge (as ?board= loads it) keeps the verifier's provenance.
  const m = engine.mergeEntries([], fs.readFileSync(whole, 'utf8'));
  assert.equal(m.entries.length, 5);
  assert.deepEqual(m.entries.map((e) => e.provenance.kind).sort(), ['self_reported', 'verified', 'verified', 'verified', 'verified']);

  // Shards 1/2 and 2/2, merged: the same board (keys, seeds, statuses).
  const parts = [];
  for (const s of ['1/2', '2/2']) {
    const f = path.join(dir, `shard-${s[0]}.json`);
    const rs = await run([...common(), '--shard', s, '-o', f, ...inputs()]);
    assert.equal(rs.code, 0, rs.stderr + rs.stdout);
    parts.push(f);
  }
  const sizes = parts.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')).results.length);
  assert.equal(sizes[0] + sizes[1], 5);
  const merged = path.join(dir, 'merged.json');
  const rm = await run(['--merge-shards', '-o', merged, parts[1], parts[0]]);
  assert.equal(rm.code, 0, rm.stderr + rm.stdout);
  const mo = JSON.parse(fs.readFileSync(merged, 'utf8'));
  assert.deepEqual(essence(mo), essence(out));
  assert.equal(mo.verifier.shards.length, 2);
  // A missing shard is refused, not published as a board.
  const bad = await run(['--merge-shards', '-o', path.join(dir, 'bad.json'), parts[0]]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /missing 2\/2/);

  // The page loads the verified board with ?board= (served here by a route).
  const env = await start();
  try {
    await env.context.route('**/course-board.json', (route) => route.fulfill({ body: fs.readFileSync(merged, 'utf8'), contentType: 'application/json' }));
    const { page } = await open(env.context, `${env.url}?board=course-board.json`);
    await page.waitForFunction(() => /5 entries/.test(document.querySelector('#course-info')?.textContent ?? ''), null, { timeout: 60_000 });
  } finally {
    await env.stop();
  }
});
