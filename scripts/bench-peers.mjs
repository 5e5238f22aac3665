// `npm run bench:peers`: this engine side by side with onnxruntime-web and tfjs-wasm (XNNPACK) on the
// three reference models, one thread each, in headless Chromium (Debian's). The peers are installed on
// first use into target/peers (pinned versions, never part of the page); the ONNX graphs are built from
// the committed weights (scripts/peers/onnx-models.mjs); every peer's logits are checked against this
// engine's before it is timed. Writes bench-results/peers.json and bench-results/peers.md. `--quick`:
// this engine's short bench-kernels run (checks the harness; its figures are not for quoting).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start, open } from '../tests/e2e/harness.mjs';
import { onnxModel } from './peers/onnx-models.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PEERS = path.join(ROOT, 'target/peers');
const MODULES = path.join(PEERS, 'node_modules');
const VERSIONS = { 'onnxruntime-web': '1.30.0', '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-backend-wasm': '4.22.0', 'onnx-proto': '8.0.1' };
const EVENTS = ['mlp_sprint', 'cnn_marathon', 'transformer_decathlon'];

function installPeers() {
  const have = (name, v) => { try { return JSON.parse(fs.readFileSync(path.join(MODULES, name, 'package.json'), 'utf8')).version === v; } catch { return false; } };
  if (Object.entries(VERSIONS).every(([n, v]) => have(n, v))) return;
  console.log(`installing the peers into ${path.relative(ROOT, PEERS)}: ${Object.entries(VERSIONS).map(([n, v]) => `${n}@${v}`).join(', ')}`);
  fs.mkdirSync(PEERS, { recursive: true });
  fs.writeFileSync(path.join(PEERS, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--save-exact', ...Object.entries(VERSIONS).map(([n, v]) => `${n}@${v}`)], { cwd: PEERS, stdio: 'inherit' });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream' };
// /peers/<area>/<file> → a file on disk (or the ONNX bytes built here).
function peerFiles(onnx) {
  const dirs = {
    page: path.join(ROOT, 'scripts/peers'),
    ort: path.join(MODULES, 'onnxruntime-web/dist'),
    'tfjs-core': path.join(MODULES, '@tensorflow/tfjs-core/dist'),
    'tfjs-wasm': path.join(MODULES, '@tensorflow/tfjs-backend-wasm/dist'),
  };
  return (pathname) => {
    const [, area, file] = pathname.match(/^\/peers\/([a-z-]+)\/([\w.-]+)$/) ?? [];
    if (area === 'models') return onnx[file.replace(/\.onnx$/, '')];
    return dirs[area] && fs.existsSync(path.join(dirs[area], file)) ? fs.readFileSync(path.join(dirs[area], file)) : undefined;
  };
}

installPeers();
const onnx = Object.fromEntries(EVENTS.map((e) => [e, Buffer.from(onnxModel(e, path.join(ROOT, 'weights', `${e}.safetensors`), MODULES))]));
const lookup = peerFiles(onnx);
const env = await start();
let report;
try {
  // The peers' files are served on the page's own origin, with the same isolation headers as the page.
  await env.context.route(/\/peers\//, async (route) => {
    const url = new URL(route.request().url());
    const body = url.pathname === '/peers/peers.html' ? fs.readFileSync(path.join(ROOT, 'scripts/peers/peers.html')) : lookup(url.pathname);
    if (!body) return route.fulfill({ status: 404, body: 'not found' });
    await route.fulfill({ status: 200, body, headers: { 'Content-Type': TYPES[path.extname(url.pathname)] ?? 'application/octet-stream', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'cross-origin' } });
  });
  const { page, problems } = await open(env.context, `${env.url}peers/peers.html${process.argv.includes('--quick') ? '?quick=1' : ''}`);
  page.on('console', (m) => { if (m.type() === 'warning') console.warn(`browser: ${m.text()}`); });
  await page.waitForFunction(() => window.__peers, null, { timeout: 30 * 60_000, polling: 1000 });
  report = await page.evaluate(() => window.__peers);
  if (report.error) throw new Error(report.error);
  if (problems.length) console.warn('browser problems:', problems);
  report.user_agent = await page.evaluate(() => navigator.userAgent);
} finally {
  await env.stop();
}

const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const browser = report.user_agent.match(/Chrome\/[\d.]+/)?.[0] ?? report.user_agent;
const lines = [
  `One thread each, ${browser}, input copied in and logits copied out inside the timed region; ratio = fastest peer's time ÷ ours (SIMD128 fp32). Measured f32x4 peak ${f(report.peak.f32x4_gflops, 2)} GFLOP/s. Peers: onnxruntime-web ${report.versions['onnxruntime-web']}, tfjs-backend-wasm ${report.versions['tfjs-backend-wasm'] ?? VERSIONS['@tensorflow/tfjs-backend-wasm']}.`,
  '',
  '| model | batch | ours ms | % f32x4 peak | ours relaxed ms | onnxruntime-web ms | tfjs-wasm ms | ratio | peers vs ours (rel. RMS) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
];
for (const r of report.rows) {
  const check = (p) => `${p.rel_rms.toExponential(1)}${p.same_predictions ? '' : ' (predictions differ)'}`;
  lines.push(`| ${r.event} | ${r.batch} | ${f(r.ours.simd128_js_io_ms, 4)} | ${f(r.ours.pct_of_f32x4_peak, 1)} | ${f(r.ours.relaxed_ms, 4)} | ${f(r.onnxruntime_web.ms, 4)} | ${f(r.tfjs_wasm.ms, 4)} | ${f(r.ratio, 2)}× | ort ${check(r.onnxruntime_web)}, tfjs ${check(r.tfjs_wasm)} |`);
}
const md = lines.join('\n');
fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench-results/peers.json'), JSON.stringify(report, null, 2));
fs.writeFileSync(path.join(ROOT, 'bench-results/peers.md'), md + '\n');
console.log(md);
console.log('\nwrote bench-results/peers.json and bench-results/peers.md');
const off = report.rows.flatMap((r) => ['onnxruntime_web', 'tfjs_wasm'].filter((p) => !r[p].same_predictions || r[p].rel_rms > 1e-3).map((p) => `${p} on ${r.event} batch ${r.batch}`));
if (off.length) {
  console.error(`these peers did not compute the same model (relative RMS over 1e-3 or other predictions): ${off.join(', ')}`);
  process.exit(1);
}
