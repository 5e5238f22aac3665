// `npm run bench`: the main job without a person. Serves the page, runs every event in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core, exactly as a visitor's "Run all events"
// would: one dedicated worker per event), prints a results table and writes bench-results/events.json
// (the engine's Entry objects, unmodified) and bench-results/events.md.
//   node scripts/bench.mjs [--budget S] [--events mlp_sprint,cnn_marathon] [--seed N] [--out FILE]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, open } from '../tests/e2e/harness.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };

export async function runEvents({ budget = 10, events, seed, out = 'bench-results/events.json', log = console.log } = {}) {
  const q = new URLSearchParams({ run: '1', budget: String(budget) });
  if (events) q.set('events', events);
  if (seed !== undefined) q.set('seed', String(seed));
  const env = await start();
  let results, environment;
  try {
    const { page, problems } = await open(env.context, `${env.url}?${q}`, { width: 1440, height: 900 });
    // A figure, not a check: when the first result card shows, from navigation (fresh profile, empty cache).
    page.waitForSelector('#cards .card.result', { timeout: 60 * 60_000 }).then(() => page.evaluate(() => performance.now()))
      .then((ms) => log(`  first result card ${(ms / 1000).toFixed(1)} s after navigation (budget ${budget} s per event)`), () => {});
    let last = '';
    const timer = setInterval(async () => {
      const s = await page.textContent('#run-status').catch(() => '');
      if (s && s !== last) { last = s; log(`  ${s}`); }
    }, 1000);
    try {
      await page.waitForSelector('body[data-run="done"], body[data-run="error"], body[data-state="error"], body[data-state="unsupported"]', { timeout: 60 * 60_000 });
    } finally { clearInterval(timer); }
    const outcome = await page.evaluate(() => document.body.dataset.run ?? document.body.dataset.state);
    results = await page.evaluate(() => window.__tinymlperf.results);
    environment = await page.evaluate(() => window.__tinymlperf.state.env);
    if (outcome !== 'done') {
      const errors = await page.$$eval('.card[data-state="error"] .card-status, .notice.error', (n) => n.map((x) => x.textContent));
      throw new Error(`the run ended with '${outcome}': ${errors.join(' | ') || problems.join(' | ')}`);
    }
    if (problems.length) log(`browser problems: ${problems.join(' | ')}`);
  } finally {
    await env.stop();
  }
  const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const pctv = (v) => (Math.abs(v) <= 1 ? v * 100 : v);
  const ms = (v) => (v >= 1 ? `${f(v, 3)} ms` : `${f(v * 1000, 2)} µs`);
  const lines = [
    `TinyMLPerf events, budget ${budget} s per event — ${environment?.user_agent?.match(/Chrome\/[\d.]+/)?.[0] ?? ''}, cross-origin isolated: ${environment?.cross_origin_isolated}`,
    '',
    '| event | accuracy | Δ vs reference | baseline median / call | entry median / call | speedup | 95% CI | weights | stable |',
    '|---|---:|---:|---:|---:|---:|---|---:|---|',
  ];
  for (const e of results) {
    const r = e.report, t = r.timing;
    lines.push(`| ${e.event} | ${f(pctv(r.accuracy.candidate), 2)}% | ${f(r.accuracy.delta_pp, 2)} pp | ${ms(t.baseline.median_ms)} | ${ms(t.candidate.median_ms)} | ${f(t.speedup, 2)}× | ${t.speedup_ci.map((x) => f(x, 2)).join('–')} | ${r.memory.weight_bytes} B | ${t.unstable ? `no (${t.unstable_reason ?? ''})` : 'yes'} |`);
  }
  const md = lines.join('\n');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ schema: 'tinymlperf-bench', budget_s: budget, environment, entries: results }, null, 2));
  fs.writeFileSync(out.replace(/\.json$/, '') + '.md', md + '\n');
  log(md);
  log(`\nwrote ${out} and ${out.replace(/\.json$/, '')}.md`);
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const budget = Number(arg('budget', '10'));
  if (!(budget > 0)) { console.error('--budget must be a positive number of seconds'); process.exit(2); }
  try {
    await runEvents({ budget, events: arg('events'), seed: arg('seed'), out: arg('out', 'bench-results/events.json') });
  } catch (e) {
    console.error(`bench failed: ${e.message}`);
    process.exit(1);
  }
}
