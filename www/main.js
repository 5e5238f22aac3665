// The page: wires the workers, IndexedDB and the DOM. No logic lives here — every figure, gate, score,
// rank, merge, export and share payload comes from the Rust engine (docs/engine-api.md) through
// www/worker.js. Modes, all from the URL:
//   ?embed=1&event=ID                      one compact event card for an <iframe>
//   ?events=a,b&budget=S&run=1&seed=N      which events run, the budget per event, start at once;
//                                          seed=N also fixes the run seed of submissions (the same fresh inputs)
//   ?board=URL                             a course leaderboard (JSON from `npm run board:merge`)
//   #share=v1.…                            a shared result, shown without re-running
import { EngineWorker, runJob, compiled } from './engine.js';
import { openStore } from './store.js';
import { politeStatus, handOver } from './a11y.js';
import { seedParam, budgetParam } from './url-params.js';
import { speedupChart, paretoChart, mountChart } from './charts.js';
import { $, h, resultCard, eventCard, notice, setStatus, download, readText, envFacts, asPct, num, int, bytes as bytesFmt, browserName, innovationList, timingOf } from './ui.js';
import { keyedStore, loadOwn, addOwn as addKeyed, allEntries as keyedEntries, keyEntries, boardTables, placeOf } from './boards.js';
import { openVerdicts, verdictFor, mergeFrom, judgeRerun, verdictRecord, verdictView } from './provenance.js';
// Loaded only when the URL asks for them (?board=, ?package=), so a first visit does not download them.
const course = () => import('./course.js');
const packageUrl = () => import('./package-url.js');

const params = new URLSearchParams(location.search);
const EMBED = params.get('embed') === '1';
const state = {
  env: null, events: [], store: null,
  own: new Map(), // entry key (team + artifact, from the engine) → Entry (this browser's, persisted)
  course: [], // Entries of ?board= (self-reported from its URL; a verified board's verified ones as given)
  courseKeys: new Set(), // their entry keys
  verdicts: null, // this browser's re-run verdicts by claim key (www/provenance.js)
  results: new Map(), // event → Entry of the latest "Run all events"
  boardEvent: null, job: null,
};
// For scripts (npm run bench, the e2e tests): read-only views of what the page shows.
window.__tinymlperf = { state, ready: false, get results() { return [...state.results.values()]; } };

let engine;
const eventInfo = (id) => state.events.find((e) => e.id === id);
const eventTitle = (id) => eventInfo(id)?.title ?? id;
// ?budget= and ?seed= as the engine takes them (a bad value is ignored, with a notice: urlNotices).
const URL_BUDGET = budgetParam(params.get('budget'), 10);
const URL_SEED = seedParam(params.get('seed'));
const budget = () => Number(URL_BUDGET.value ?? $('budget')?.value ?? 10);
// A custom-kernel submission's worker is terminated when it posts no progress for this long once the
// contestant's code runs (?stall=… seconds, for tests): the engine reports progress every few calls,
// so only a call that hangs gets here. Built-in recipes run only the engine's own code.
const STALL_MS = 1000 * Number(params.get('stall') ?? 10);

// ---------------------------------------------------------------- boot
window.addEventListener('error', (e) => fatal(e.message));
window.addEventListener('unhandledrejection', (e) => fatal(e.reason?.message ?? String(e.reason)));
function fatal(msg) {
  notice('error', 'Something went wrong:', `${msg}. Reload the page to start again; your saved entries are not affected.`, { id: 'fatal' });
}

function simdSupported() {
  // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
  return WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]));
}

async function boot() {
  if (typeof WebAssembly !== 'object' || !simdSupported()) {
    notice('error', 'This browser cannot run the engine.', 'It lacks WebAssembly SIMD (fixed-width 128-bit vectors), which every entry and the profiler are built with. Chrome or Edge 91+, Firefox 89+ and Safari 16.4+ have it.');
    $('version').textContent = 'engine unavailable';
    document.body.dataset.state = 'unsupported';
    return;
  }
  engine = new EngineWorker();
  const storeP = openStore();
  let hello;
  try {
    hello = await engine.request('hello');
  } catch (e) {
    notice('error', 'The engine did not start:', e.message);
    $('version').textContent = 'engine unavailable';
    document.body.dataset.state = 'error';
    return;
  }
  state.env = hello.environment;
  state.events = hello.events;
  state.limits = hello.limits;
  $('version').textContent = `TinyMLPerf engine ${hello.version}`;
  renderEnvironment();
  if (URL_BUDGET.problem) notice('warn', 'Ignored budget:', URL_BUDGET.problem, { id: 'budget-warning' });
  if (URL_SEED.problem) notice('warn', 'Ignored seed:', URL_SEED.problem, { id: 'seed-warning' });
  if (EMBED) return bootEmbed();

  state.store = keyedStore(await storeP);
  if (!state.store.persistent) {
    notice('warn', 'Your entries will not be saved.', `This browser refused storage (${state.store.reason}), as private windows often do. Entries stay in memory until you close the tab: export them to keep them.`, { id: 'storage-warning' });
  }
  state.own = await loadOwn(state.store, engine); // records stored under their hash move to their key
  state.verdicts = await openVerdicts();

  setupRun();
  setupSubmit();
  if (params.get('package') !== null) { // ?package=URL
    packageUrl().then(({ loadPackageParam }) => loadPackageParam({ params, engine, events: state.events, limits: state.limits, onFile: setUpload }))
      .catch((e) => setStatus($('submit-status'), `The package in this link could not be loaded: ${e.message}`, 'error'));
  }
  setupBoards();
  setupEmbedSnippets();
  await loadCourseBoard();
  await refreshBoards();
  window.addEventListener('hashchange', openShared);
  openShared();
  document.body.dataset.state = 'ready';
  window.__tinymlperf.ready = true;
  if (params.get('run') === '1') runAll();
}

