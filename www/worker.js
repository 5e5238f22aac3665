// The engine's worker: runs the engine's wasm modules off the main thread. Only wiring — every figure,
// rank, merge and share payload is computed in Rust (see docs/engine-api.md).
//
// Protocol (www/engine.js is the other end):
//   in : { id, type, args }                    one request; `init` may carry the compiled run module
//   out: { id, progress: {phase, fraction, message} }   zero or more, while a long call runs
//        { id, ok: true, value } | { id, ok: false, error }
// A run is cancelled by terminating this worker (the page then starts a fresh one).
import * as run from './pkg-run/tinymlperf.js';
import * as weights from './weights.js';
import * as relaxed from './relaxed.js';
// The kernel reader's glue, imported on first use: custom kernels only (www/kernelcheck.js).
const kernelcheck = () => import('./kernelcheck.js');

// The engine comes as three modules built from the same Rust code with different exports
// (src/wasm_api/mod.rs, scripts/build.sh), so a first visit downloads only what its first run needs:
//   run    — run an event, inspect and score a package (www/pkg-run; the page compiles it at load);
//   ledger — entries only: boards, merges, exports, share links, verdicts (www/pkg-ledger);
//   full   — everything: custom-kernel entries, the kernel benchmarks, reference logits (www/pkg).
// A request names its module here; modules other than the run module load on first use.
const MODULE_OF = {
  hello: 'run', 'run-event': 'run', submit: 'run', inspect: 'run',
  boards: 'ledger', merge: 'ledger', reproduce: 'ledger', union: 'ledger', export: 'ledger', 'export-csv': 'ledger', 'encode-share': 'ledger', 'decode-share': 'ledger',
  // `version` is the bench page's first request, before its kernel benchmarks.
  'submit-custom': 'full', version: 'full', gemm: 'full', 'bench-kernels': 'full', 'reference-logits': 'full',
};
const GLUE = { run: async () => run, ledger: () => import('./pkg-ledger/tinymlperf.js'), full: () => import('./pkg/tinymlperf.js') };
const loaded = new Map(); // module → Promise<its exports>
let given = null; // the run module, compiled by the page (`init`)
// The one module that runs models in this worker: the relaxed-SIMD kernels bind to its memory and the
// weights are handed to it (www/relaxed.js, www/weights.js). The page gives each job its own worker.
let computing = null;

function load(kind) {
  if (!loaded.has(kind)) {
    if (kind !== 'ledger') {
      if (computing && computing !== kind) throw new Error(`this worker runs models in the ${computing} module; a ${kind}-module request needs its own worker`);
      computing = kind;
    }
    loaded.set(kind, GLUE[kind]().then(async (glue) => {
      const exports = await glue.default(kind === 'run' && given ? { module_or_path: given } : undefined);
      if (kind !== 'ledger') await relaxed.install(glue, exports);
      return glue;
    }).catch((e) => {
      // A module that did not load (offline, say) is tried again at the next request that needs it.
      loaded.delete(kind);
      if (computing === kind) computing = null;
      throw new Error(`could not load the engine's ${kind} module: ${e.message ?? e}`);
    }));
  }
  return loaded.get(kind);
}

function need(engine, name) {
  const f = engine[name];
  if (typeof f !== 'function') throw new Error(`this build of the engine has no ${name}() — rebuild it (bash scripts/build.sh)`);
  return f;
}

