// `npm run board:verify -- [options] BOARD.json…` — an instructor re-measures a course board on their
// own machine. Scores measured on a student's machine can be edited before they arrive; this runs every
// entry's artifact again, in headless Chromium (Debian's /usr/bin/chromium through playwright-core, as
// tests/e2e/harness.mjs launches it; never a downloaded browser), through the page's own worker jobs
// (www/verify.html), with a fresh seed per entry, and lets the engine judge the claim.
//
//   -o FILE            output board (default board-verified.json)
//   --workers N        pages measuring at once in the one browser (default: half the cores, ≥ 1)
//   --shard i/n        only the entries with sha256(entry key) mod n = i − 1 (for a CI matrix)
//   --seed S           base seed; an entry's seed = f(S, event, team, architecture), so shards and one run agree
//   --budget S         timing budget per run, seconds (default 10)
//   --artifacts DIR    packages and .wasm kernels students handed in, matched by sha256
//   --merge-shards     the inputs are this script's shard outputs: merge them into one board
//
// Per entry: find the artifact (a built-in recipe, rebuilt in the page's worker; a package or kernel
// file from --artifacts; a package_url over http(s)), run it until two consecutive runs agree
// (engine runsAgree) or MAX_RUNS, then engine verifiedEntry(claim, runs, now): the verifier's own
// median run, marked verified, with the verdict on the claim. Entries without an artifact stay
// self-reported ("unverified"). The output is an engine export (importable by mergeEntries, loadable
// with ?board=) plus {verifier, results}. All figures, verdicts and merges are the Rust engine's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadEngine as loadMergeEngine } from './board-merge.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The engine in Node (as board:merge loads it), with the reference weights handed over when this build
 * fetches them on demand (the page's build: www/weights.js does the same in the worker), so recipes can
 * be rebuilt here to check their hash. The engine refuses weights whose SHA-256 it did not record.
 */
export async function loadEngine() {
  const engine = await loadMergeEngine();
  if (typeof engine.provideWeights === 'function') {
    const dir = path.join(ROOT, 'weights');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.safetensors'))) {
      engine.provideWeights(f.replace(/\.safetensors$/, ''), fs.readFileSync(path.join(dir, f)));
    }
  }
  return engine;
}

const USAGE = `usage: npm run board:verify -- [-o out.json] [--workers N] [--shard i/n] [--seed S] [--budget S]
                            [--artifacts DIR] BOARD_OR_EXPORT.json…
       npm run board:verify -- --merge-shards -o board.json SHARD.json…`;
/** provenance::MAX_RUNS (not exported by the engine): most runs made of one entry. */
export const MAX_RUNS = 4;

export const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
/** The fresh seed of an entry: a function of the base seed and the entry key only (< 2^52, exact in JS). */
export const seedFor = (base, key) => parseInt(sha256(`tinymlperf-board-verify\0${base}\0${key}`).slice(0, 13), 16);
/**
 * What an entry's seed is drawn for: its event, its team (the normalized name, from its key
 * `<hash>:<team>`) and its architecture — not its artifact. Byte-different copies of one model by one
 * team then meet the same fresh check inputs and get one verdict, instead of one draw each: the closed
 * division's 99% agreement line carries seed noise, and every extra seed was another ticket past it.
 */
export const drawKey = (entry, key) => `${entry.event}\0${key.slice(key.indexOf(':') + 1)}\0${entry.architecture}`;
/** 0-based shard of an entry key among n. */
export const shardOf = (key, n) => parseInt(sha256(key).slice(0, 8), 16) % n;

export function parseShard(s) {
  const m = /^(\d+)\/(\d+)$/.exec(String(s ?? ''));
  if (!m || +m[2] < 1 || +m[1] < 1 || +m[1] > +m[2]) throw new Error(`--shard wants i/n with 1 ≤ i ≤ n, got '${s}'`);
  return { i: +m[1], n: +m[2] };
}