function renderEnvironment() {
  const f = envFacts(state.env);
  const isolated = f.isolated ?? self.crossOriginIsolated;
  const dl = $('env');
  dl.replaceChildren(
    h('dt', {}, 'Browser'), h('dd', {}, `${browserName(f.ua || navigator.userAgent)}${f.cores ? `, ${f.cores} logical cores` : ''}`),
    h('dt', {}, 'Cross-origin isolated'), h('dd', { id: 'isolated' }, isolated ? 'yes' : 'no'),
    h('dt', {}, 'Timer resolution'), h('dd', { id: 'clock' }, Number.isFinite(f.resolutionUs) ? `${num(f.resolutionUs, 1)} µs (measured${f.scope ? `, ${f.scope}` : ''})` : '—'),
    h('dt', {}, 'WebAssembly SIMD'), h('dd', {}, f.simd === false ? 'no' : 'yes'),
    ...(f.build ? [h('dt', {}, 'Build'), h('dd', {}, f.build)] : []));
  if (!isolated) {
    notice('warn', 'Timers are coarse here.', `This page is not cross-origin isolated (the host did not send COOP/COEP headers and the helper service worker could not add them), so the browser rounds performance.now(): ${Number.isFinite(f.resolutionUs) ? `the engine measured a resolution of ${int(f.resolutionUs)} µs here` : 'coarsely'}. The profiler compensates by timing long batches of inferences: results stay valid, but confidence intervals are wider and short runs may be marked unstable.`, { id: 'isolation-warning' });
  } else if (f.resolutionUs > 20) {
    notice('warn', 'Timers are coarse here.', `The measured timer resolution is ${num(f.resolutionUs, 0)} µs. The profiler times longer batches to compensate, so runs take longer and confidence intervals are wider.`, { id: 'timer-warning' });
  }
  if (f.simd === false) notice('warn', 'No WebAssembly SIMD.', 'The SIMD128 entries cannot run in this browser; only the scalar baseline can.', { id: 'simd-warning' });
  for (const w of f.warnings) if (!/isolat|resolution|SIMD/i.test(w)) notice('info', 'Note:', w);
}

// ---------------------------------------------------------------- run all events
function selectedEvents() {
  return [...document.querySelectorAll('#event-checks input:checked')].map((i) => i.value);
}

function setupRun() {
  const wanted = params.get('events')?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((id) => !eventInfo(id)) ?? [];
  if (unknown.length) notice('warn', 'Unknown event in the URL:', `${unknown.join(', ')}. The events are ${state.events.map((e) => e.id).join(', ')}.`);
  $('event-checks').replaceChildren(...state.events.map((e) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: e.id, checked: !wanted || wanted.includes(e.id) || undefined }), ` ${e.title ?? e.id}`)));
  const b = URL_BUDGET.value === undefined ? null : String(URL_BUDGET.value);
  if (b !== null) {
    if (![...$('budget').options].some((o) => o.value === b)) $('budget').append(h('option', { value: b }, `${b} s (from the URL)`));
    $('budget').value = b;
  }
  renderPendingCards();
  $('event-checks').addEventListener('change', renderPendingCards);
  $('run-all').disabled = false;
  $('run-all').addEventListener('click', runAll);
  $('cancel-run').addEventListener('click', () => state.job?.cancel());
}

function renderPendingCards() {
  if (state.running) return;
  const ids = selectedEvents();
  $('cards').replaceChildren(...ids.map((id) => (state.results.has(id) ? resultCardFor(state.results.get(id)) : eventCard(eventInfo(id)))));
}

function resultCardFor(entry) {
  return resultCard(entry, eventInfo(entry.event), { hideTeam: true, actions: [shareButton(entry)] });
}

function shareButton(entry) {
  return h('button', { type: 'button', class: 'share', onclick: (ev) => shareEntry(entry, ev.currentTarget) }, 'Share link');
}

async function shareEntry(entry, button) {
  try {
    const payload = await engine.request('encode-share', { entry });
    const url = `${location.origin}${location.pathname}#share=${payload}`;
    const box = button.closest('.card-actions') ?? button.parentElement;
    box.querySelector('.share-out')?.remove();
    const input = h('input', { class: 'share-url', readonly: true, value: url, 'aria-label': 'Share link', onfocus: (e) => e.target.select() });
    const out = h('div', { class: 'share-out' }, input, h('a', { class: 'share-link', href: url, target: '_blank', rel: 'noopener' }, 'open'));
    box.append(out);
    try { await navigator.clipboard.writeText(url); button.textContent = 'Link copied'; } catch { input.focus(); }
  } catch (e) {
    button.textContent = `Could not make a link: ${e.message}`;
  }
}