// Each handler gets the exports of its module (MODULE_OF); `inspect-kernel` needs none of them.
const handlers = {
  version: (engine) => need(engine, 'version')(),
  // Everything the page needs before anything runs.
  hello: (engine) => ({ version: need(engine, 'version')(), environment: need(engine, 'environment')(), events: need(engine, 'listEvents')(), limits: need(engine, 'limits')() }),
  // One event of "Run all events": the SIMD128 fp32 recipe, gated, profiled and scored by the engine.
  'run-event': (engine, { event, budget_s, seed }, progress) => {
    const bytes = need(engine, 'buildRecipe')({ event, quantize: false, sparsity: 0, kernels: 'simd128' });
    const submission = { team: 'this browser', event, description: 'SIMD128 fp32 kernels (reference run)', url: '', budget_s };
    if (seed !== undefined) submission.seed = seed;
    return need(engine, 'submitEntry')(submission, bytes, progress);
  },
  // A competition entry: a built-in recipe or uploaded package bytes.
  submit: (engine, { submission, recipe, bytes }, progress) => {
    const pkg = recipe ? need(engine, 'buildRecipe')(recipe) : new Uint8Array(bytes);
    return need(engine, 'submitEntry')(submission, pkg, progress);
  },
  // An entry with its own WebAssembly kernel; the page's watchdog terminates this worker if it hangs.
  'submit-custom': (engine, { submission, wasm, pkg }, progress) =>
    need(engine, 'submitCustomEntry')(submission, new Uint8Array(wasm), pkg ? new Uint8Array(pkg) : undefined, progress),
  // The kernel reader's module (www/kernelcheck.js), loaded for these two requests only.
  'inspect-kernel': async (engine, { bytes }) => (await kernelcheck()).inspect(new Uint8Array(bytes)),
  inspect: (engine, { recipe, bytes, event }) => need(engine, 'inspectPackage')(recipe ? need(engine, 'buildRecipe')(recipe) : new Uint8Array(bytes), event),
  boards: (engine, { entries, event }) => need(engine, 'leaderboards')(entries, event),
  // `source` (a file name, "share link", a board URL): every entry read from `text` becomes self-reported from it.
  merge: (engine, { existing, text, source }) => need(engine, 'mergeEntries')(existing, text, source ?? undefined),
  // Whether a re-run here reproduces a claim (a share link's entry): the engine's verdict.
  reproduce: (engine, { claim, rerun }) => need(engine, 'reproduceClaim')(claim, rerun),
  // The course board and the visitor's entries as one list: the engine's merge, deduplicated by hash.
  union: (engine, { a, b }) => need(engine, 'mergeEntries')(a, need(engine, 'exportEntries')(b)).entries,
  export: (engine, { entries }) => need(engine, 'exportEntries')(entries),
  'export-csv': (engine, { entries }) => need(engine, 'exportCsv')(entries),
  'encode-share': (engine, { entry }) => need(engine, 'encodeShare')(entry),
  'decode-share': (engine, { fragment }) => need(engine, 'decodeShare')(fragment),
  // Kernel check (www/bench.html).
  gemm: (engine, { shapes, batchMs, rounds }, progress, partial) => {
    for (const [i, [m, k, n]] of shapes.entries()) {
      progress({ phase: 'gemm', fraction: i / shapes.length, message: `${m}×${k}×${n}` });
      partial(need(engine, 'gemmDemo')(m, k, n, batchMs, rounds));
    }
    return true;
  },
  'bench-kernels': (engine, args) => need(engine, 'benchKernels')(Boolean(args?.quick), args?.models !== false),
  // The reference model's logits on given inputs (scripts/bench-peers.mjs checks other engines against them).
  'reference-logits': (engine, { event, input, batch }) => need(engine, 'referenceLogits')(event, new Float32Array(input), batch),
};

self.onmessage = async (ev) => {
  const { id, type, args } = ev.data;
  try {
    if (type === 'init') {
      given = args?.module ?? given;
      self.postMessage({ id, ok: true, value: true });
      return;
    }
    const h = handlers[type];
    if (!h) throw new Error(`unknown request '${type}'`);
    const engine = MODULE_OF[type] ? await load(MODULE_OF[type]) : null;
    const progress = (p) => self.postMessage({ id, progress: p ?? {} });
    const partial = (value) => self.postMessage({ id, partial: value });
    // The event's weights before the call (www/weights.js); a failed fetch is reported where the engine
    // needs the file, and a file the engine asks for that was not foreseen is fetched and the call re-run.
    if (engine) await weights.ensure(engine, weights.needed(type, args)).catch(() => {});
    if (type === 'submit-custom') await (await kernelcheck()).install();
    let value;
    for (const tried = new Set(); ;) {
      try { value = await h(engine, args ?? {}, progress, partial); break; } catch (e) {
        const name = weights.missing(e);
        if (!name || tried.has(name) || !engine) throw e;
        tried.add(name);
        await weights.ensure(engine, [name]);
      }
    }
    self.postMessage({ id, ok: true, value });
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e && e.message ? e.message : e) });
  }
};