const fmt = {
  x: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '—'),
  pct: (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : '—'),
  dur: (ms) => {
    if (!Number.isFinite(ms) || ms < 0) return '—';
    const s = Math.round(ms / 1000);
    return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  },
};

/** Reads boards/exports into one keyed list, every entry marked self-reported from its file. */
export function readInputs(engine, files) {
  let entries = [], keys = [];
  for (const file of files) {
    let r;
    try {
      r = engine.mergeEntries(entries, fs.readFileSync(file, 'utf8'), path.basename(file));
    } catch (e) {
      throw new Error(`${file}: ${e.message ?? e}`);
    }
    entries = r.entries;
    keys = r.keys;
  }
  return { entries, keys };
}

/** sha256 → file, for every file under dir. */
function indexArtifacts(dir) {
  const index = new Map();
  if (!dir) return index;
  const walk = (d) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile()) index.set(sha256(fs.readFileSync(p)), p);
    }
  };
  walk(dir);
  return index;
}

async function download(url, limit) {
  if (!/^https?:\/\//.test(url)) return null;
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${res.statusText}`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > limit) throw new Error(`${url}: ${buf.length} bytes, over the ${limit}-byte limit`);
  return buf;
}

/**
 * Where an entry's artifact is: {kind: 'recipe', recipe} | {kind: 'package', bytes, from} |
 * {kind: 'kernel', wasm, pkg, from} | {kind: null, why}. Every candidate is checked by sha256 against
 * the claim before it is used (a recipe is rebuilt by the engine in Node for that check; the run
 * itself rebuilds it in the page's worker).
 */
async function findArtifact(engine, entry, artifacts, limits, urlCache, recipeCache) {
  const fromUrl = async (url) => {
    if (!/^https?:\/\//.test(url ?? '')) return null;
    if (!urlCache.has(url)) urlCache.set(url, download(url, limits.max_package_bytes).catch((e) => ({ error: e.message })));
    return urlCache.get(url);
  };
  if (entry.kernel) {
    const want = entry.kernel.sha256;
    let wasm = null, from = null;
    if (artifacts.has(want)) { wasm = fs.readFileSync(artifacts.get(want)); from = path.basename(artifacts.get(want)); }
    const got = await fromUrl(entry.package_url);
    if (!wasm && Buffer.isBuffer(got) && sha256(got) === want) { wasm = got; from = entry.package_url; }
    if (!wasm) return { kind: null, why: `its kernel (sha256 ${want.slice(0, 12)}…) was not handed in` };
    // The entry's hash covers the kernel and its weights: its own package, or the event's reference.
    const pkgs = [...artifacts.values()].map((p) => [fs.readFileSync(p), path.basename(p)]);
    if (Buffer.isBuffer(got)) pkgs.push([got, entry.package_url]);
    for (const [p, name] of pkgs) {
      if (sha256(Buffer.concat([wasm, p])) === entry.hash) return { kind: 'kernel', wasm, pkg: p, from: `${from} + ${name}` };
    }
    return { kind: 'kernel', wasm, pkg: null, from, reference_weights: true };
  }
  if (entry.recipe) {
    const id = JSON.stringify(entry.recipe);
    if (!recipeCache.has(id)) {
      try { recipeCache.set(id, sha256(engine.buildRecipe(entry.recipe))); } catch { recipeCache.set(id, null); /* an unknown recipe: try the others */ }
    }
    const rebuilt = recipeCache.get(id);
    if (rebuilt === entry.hash) return { kind: 'recipe', recipe: entry.recipe, from: 'built-in recipe' };
  }
  if (artifacts.has(entry.hash)) return { kind: 'package', bytes: fs.readFileSync(artifacts.get(entry.hash)), from: path.basename(artifacts.get(entry.hash)) };
  const got = await fromUrl(entry.package_url);
  if (Buffer.isBuffer(got) && sha256(got) === entry.hash) return { kind: 'package', bytes: got, from: entry.package_url };
  if (got?.error) return { kind: null, why: `its package_url could not be downloaded (${got.error})` };
  if (Buffer.isBuffer(got)) return { kind: null, why: `the file at its package_url has sha256 ${sha256(got).slice(0, 12)}…, the entry ${entry.hash.slice(0, 12)}…` };
  if (entry.recipe) return { kind: null, why: 'its recipe no longer builds the same package in this engine, and no file was handed in' };
  return { kind: null, why: 'no package_url, no recipe and no file in --artifacts with its sha256' };
}

/** A terminal progress bar with an ETA on stderr (one line per finished entry when not a terminal). */
class Progress {
  constructor(total) {
    Object.assign(this, { total, done: 0, runs: 0, t0: Date.now(), live: new Map(), tty: Boolean(process.stderr.isTTY) });
    if (this.tty) this.timer = setInterval(() => this.draw(), 500);
  }
  /** Entries done, counting the running ones by their runs so far (an entry takes ≥ 2 runs). */
  equivalent() {
    const perEntry = this.done ? Math.max(2, this.runs / this.done) : 2.2;
    let eq = this.done;
    for (const { runs, fraction } of this.live.values()) eq += Math.min(0.95, (runs + fraction) / perEntry);
    return eq;
  }
  eta() {
    const eq = this.equivalent();
    return eq > 0.05 ? ((Date.now() - this.t0) * (this.total - eq)) / eq : NaN;
  }
  update(label, runs, fraction) { this.live.set(label, { runs, fraction }); }
  finish(label, line, runs) {
    this.live.delete(label);
    this.done++;
    this.runs += runs;
    if (this.tty) { process.stderr.write(`\r\x1b[2K${line}\n`); this.draw(); } else process.stderr.write(`[${String(this.done).padStart(String(this.total).length)}/${this.total}] ${line}  (elapsed ${fmt.dur(Date.now() - this.t0)}, ETA ${fmt.dur(this.eta())})\n`);
  }
  draw() {
    const width = 30, frac = this.total ? Math.min(1, this.equivalent() / this.total) : 1;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    process.stderr.write(`\r\x1b[2K${bar} ${this.done}/${this.total} entries (${this.runs} runs), ${this.live.size} running  elapsed ${fmt.dur(Date.now() - this.t0)}  ETA ${fmt.dur(this.eta())}`);
  }
  stop() { clearInterval(this.timer); if (this.tty) process.stderr.write('\r\x1b[2K'); }
}

/** Runs one entry in `page` until two consecutive runs agree or MAX_RUNS; returns {runs, error}. */
async function measure(engine, page, label, claim, artifact, seed, budget, progress) {
  const submission = {
    team: claim.team, event: claim.event, description: claim.description, url: claim.url ?? '',
    package_url: claim.package_url ?? '', budget_s: budget, seed, submitted_at: claim.submitted_at,
  };
  const b64 = (b) => (b ? Buffer.from(b).toString('base64') : undefined);
  const job = { label, submission, recipe: artifact.kind === 'recipe' ? artifact.recipe : undefined, bytes: artifact.kind === 'package' ? b64(artifact.bytes) : undefined, wasm: artifact.kind === 'kernel' ? b64(artifact.wasm) : undefined, pkg: artifact.kind === 'kernel' ? b64(artifact.pkg) : undefined };
  const runs = [];
  while (runs.length < MAX_RUNS) {
    progress.update(label, runs.length, 0);
    let run;
    try {
      run = await page.evaluate((j) => window.__verify.run(j), job);
    } catch (e) {
      return { runs, error: String(e.message ?? e).replace(/^page\.evaluate: (Error: )?/, '').split('\n')[0] };
    }
    if (run.hash !== claim.hash) {
      const why = artifact.reference_weights ? 'its kernel was handed in but not the weights package it ran with' : 'the artifact found is not the one the entry claims';
      return { runs, mismatch: `${why} (the run measured ${run.hash.slice(0, 12)}…, the entry claims ${claim.hash.slice(0, 12)}…)` };
    }
    runs.push(run);
    if (runs.length >= 2 && engine.runsAgree(runs[runs.length - 2], run)) break;
  }
  return { runs };
}

async function openVerifierPage(context, url, progress) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.exposeFunction('__verifyProgress', (label, fraction) => {
    const cur = progress.live.get(label);
    if (cur) progress.update(label, cur.runs, fraction);
  });
  await page.goto(new URL('www/verify.html', url).href);
  const hello = await page.evaluate(() => window.__verify.ready).catch((e) => { throw new Error(`the verifier page did not start: ${e.message} ${problems.join(' | ')}`); });
  return { page, hello };
}

/** Verifies `files` (boards/exports); returns the output object. */
export async function verify({ files, workers, shard = null, seed, budget = 10, artifactsDir = null, log = (s) => process.stdout.write(`${s}\n`) }) {
  const engine = await loadEngine();
  for (const f of ['verifiedEntry', 'runsAgree', 'entryKey', 'engineOf', 'buildRecipe']) {
    if (typeof engine[f] !== 'function') throw new Error(`this engine build has no ${f}(): rebuild www/pkg (bash scripts/build.sh)`);
  }
  const { entries: all, keys } = readInputs(engine, files);
  const boardId = sha256([...keys].sort().join('\n'));
  const mine = all.map((entry, index) => ({ entry, index, key: keys[index], seed: seedFor(seed, drawKey(entry, keys[index])) }))
    .filter((x) => !shard || shardOf(x.key, shard.n) === shard.i - 1);
  const artifacts = indexArtifacts(artifactsDir);
  const limits = engine.limits();
  const urlCache = new Map(), recipeCache = new Map();
  for (const x of mine) x.artifact = await findArtifact(engine, x.entry, artifacts, limits, urlCache, recipeCache);
  const todo = mine.filter((x) => x.artifact.kind);
  log(`board:verify: ${all.length} entries in ${files.length} file(s)${shard ? `, shard ${shard.i}/${shard.n}: ${mine.length}` : ''}; ${todo.length} with an artifact, ${mine.length - todo.length} unverified; ${workers} worker(s), budget ${budget} s, base seed ${seed}`);

  const { start } = await import('../tests/e2e/harness.mjs');
  const env = await start();
  const progress = new Progress(todo.length);
  let hello = null;
  try {
    const queue = [...todo];
    const pages = [];
    for (let w = 0; w < Math.min(workers, Math.max(1, todo.length)); w++) {
      const p = await openVerifierPage(env.context, env.url, progress);
      hello ??= p.hello;
      pages.push(p.page);
    }
    await Promise.all(pages.map(async (first) => {
      let page = first;
      for (let x = queue.shift(); x; x = queue.shift()) {
        const label = `${x.index}`;
        const t0 = Date.now();
        let out;
        out = await measure(engine, page, label, x.entry, x.artifact, x.seed, budget, progress);
        if (out.error && (page.isClosed() || /Target( page, context or browser)? (has been )?closed|crash/i.test(out.error))) {
          page = (await openVerifierPage(env.context, env.url, progress)).page;
        }
        x.ms = Date.now() - t0;
        x.out = out;
        // A run the engine refused (rejected on the fresh seed, a stalled kernel) is the outcome, even
        // after earlier runs passed: the entry is not verified.
        if (out.runs.length && !out.mismatch && !out.error) {
          try { x.verification = engine.verifiedEntry(x.entry, out.runs, Date.now()); } catch (e) { out.error = e.message ?? String(e); }
        }
        const v = x.verification;
        progress.finish(label, `${(v?.status ?? (out.mismatch ? 'unverified' : 'error')).padEnd(14)} ${x.entry.team} / ${x.entry.event}: ${v ? `${fmt.x(v.verdict.measured_speedup)} (claimed ${fmt.x(v.verdict.claimed_speedup)}), ${out.runs.length} runs` : (out.mismatch ?? out.error)}`, out.runs.length);
      }
    }));
  } finally {
    progress.stop();
    await env.stop();
  }

  // Results and entries in the input's order, whatever order the workers finished in.
  const results = [], outEntries = [];
  for (const x of mine) {
    const v = x.verification;
    const r = { index: x.index, key: x.key, team: x.entry.team, event: x.entry.event, seed: x.seed, artifact: x.artifact.from ?? null, claimed_speedup: x.entry.report.timing.speedup };
    if (v) {
      const run = v.entry.provenance.run;
      Object.assign(r, { status: v.status, runs: run.runs, speedups: v.speedups, spread: run.spread, measured_speedup: v.verdict.measured_speedup, summary: v.verdict.summary, ms: x.ms });
      outEntries.push(v.entry);
    } else {
      const why = x.artifact.kind ? (x.out?.mismatch ?? x.out?.error ?? 'no run was made') : x.artifact.why;
      const status = !x.artifact.kind || x.out?.mismatch ? 'unverified' : 'error';
      const speedups = (x.out?.runs ?? []).map((e) => e.report.timing.speedup);
      Object.assign(r, { status, runs: speedups.length, speedups, spread: null, measured_speedup: null, summary: `${status === 'error' ? 'the verifier run failed' : 'unverified'}: ${why}; kept as self-reported`, ms: x.ms ?? 0 });
      outEntries.push(x.entry);
    }
    results.push(r);
  }
  const environment = hello?.environment ?? {};
  const verifier = {
    engine: environment.user_agent ? engine.engineOf(environment.user_agent) : null,
    user_agent: environment.user_agent ?? null,
    build_id: environment.build_id ?? null,
    cores: environment.hardware_concurrency ?? os.availableParallelism?.() ?? os.cpus().length,
    date: new Date().toISOString(),
    base_seed: seed,
    workers,
    shard: shard ? `${shard.i}/${shard.n}` : null,
    budget_s: budget,
    inputs: files.map((f) => path.basename(f)),
    board_id: boardId,
    board_entries: all.length,
    max_runs: MAX_RUNS,
  };
  return output(engine, verifier, outEntries, results);
}

function output(engine, verifier, entries, results) {
  const exported = JSON.parse(engine.exportEntries(entries));
  return { schema: exported.schema, version: exported.version, verifier, entries: exported.entries, results };
}

/** Merges shard outputs into the board one unsharded run gives (same entries, keys, seeds, statuses). */
export async function mergeShards(files) {
  const engine = await loadEngine();
  const shards = files.map((f) => {
    const o = JSON.parse(fs.readFileSync(f, 'utf8'));
    if (!o.verifier || !Array.isArray(o.results)) throw new Error(`${f} is not a board:verify output (no verifier/results)`);
    return { file: f, o };
  });
  if (!shards.length) throw new Error('no shard files given');
  const v0 = shards[0].o.verifier;
  for (const { file, o } of shards) {
    for (const k of ['base_seed', 'budget_s', 'board_id']) {
      if (JSON.stringify(o.verifier[k]) !== JSON.stringify(v0[k])) throw new Error(`${file}: ${k} ${JSON.stringify(o.verifier[k])} differs from ${shards[0].file}'s ${JSON.stringify(v0[k])}: not shards of one verification`);
    }
  }
  const sharded = shards.filter((s) => s.o.verifier.shard);
  if (sharded.length) {
    const n = parseShard(sharded[0].o.verifier.shard).n;
    const seen = new Set(shards.map((s) => s.o.verifier.shard));
    const missing = Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).filter((s) => !seen.has(s));
    if (missing.length || seen.size !== shards.length || sharded.length !== shards.length) throw new Error(`shards do not make one board: have ${[...seen].join(', ')}; missing ${missing.join(', ') || 'none'} (each shard once, all of n = ${n})`);
  }
  let entries = [], keys = [];
  const results = [];
  for (const { file, o } of shards) {
    try {
      const r = engine.mergeEntries(entries, JSON.stringify({ schema: o.schema, version: o.version, entries: o.entries }));
      entries = r.entries; keys = r.keys;
    } catch (e) { throw new Error(`${file}: ${e.message ?? e}`); }
    results.push(...o.results);
  }
  results.sort((a, b) => a.index - b.index);
  if (results.length !== v0.board_entries) throw new Error(`the shards hold ${results.length} results, the board has ${v0.board_entries} entries`);
  const byKey = new Map(keys.map((k, i) => [k, entries[i]]));
  const ordered = results.map((r) => byKey.get(r.key));
  if (ordered.some((e) => !e)) throw new Error('a result has no entry in its shard');
  const same = (k) => { const s = new Set(shards.map(({ o }) => String(o.verifier[k]))); return s.size === 1 ? shards[0].o.verifier[k] : [...s].join(' | '); };
  const verifier = {
    engine: same('engine'), user_agent: same('user_agent'), build_id: same('build_id'), cores: same('cores'),
    date: new Date().toISOString(), base_seed: v0.base_seed, workers: same('workers'), shard: null, budget_s: v0.budget_s,
    inputs: v0.inputs, board_id: v0.board_id, board_entries: v0.board_entries, max_runs: v0.max_runs,
    shards: shards.map(({ o }) => o.verifier),
  };
  return output(engine, verifier, ordered, results);
}