function fmtEta(s) {
  if (!Number.isFinite(s) || s < 0) return '';
  if (s < 60) return `about ${Math.max(1, Math.round(s))} s left`;
  return `about ${Math.floor(s / 60)} min ${Math.round(s % 60)} s left`;
}

async function runAll() {
  if (state.running) return;
  const ids = selectedEvents();
  if (!ids.length) { setStatus($('run-status'), 'Pick at least one event.', 'error'); $('run-progress').hidden = false; return; }
  state.running = true;
  document.body.dataset.run = 'running';
  $('cancel-run').hidden = false;
  const focusBack = handOver($('run-all'), $('cancel-run')); // the focus stays on a usable button
  $('run-all').disabled = true;
  const live = politeStatus($('run-status')); // progress is spoken about once a second
  $('run-progress').hidden = false;
  const bar = $('run-bar');
  const s = budget();
  const cards = new Map(ids.map((id) => [id, eventCard(eventInfo(id), { status: 'Waiting…' })]));
  $('cards').replaceChildren(...cards.values());
  const t0 = performance.now();
  let outcome = 'done';
  for (const [i, id] of ids.entries()) {
    const card = cards.get(id);
    card.dataset.state = 'running';
    card.querySelector('.card-progress').hidden = false;
    const cardBar = card.querySelector('progress');
    const cardStatus = card.querySelector('.card-status');
    cardStatus.removeAttribute('role'); // #run-status speaks for the run
    cardStatus.textContent = 'Starting a worker…';
    const onProgress = (p) => {
      const frac = Math.min(1, Math.max(0, p.fraction ?? 0));
      cardBar.value = frac;
      cardStatus.textContent = p.message || p.phase || 'Running…';
      const overall = (i + frac) / ids.length;
      bar.value = overall;
      const elapsed = (performance.now() - t0) / 1000;
      const eta = overall > 0.02 ? (elapsed * (1 - overall)) / overall : (ids.length - i) * s;
      live.set(`Event ${i + 1} of ${ids.length}: ${eventTitle(id)} — ${p.message || p.phase || 'running'} · ${fmtEta(eta)}`);
    };
    onProgress({ fraction: 0, message: 'loading the engine' });
    state.job = runJob('run-event', { event: id, budget_s: s, seed: URL_SEED.value }, onProgress);
    try {
      const entry = await state.job.promise;
      state.results.set(id, entry);
      card.replaceWith(resultCardFor(entry));
      cards.set(id, document.querySelector(`#cards .card[data-event="${id}"]`));
    } catch (e) {
      if (e.name === 'CancelledError') {
        outcome = 'cancelled';
        for (const rest of ids.slice(i)) {
          const c = cards.get(rest);
          c.dataset.state = 'cancelled';
          c.querySelector('.card-progress').hidden = true;
          c.querySelector('.card-status').textContent = 'Cancelled: the worker was stopped.';
        }
        break;
      }
      outcome = 'error';
      card.dataset.state = 'error';
      card.querySelector('.card-progress').hidden = true;
      setStatus(cardStatus, `Error: ${e.message}`, 'error');
    }
  }
  state.job = null;
  state.running = false;
  $('run-all').disabled = false;
  focusBack();
  $('cancel-run').hidden = true;
  const elapsed = (performance.now() - t0) / 1000;
  bar.value = outcome === 'done' ? 1 : bar.value;
  // The final status says the result, not only that the run ended.
  const results = ids.filter((id) => state.results.has(id)).map((id) => {
    const t = timingOf(state.results.get(id).report);
    return `${eventTitle(id)} ${num(t.speedup)}× the scalar baseline (${Math.round((t.ci_level ?? 0.95) * 100)}% CI ${(t.speedup_ci ?? []).map((v) => num(v)).join('–')}×)${t.unstable ? ', unstable' : ''}`;
  });
  live.now({
    done: `Done in ${num(elapsed, 0)} s: ${results.join('; ')}. Every figure was measured in this browser.`,
    cancelled: 'Cancelled. The worker was stopped; nothing else is running.',
    error: 'Finished with errors (see the cards).',
  }[outcome], outcome === 'done' ? 'ok' : outcome === 'error' ? 'error' : '');
  renderSpeedups();
  document.body.dataset.run = outcome;
}

function renderSpeedups() {
  const rows = [...state.results.values()].map((e) => ({
    label: eventTitle(e.event), speedup: timingOf(e.report).speedup, ci: timingOf(e.report).speedup_ci, level: timingOf(e.report).ci_level, unstable: timingOf(e.report).unstable,
  }));
  $('speedup-fig').hidden = rows.length === 0;
  mountChart($('speedup-chart'), (w) => speedupChart(rows, { width: Math.min(w, 900) }));
}

