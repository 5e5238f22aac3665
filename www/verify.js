// The verifier's page (www/verify.html), driven by `npm run board:verify` (scripts/board-verify.mjs)
// through page.evaluate. Only wiring: each run goes through the page's own worker jobs — `submit` (a
// built-in recipe, rebuilt in the worker, or package bytes) and `submit-custom` (a contestant's kernel
// under the same watchdog as the main page) — and returns the engine's Entry unchanged. Choosing the
// median run, the verdict on the claim and the verified entry are the engine's (verifiedEntry()).
//
//   window.__verify.ready        → {version, environment}   (the engine's, from this browser)
//   window.__verify.run(job)     → Entry, or throws the engine's message
//     job = {label, submission, recipe?} | {label, submission, bytes: base64}
//         | {label, submission, wasm: base64, pkg?: base64, stall_s?}
// If the script exposed window.__verifyProgress(label, fraction), runs report their progress to it.
import { EngineWorker, runJob } from './engine.js';

const $ = (id) => document.getElementById(id);
const engine = new EngineWorker();
const fromBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
const f2 = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) { const td = document.createElement('td'); td.textContent = String(c); tr.append(td); }
  $('runs').tBodies[0].append(tr);
  $('runs').hidden = false;
}

async function run({ label = '', submission, recipe, bytes, wasm, pkg, stall_s = 30 }) {
  let job = 'submit', args, opts = {};
  if (wasm) {
    job = 'submit-custom';
    args = { submission, wasm: fromBase64(wasm), pkg: pkg ? fromBase64(pkg) : null };
    // As the main page does: the watchdog arms once the contestant's code runs.
    opts = { stallMs: stall_s * 1000, armOn: (p) => p.phase !== 'load' };
  } else if (recipe) {
    args = { submission, recipe };
  } else if (bytes) {
    args = { submission, bytes: fromBase64(bytes) };
  } else {
    throw new Error('nothing to run: the job has no recipe, package or kernel');
  }
  const artifact = wasm ? 'kernel' : recipe ? 'recipe' : 'package';
  $('status').textContent = `Running ${label} (${artifact}, seed ${submission.seed})…`;
  let last = 0;
  const onProgress = (p) => {
    const now = performance.now();
    if (now - last < 250 && p.phase !== 'done') return;
    last = now;
    window.__verifyProgress?.(label, Number(p.fraction) || 0);
  };
  try {
    const entry = await runJob(job, args, onProgress, opts).promise;
    row([submission.team, submission.event, artifact, submission.seed, f2(entry.report.timing.speedup), 'measured']);
    $('status').textContent = `Last run: ${label}, ${f2(entry.report.timing.speedup)}.`;
    return entry;
  } catch (e) {
    row([submission.team, submission.event, artifact, submission.seed, '—', e.message]);
    throw e;
  }
}

window.__verify = {
  ready: engine.request('hello').then(({ version, environment }) => {
    $('status').textContent = `Engine ${version} ready in ${environment.user_agent}; waiting for board:verify.`;
    document.body.dataset.state = 'ready';
    return { version, environment };
  }, (e) => {
    $('status').textContent = `Error: ${e.message}`;
    document.body.dataset.state = 'error';
    throw e;
  }),
  run,
};
