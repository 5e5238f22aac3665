// `npm run bench:kernels`: serves the page, runs www/bench.html in headless Chromium (Debian's), and
// writes bench-results/kernels.json plus a Markdown table (bench-results/kernels.md, also printed).
// Every figure is computed in Rust/wasm; this script only moves it. `--quick` for a smoke run, `--no-models` for kernels only.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, open } from '../tests/e2e/harness.mjs';

/** Runs the benchmark page headless; prints the tables and writes bench-results/. */
export async function runBench({ quick = false, noModels = false } = {}) {
const env = await start();
let report;
try {
  const { page, problems } = await open(env.context, `${env.url}www/bench.html?quick=${quick ? 1 : 0}&models=${noModels ? 0 : 1}`);
  await page.waitForFunction(() => window.__bench, null, { timeout: 15 * 60_000, polling: 500 });
  report = await page.evaluate(() => window.__bench);
  if (report.error) throw new Error(report.error);
  if (problems.length) console.warn('browser problems:', problems);
  report.user_agent = await page.evaluate(() => navigator.userAgent);
  report.cross_origin_isolated = await page.evaluate(() => crossOriginIsolated);
} finally {
  await env.stop();
}

const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const lines = [];
lines.push(`Measured peak: f32x4 ${f(report.peak.f32x4_gflops, 2)} GFLOP/s, relaxed_madd ${report.peak.relaxed_madd_gflops == null ? 'not available' : `${f(report.peak.relaxed_madd_gflops, 2)} GFLOP/s`}, scalar ${f(report.peak.scalar_gflops, 2)} GFLOP/s (${report.user_agent.match(/Chrome\/[\d.]+/)?.[0]}, clock ${f(report.clock_resolution_ms * 1000, 1)} µs)`, '');
lines.push('| layer | variant | shape | ms | GFLOP/s | % f32x4 peak | × scalar |', '|---|---|---|---:|---:|---:|---:|');
for (const k of report.kernels) lines.push(`| ${k.layer} | ${k.variant} | ${k.shape} | ${f(k.median_ms, 4)} | ${f(k.gflops, 2)} | ${f(k.pct_of_f32x4_peak, 1)} | ${f(k.speedup_vs_scalar, 2)} |`);
lines.push('', '| event | path | batch | ms / batch | ms / sample | GFLOP/s | % f32x4 peak | × baseline |', '|---|---|---:|---:|---:|---:|---:|---:|');
for (const m of report.models) lines.push(`| ${m.event} | ${m.path} | ${m.batch} | ${f(m.median_ms, 3)} | ${f(m.per_sample_ms, 4)} | ${f(m.gflops, 2)} | ${f(m.pct_of_f32x4_peak, 1)} | ${f(m.speedup_vs_baseline, 2)} |`);
const md = lines.join('\n');
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync('bench-results/kernels.json', JSON.stringify(report, null, 2));
fs.writeFileSync('bench-results/kernels.md', md + '\n');
console.log(md);
console.log('\nwrote bench-results/kernels.json and bench-results/kernels.md');
return report;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runBench({ quick: process.argv.includes('--quick'), noModels: process.argv.includes('--no-models') });
}