// ---------------------------------------------------------------- submissions
function setupSubmit() {
  const form = $('submit-form');
  $('f-event').replaceChildren(...state.events.map((e) => h('option', { value: e.id }, e.title ?? e.id)));
  $('embed-event').replaceChildren(...state.events.map((e) => h('option', { value: e.id }, e.title ?? e.id)));
  const sparsity = $('r-sparsity');
  const showSparsity = () => { $('r-sparsity-out').textContent = `${Math.round(sparsity.value * 100)}%`; };
  sparsity.addEventListener('input', showSparsity);
  showSparsity();
  for (const r of form.querySelectorAll('input[name="source"]')) {
    r.addEventListener('change', () => {
      $('upload-opts').hidden = form.source.value !== 'upload';
      $('kernel-opts').hidden = form.source.value !== 'kernel';
      $('recipe-opts').hidden = form.source.value !== 'recipe';
    });
  }
  dropZone($('drop-wasm'), $('f-wasm'), setKernel);
  $('f-kernel-pkg').addEventListener('change', async (e) => {
    const f = e.target.files[0];
    state.kernelPkg = null;
    if (!f) return;
    const big = oversize(f, state.limits?.max_package_bytes, 'packages');
    if (big) { setStatus($('submit-status'), `This weights file cannot be used: ${big}.`, 'error'); e.target.value = ''; return; }
    state.kernelPkg = await f.arrayBuffer();
  });
  dropZone($('drop'), $('f-file'), setUpload);
  $('f-event').addEventListener('change', () => state.upload && setUpload(state.upload));
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  $('cancel-submit').addEventListener('click', () => state.submitJob?.cancel());
  $('submit-btn').disabled = false;
}

/** Drag and drop, click or keyboard (Enter, Space) on a drop zone hands one file to `onFile`. */
function dropZone(zone, input, onFile) {
  zone.addEventListener('click', (e) => { if (e.target !== input) input.click(); });
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]);
  });
  input.addEventListener('change', () => input.files[0] && onFile(input.files[0]));
}

/** Why `file` is refused before it is read (over `max` bytes), or null; `what` names the kind of file. */
function oversize(file, max, what) {
  return max && file.size > max ? `the file is ${(file.size / 2 ** 20).toFixed(1)} MiB; ${what} are limited to ${(max / 2 ** 20).toFixed(0)} MiB` : null;
}

// A dropped package is inspected at once, so a bad file is reported before anything runs.
async function setUpload(file) {
  state.upload = file;
  state.uploadBytes = null;
  $('file-name').textContent = `${file.name} (${(file.size / 1024).toFixed(1)} KiB) — checking…`;
  $('submit-result').replaceChildren();
  try {
    const big = oversize(file, state.limits?.max_package_bytes, 'packages');
    if (big) throw new Error(big);
    const bytes = await file.arrayBuffer();
    state.uploadBytes = bytes; // submitted even when rejected here, so the engine's gate gives its verdict
    const info = await engine.request('inspect', { bytes, event: $('f-event').value });
    $('file-name').textContent = `${file.name}: ${info.architecture}, ${int(info.params)} parameters, ${bytesFmt(info.file_bytes)}, ${info.kernels} kernels`;
    $('submit-result').replaceChildren(h('div', { class: 'card inspect' }, h('h3', {}, 'What the scorer will see'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'tensors' },
        h('thead', {}, h('tr', {}, h('th', {}, 'tensor'), h('th', {}, 'dtype'), h('th', {}, 'shape'), h('th', {}, 'zeros'))),
        h('tbody', {}, (info.tensors ?? []).map(([name, dtype, shape, zeros]) => h('tr', {}, h('td', {}, name), h('td', {}, dtype), h('td', {}, shape.join('×')), h('td', {}, `${num(zeros * 100, 0)}%`)))))),
      innovationList(info.innovation)));
    setStatus($('submit-status'), 'Package accepted by the format check. Submit to profile and score it.', 'ok');
  } catch (e) {
    $('file-name').textContent = `${file.name}: rejected`;
    setStatus($('submit-status'), `This package cannot be scored: ${e.message}`, 'error');
  }
}

// A dropped kernel is checked at once (size, validity, no imports, the ABI's exports), before it runs.
async function setKernel(file) {
  state.kernel = null;
  $('wasm-name').textContent = `${file.name} (${(file.size / 1024).toFixed(1)} KiB) — checking…`;
  $('submit-result').replaceChildren();
  try {
    const big = oversize(file, state.limits?.max_kernel_bytes, 'kernels');
    if (big) throw new Error(big);
    const bytes = await file.arrayBuffer();
    const m = await engine.request('inspect-kernel', { bytes });
    state.kernel = bytes;
    $('wasm-name').textContent = `${file.name}: ${int(m.functions)} functions, ${int(m.instructions)} instructions, ${int(m.simd_instructions)} SIMD, ${int(m.int_dot_instructions)} integer-dot in the file (innovation credit counts only what it executes when run)`;
    setStatus($('submit-status'), 'Kernel accepted by the module check. Submit to run, check and time it in its own worker.', 'ok');
  } catch (e) {
    $('wasm-name').textContent = `${file.name}: rejected`;
    setStatus($('submit-status'), `This kernel cannot be run: ${e.message}`, 'error');
  }
}