export function summaryTable(out) {
  const rows = out.results.map((r) => [r.team, r.event, fmt.x(r.claimed_speedup), fmt.x(r.measured_speedup), String(r.runs), r.spread == null ? '—' : fmt.pct(r.spread), r.status]);
  const head = ['team', 'event', 'claimed ×', 'measured ×', 'runs', 'spread', 'status'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  const counts = {};
  for (const r of out.results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line), '',
    `${out.results.length} entries: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const opt = { out: 'board-verified.json', workers: Math.max(1, Math.floor(cores / 2)), shard: null, seed: null, budget: 10, artifactsDir: null, merge: false };
  const files = [];
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i], val = () => { if (i + 1 >= args.length) throw new Error(`${a} needs a value`); return args[++i]; };
      if (a === '-o' || a === '--out') opt.out = val();
      else if (a === '--workers') opt.workers = Number(val());
      else if (a === '--shard') opt.shard = parseShard(val());
      else if (a === '--seed') opt.seed = val();
      else if (a === '--budget') opt.budget = Number(val());
      else if (a === '--artifacts') opt.artifactsDir = val();
      else if (a === '--merge-shards') opt.merge = true;
      else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
      else files.push(a);
    }
    if (!files.length) throw new Error('no input files');
    if (!(Number.isInteger(opt.workers) && opt.workers >= 1)) throw new Error('--workers must be a whole number ≥ 1');
    if (!(opt.budget >= 1 && opt.budget <= 600)) throw new Error('--budget must be 1–600 seconds');
    if (opt.artifactsDir && !fs.statSync(opt.artifactsDir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--artifacts ${opt.artifactsDir} is not a directory`);
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    let out;
    if (opt.merge) {
      out = await mergeShards(files);
    } else {
      // A base seed nobody could know before the run, recorded in the output (shards must share one: pass --seed).
      if (opt.seed == null) opt.seed = String(crypto.randomInt(2 ** 31));
      out = await verify({ files, workers: opt.workers, shard: opt.shard, seed: /^\d+$/.test(opt.seed) ? Number(opt.seed) : opt.seed, budget: opt.budget, artifactsDir: opt.artifactsDir });
    }
    fs.mkdirSync(path.dirname(path.resolve(opt.out)), { recursive: true });
    fs.writeFileSync(opt.out, `${JSON.stringify(out, null, 2)}\n`);
    console.log(summaryTable(out));
    console.log(`\nwrote ${opt.out}: ${out.entries.length} entries${opt.merge ? ` merged from ${files.length} shard(s)` : ''}. Publish it and open index.html?board=<its URL>.`);
  } catch (e) {
    console.error(`board:verify failed: ${e.message}`);
    process.exit(1);
  }
}