function recipeFromForm(event) {
  return { event, quantize: $('r-int8').checked, sparsity: Number($('r-sparsity').value), kernels: $('r-simd').checked ? 'simd128' : 'scalar' };
}

async function submit() {
  if (state.submitJob) return;
  const form = $('submit-form');
  const status = $('submit-status');
  const team = $('f-team').value.trim();
  const event = $('f-event').value;
  if (!team) { setStatus(status, 'Enter a team name.', 'error'); $('f-team').focus(); return; }
  const url = $('f-url').value.trim();
  if (url && !/^https?:\/\//.test(url)) { setStatus(status, 'The URL must start with https://', 'error'); $('f-url').focus(); return; }
  const submission = { team, event, description: $('f-desc').value.trim(), url, budget_s: budget(), submitted_at: Date.now() };
  if (URL_SEED.value !== undefined) submission.seed = URL_SEED.value; // ?seed=: a reproducible submission run
  let args, job = 'submit';
  if (form.source.value === 'upload') {
    if (!state.uploadBytes) { setStatus(status, 'Drop a .safetensors package first (or pick a built-in recipe).', 'error'); return; }
    const packageUrl = $('f-package-url').value.trim();
    if (packageUrl && !/^https?:\/\//.test(packageUrl)) { setStatus(status, 'The package URL must start with https://', 'error'); $('f-package-url').focus(); return; }
    submission.package_url = packageUrl;
    args = { submission, bytes: state.uploadBytes };
  } else if (form.source.value === 'kernel') {
    if (!state.kernel) { setStatus(status, 'Drop a valid .wasm kernel first.', 'error'); return; }
    args = { submission, wasm: state.kernel, pkg: state.kernelPkg ?? null };
    job = 'submit-custom';
  } else {
    args = { submission, recipe: recipeFromForm(event) };
  }
  $('cancel-submit').hidden = false;
  const focusBack = handOver($('submit-btn'), $('cancel-submit'));
  $('submit-btn').disabled = true;
  const live = politeStatus(status);
  const bar = $('submit-bar');
  bar.hidden = false; bar.value = 0;
  $('submit-result').replaceChildren();
  live.now('Gating, profiling and scoring in a worker…');
  state.submitJob = runJob(job, args, (p) => {
    bar.value = p.fraction ?? 0;
    live.set(p.message || p.phase || 'Running…');
  }, job === 'submit-custom' ? { stallMs: STALL_MS, armOn: (p) => p.phase !== 'load' } : {});
  try {
    const entry = await state.submitJob.promise;
    const [key] = await addOwn([entry]);
    const boards = await refreshBoards(entry.event);
    const ranks = ['speed', 'innovation', 'composite'].map((k) => `${k} ${placeOf(boards?.[k], key)}`);
    // Open-division ranks are among open entries only: the status says so (faster closed ones may exist).
    const open = (entry.division ?? entry.gate?.division) === 'open';
    live.now(`Scored and saved: ${ranks.join(', ')}${open ? ' in the open division' : ''} on ${eventTitle(entry.event)}.${open ? ' Open entries missed the closed accuracy gate and are ranked apart from closed ones.' : ''}`, 'ok');
    $('submit-result').replaceChildren(resultCard(entry, eventInfo(entry.event), { innovation: true, trustOpen: false, actions: [shareButton(entry)] }));
  } catch (e) {
    const msg = {
      CancelledError: 'Cancelled: nothing was saved.',
      StalledError: `Stopped: the entry showed no progress for ${STALL_MS / 1000} s (a call that never returns?), so its worker was terminated. Your leaderboard is unchanged.`,
    }[e.name] ?? `Not accepted: ${e.message}. Your leaderboard is unchanged.`;
    live.now(msg, e.name === 'CancelledError' ? '' : 'error');
  } finally {
    state.submitJob = null;
    bar.hidden = true;
    $('submit-btn').disabled = false;
    focusBack();
    $('cancel-submit').hidden = true;
  }
}

async function addOwn(entries) {
  return addKeyed(state.store, state.own, engine, entries);
}

// ---------------------------------------------------------------- leaderboards
function setupBoards() {
  const tabs = $('board-tabs');
  state.boardEvent = params.get('event') && eventInfo(params.get('event')) ? params.get('event') : state.events[0]?.id;
  tabs.replaceChildren(...state.events.map((e) => h('button', {
    type: 'button', role: 'tab', id: `tab-${e.id}`, dataset: { event: e.id }, 'aria-controls': 'board-panel',
    onclick: () => refreshBoards(e.id, { focus: true }),
  }, e.title ?? e.id)));
  tabs.addEventListener('keydown', (e) => {
    const i = state.events.findIndex((x) => x.id === state.boardEvent);
    const d = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!d) return;
    const next = state.events[(i + d + state.events.length) % state.events.length];
    refreshBoards(next.id, { focus: true });
  });
  $('export-json').addEventListener('click', async () => {
    download('tinymlperf-entries.json', await engine.request('export', { entries: [...state.own.values()] }), 'application/json');
    setStatus($('board-status'), `Exported ${state.own.size} ${state.own.size === 1 ? 'entry' : 'entries'} as JSON.`, 'ok');
  });
  $('export-csv').addEventListener('click', async () => {
    download('tinymlperf-entries.csv', await engine.request('export-csv', { entries: [...state.own.values()] }), 'text/csv');
    setStatus($('board-status'), `Exported ${state.own.size} ${state.own.size === 1 ? 'entry' : 'entries'} as CSV.`, 'ok');
  });
  $('import-label').addEventListener('click', () => $('import-file').click());
  $('import-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    const max = state.limits?.max_import_bytes;
    if (max && file.size > max) { setStatus($('board-status'), `Could not import ${file.name}: it is larger than ${(max / 2 ** 20).toFixed(0)} MiB. Your leaderboard is unchanged.`, 'error'); return; }
    await importText(file.name, await readText(file));
  });
}

/** Outside data (a file, a share link, a course board) joins the visitor's entries self-reported from `source`. */
async function importFrom(text, source) {
  const res = await mergeFrom(engine, [...state.own.values()], text, source);
  await addOwn(res.entries.filter((x, i) => !state.own.has(res.keys[i])));
  return res;
}

async function importText(name, text) {
  const status = $('board-status');
  try {
    const res = await importFrom(text, `file ${name}`);
    await refreshBoards();
    setStatus(status, `Imported ${name}: ${res.added} new, ${res.duplicates} already on your board. Imported entries are self-reported (file ${name}): not measured in this browser.`, 'ok');
  } catch (e) {
    setStatus(status, `Could not import ${name}: ${e.message}. Your leaderboard is unchanged.`, 'error');
  }
}

// ?board=URL (www/course.js): http(s) only; the box says where it came from and whether it was re-measured.
async function loadCourseBoard() {
  const src = params.get('board');
  if (!src) return;
  const box = $('course-info');
  box.hidden = false;
  const { boardAddress, loadBoard, boardInfo } = await course();
  const where = boardAddress(src);
  if (where.refused) {
    box.classList.add('error');
    box.setAttribute('role', 'alert');
    box.dataset.state = 'refused';
    box.textContent = `${where.refused} Your own entries are shown alone.`;
    return;
  }
  box.textContent = 'Loading the course leaderboard…';
  try {
    const board = await loadBoard(engine, where.url);
    state.course = board.entries;
    state.courseKeys = new Set(board.keys);
    box.dataset.state = board.trusted ? 'verified' : 'self-reported';
    box.replaceChildren(...boardInfo(board, {
      onAdd: async () => {
        const res = await importFrom(board.text, board.source);
        await refreshBoards();
        return `Added ${res.added} (self-reported), ${res.duplicates} already on your leaderboard`;
      },
    }));
  } catch (e) {
    box.classList.add('error');
    box.dataset.state = 'error';
    box.textContent = `The course leaderboard at ${where.url.href} could not be loaded: ${e.message}. Your own entries are shown alone.`;
  }
}

async function refreshBoards(event = state.boardEvent, { focus = false } = {}) {
  if (!event) return null;
  state.boardEvent = event;
  for (const b of $('board-tabs').children) {
    const on = b.dataset.event === event;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  }
  const all = await keyedEntries(engine, state.course, state.own);
  const keys = all.keys.filter((k, i) => all.entries[i].event === event);
  const entries = all.entries.filter((e) => e.event === event);
  // Nothing to rank: the empty boards need no engine, so a first visit does not load the ledger module.
  const boards = entries.length ? await engine.request('boards', { entries, event }) : {};
  const byKey = new Map(keys.map((k, i) => [k, entries[i]]));
  $('board-tables').replaceChildren(...boardTables(boards, {
    isOwn: (k) => state.own.has(k), isCourse: (k) => state.courseKeys.has(k), describe: (k) => byKey.get(k)?.description ?? '',
    entryOf: (k) => byKey.get(k), verdictOf: (k) => verdictFor(state.verdicts, k, byKey.get(k)),
  }));
  const front = new Set(boards.pareto ?? boards.pareto_front ?? []);
  const points = entries.map((e, i) => ({
    label: e.team, latency_ms: timingOf(e.report).candidate.median_ms, accuracy: asPct(e.report.accuracy.candidate),
    bytes: e.report.memory.weight_bytes, kind: state.own.has(keys[i]) && e.provenance?.kind === 'measured_here' ? 'own' : 'course', front: front.has(e.hash),
  }));
  const ref = entries[0]?.report;
  if (ref) points.push({ label: 'scalar baseline', latency_ms: timingOf(ref).baseline.median_ms, accuracy: asPct(ref.accuracy.reference), bytes: ref.memory.reference_weight_bytes, kind: 'baseline' });
  mountChart($('pareto-chart'), (w) => paretoChart(points, { width: Math.min(w, 900), height: w < 500 ? 240 : 320, title: `${eventTitle(event)}: accuracy vs latency` }));
  $('boards').dataset.count = String(entries.length);
  return boards;
}

// ---------------------------------------------------------------- share links
// A link's figures are its author's word (decodeShare marks the entry self-reported, "share link").
// "Re-run in my browser" ends with the engine's verdict (reproduceClaim), kept for the claim
// (www/provenance.js): a claim that was not reproduced is marked so on its card and board row.
async function openShared() {
  const m = location.hash.match(/^#share=(.*)$/s);
  const section = $('shared');
  if (!m) { section.hidden = true; return; }
  section.hidden = false;
  section.dataset.state = 'loading';
  const status = $('shared-status');
  setStatus(status, 'Opening the link…');
  $('shared-body').replaceChildren();
  let entry, key;
  try {
    entry = await engine.request('decode-share', { fragment: decodeURIComponent(m[1]) });
    [key] = (await keyEntries(engine, [entry])).keys;
  } catch (e) {
    section.dataset.state = 'error';
    setStatus(status, `This share link cannot be opened: ${e.message}. It may be cut off (some apps shorten long links) or edited. Ask for the link again, or run the event yourself below.`, 'error');
    return;
  }
  section.dataset.state = 'done';
  const f = envFacts(entry.report.environment);
  setStatus(status, `Entry “${entry.team}” for ${eventTitle(entry.event)}, measured ${entry.submitted_at ? new Date(entry.submitted_at).toLocaleString() : ''} in ${browserName(f.ua)}. Shown as recorded; nothing was re-run: the link's figures are its author's word (self-reported) until this browser reproduces them.`);
  const canRecipe = Boolean(entry.recipe);
  const pkgUrl = entry.package_url || (/\.safetensors(\?.*)?$/i.test(entry.url ?? '') ? entry.url : null);
  const rerun = h('button', { type: 'button', class: 'primary', disabled: !(canRecipe || pkgUrl) || undefined, onclick: () => rerunShared(entry, key, pkgUrl) }, 'Re-run in my browser');
  const add = h('button', {
    type: 'button',
    onclick: async (ev) => {
      const b = ev.currentTarget;
      try {
        const res = await importFrom(JSON.stringify(entry), 'share link');
        await refreshBoards(entry.event);
        b.textContent = res.added ? 'Added to your leaderboard (self-reported)' : 'Already on your leaderboard';
        b.disabled = true;
      } catch (e) {
        b.textContent = `Could not add it: ${e.message}`;
      }
    },
  }, 'Add to my leaderboard');
  const claimCard = () => resultCard(entry, eventInfo(entry.event), { innovation: true, trustOpen: true, actions: [rerun, add], verdict: verdictFor(state.verdicts, key, entry) });
  const verdict = verdictFor(state.verdicts, key, entry);
  $('shared-body').replaceChildren(h('div', { class: 'shared-grid' }, claimCard(), h('div', { id: 'rerun-slot' },
    verdict ? verdictView(verdict, { persistent: state.verdicts.persistent }) : null,
    h('div', { class: 'card pending' }, h('h3', {}, 'Your browser'),
      canRecipe || pkgUrl
        ? h('p', { class: 'hint' }, `“Re-run in my browser” rebuilds this ${canRecipe ? 'recipe' : 'package'} here and runs the same checks with the same run seed (${entry.report.seed}: the same fresh inputs), timed against the same scalar baseline; the engine then says whether this browser reproduces the link's claim. The shared figures stay as they are.`)
        : h('p', { class: 'hint' }, 'This entry was an uploaded package without a download URL, so it can only be viewed: its figures stay self-reported.')))));
  state.sharedCard = claimCard;
  window.__tinymlperf.shared = entry;
}

async function rerunShared(entry, key, pkgUrl) {
  const slot = $('rerun-slot');
  const status = h('p', { class: 'status', role: 'status' }, 'Re-running in a worker…');
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Re-run progress' });
  slot.replaceChildren(h('div', { class: 'card pending' }, h('h3', {}, 'Your browser'), bar, status));
  slot.dataset.state = 'running';
  // The shared run's seed: the same fresh split and timing inputs, so anyone can repeat its checks.
  const submission = { team: entry.team, event: entry.event, description: entry.description, url: entry.url ?? '', package_url: entry.package_url ?? '', budget_s: budget(), seed: entry.report.seed, submitted_at: Date.now() };
  try {
    let args = { submission, recipe: entry.recipe };
    if (!entry.recipe) {
      const res = await fetch(pkgUrl);
      if (!res.ok) throw new Error(`downloading ${pkgUrl} failed: ${res.status}`);
      args = { submission, bytes: await res.arrayBuffer() };
    }
    const job = runJob('submit', args, (p) => { bar.value = p.fraction ?? 0; status.textContent = p.message || p.phase || 'Running…'; });
    const mine = await job.promise;
    status.textContent = 'Comparing with the claim…';
    const verdict = verdictRecord(await judgeRerun(engine, entry, mine));
    await state.verdicts.put(key, verdict);
    slot.replaceChildren(verdictView(verdict, { persistent: state.verdicts.persistent }),
      resultCard(mine, eventInfo(mine.event), { title: 'Re-run in your browser', actions: [shareButton(mine)] }));
    slot.dataset.state = verdict.reproduced ? 'reproduced' : 'not-reproduced';
    // The claim's card and its board row (if it was added) now carry the verdict.
    document.querySelector('#shared .shared-grid > .card.result')?.replaceWith(state.sharedCard());
    await refreshBoards();
  } catch (e) {
    slot.dataset.state = 'error';
    status.textContent = `Re-run failed: ${e.message}`;
    status.classList.add('error');
  }
}

// ---------------------------------------------------------------- embed
function setupEmbedSnippets() {
  const sel = $('embed-event');
  const base = new URL('.', location.href).href;
  const show = () => {
    const ev = sel.value;
    $('embed-iframe').textContent = `<iframe src="${base}?embed=1&event=${ev}" width="420" height="560" style="border:0;max-width:100%" allow="cross-origin-isolated" title="TinyMLPerf: ${eventTitle(ev)}" loading="lazy"></iframe>`;
    $('embed-element').textContent = `<script type="module" src="${base}www/tinymlperf-event.js"></script>\n<tinymlperf-event event="${ev}"></tinymlperf-event>`;
  };
  sel.addEventListener('change', show);
  show();
  for (const b of document.querySelectorAll('button.copy')) {
    b.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText($(b.dataset.copy).textContent); b.textContent = 'Copied'; } catch { b.textContent = 'Select and copy'; }
      setTimeout(() => { b.textContent = 'Copy'; }, 2000);
    });
  }
}

function bootEmbed() {
  const id = params.get('event');
  const info = eventInfo(id);
  const main = $('main');
  const home = new URL('.', location.href).href;
  if (!info) {
    main.replaceChildren($('notices'), h('h1', { class: 'embed-h1' }, 'TinyMLPerf event'), h('div', { class: 'card embed-card error', role: 'alert' }, h('h2', {}, 'Unknown event'),
      h('p', {}, `"${id ?? ''}" is not an event. Use one of: ${state.events.map((e) => e.id).join(', ')}.`)));
    document.body.dataset.state = 'ready';
    return;
  }
  const run = h('button', { type: 'button', class: 'primary' }, 'Run in my browser');
  const cancel = h('button', { type: 'button', hidden: true }, 'Cancel');
  const card = eventCard(info, { status: `Times the SIMD128 entry against the scalar baseline (${budget()} s).`, actions: [run, cancel] });
  card.classList.add('embed-card');
  const foot = h('p', { class: 'embed-foot' }, h('a', { href: `${home}?events=${id}`, target: '_blank', rel: 'noopener' }, 'TinyMLPerf'), ' · runs in your browser');
  // The page's visible h1 (the full page's header is hidden here); it stays when the card is replaced.
  const said = h('p', { class: 'sr-only', role: 'status' }); // outlives the card: says the result
  // Under the page's h1 the card's title is an h2 (the full page's cards sit under section h2s).
  const asH2 = (c) => { c.querySelector('.card-head h3')?.replaceWith(h('h2', { class: 'card-title' }, c.querySelector('.card-head h3').textContent)); return c; };
  asH2(card);
  main.replaceChildren($('notices'), h('h1', { class: 'embed-h1' }, `TinyMLPerf event: ${info.title ?? id}`), card, said, foot);
  let job = null;
  run.addEventListener('click', async () => {
    cancel.hidden = false;
    const focusBack = handOver(run, cancel);
    run.disabled = true;
    const cur = main.querySelector('.card');
    cur.dataset.state = 'running';
    const bar = cur.querySelector('progress'), st = cur.querySelector('.card-status');
    const live = politeStatus(st);
    cur.querySelector('.card-progress').hidden = false;
    job = runJob('run-event', { event: id, budget_s: budget(), seed: URL_SEED.value }, (p) => { bar.value = p.fraction ?? 0; live.set(p.message || p.phase || 'Running…'); });
    try {
      const entry = await job.promise;
      state.results.set(id, entry);
      const t = timingOf(entry.report);
      const done = asH2(resultCard(entry, info, { compact: true, hideTeam: true }));
      const focused = cur.contains(document.activeElement);
      cur.replaceWith(done);
      said.textContent = `Done: ${num(t.speedup)}× the scalar baseline (${Math.round((t.ci_level ?? 0.95) * 100)}% CI ${(t.speedup_ci ?? []).map((v) => num(v)).join('–')}×).`;
      if (focused || document.activeElement === document.body) { done.tabIndex = -1; done.focus(); }
      document.body.dataset.run = 'done';
    } catch (e) {
      cur.querySelector('.card-progress').hidden = true;
      live.now(e.name === 'CancelledError' ? 'Cancelled.' : `Error: ${e.message}`, e.name === 'CancelledError' ? '' : 'error');
      run.disabled = false;
      focusBack();
      cancel.hidden = true;
      cur.dataset.state = e.name === 'CancelledError' ? 'cancelled' : 'error';
    }
  });
  cancel.addEventListener('click', () => job?.cancel());
  document.body.dataset.state = 'ready';
  window.__tinymlperf.ready = true;
  reportHeight();
  if (params.get('run') === '1') run.click();
}

// Tells the embedding page (the <tinymlperf-event> element) how tall the card is, so it never scrolls.
function reportHeight() {
  if (window.parent === window || typeof ResizeObserver !== 'function') return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) { last = height; window.parent.postMessage({ type: 'tinymlperf:height', height }, '*'); }
  }).observe(document.body);
}

// Start compiling the run module now; the page is already painted.
compiled().catch(() => {});
boot();
