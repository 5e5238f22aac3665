// The engine's worker: runs the wasm module off the main thread. Only wiring — every figure, rank,
// merge and share payload is computed in Rust (www/pkg/tinymlperf.js, see docs/engine-api.md).
//
// Protocol (www/engine.js is the other end):
//   in : { id, type, args }                    one request; `init` may carry a compiled WebAssembly.Module
//   out: { id, progress: {phase, fraction, message} }   zero or more, while a long call runs
//        { id, ok: true, value } | { id, ok: false, error }
// A run is cancelled by terminating this worker (the page then starts a fresh one).
import init, * as engine from './pkg/tinymlperf.js';
import * as weights from './weights.js';
import * as relaxed from './relaxed.js';
// The kernel reader's glue, imported on first use: custom kernels only (www/kernelcheck.js).
const kernelcheck = () => import('./kernelcheck.js');

let ready = null;
// The engine, then its relaxed-SIMD kernels where the browser has them (www/relaxed.js).
const boot = (module) => (ready ??= init(module ? { module_or_path: module } : undefined).then((exports) => relaxed.install(engine, exports)));

function need(name) {
  const f = engine[name];
  if (typeof f !== 'function') throw new Error(`this build of the engine has no ${name}() — rebuild www/pkg (bash scripts/build.sh)`);
  return f;
}

const handlers = {
  init: () => true,
  version: () => need('version')(),
  // Everything the page needs before anything runs.
  hello: () => ({ version: need('version')(), environment: need('environment')(), events: need('listEvents')(), limits: need('limits')() }),
  // One event of "Run all events": the SIMD128 fp32 recipe, gated, profiled and scored by the engine.
  'run-event': ({ event, budget_s, seed }, progress) => {
    const bytes = need('buildRecipe')({ event, quantize: false, sparsity: 0, kernels: 'simd128' });
    const submission = { team: 'this browser', event, description: 'SIMD128 fp32 kernels (reference run)', url: '', budget_s };
    if (seed !== undefined) submission.seed = seed;
    return need('submitEntry')(submission, bytes, progress);
  },
  // A competition entry: a built-in recipe or uploaded package bytes.
  submit: ({ submission, recipe, bytes }, progress) => {
    const pkg = recipe ? need('buildRecipe')(recipe) : new Uint8Array(bytes);
    return need('submitEntry')(submission, pkg, progress);
  },
  // An entry with its own WebAssembly kernel; the page's watchdog terminates this worker if it hangs.
  'submit-custom': ({ submission, wasm, pkg }, progress) =>
    need('submitCustomEntry')(submission, new Uint8Array(wasm), pkg ? new Uint8Array(pkg) : undefined, progress),
  // The kernel reader's module (www/kernelcheck.js), loaded for these two requests only.
  'inspect-kernel': async ({ bytes }) => (await kernelcheck()).inspect(new Uint8Array(bytes)),
  inspect: ({ recipe, bytes, event }) => need('inspectPackage')(recipe ? need('buildRecipe')(recipe) : new Uint8Array(bytes), event),
  boards: ({ entries, event }) => need('leaderboards')(entries, event),
  // `source` (a file name, "share link", a board URL): every entry read from `text` becomes self-reported from it.
  merge: ({ existing, text, source }) => need('mergeEntries')(existing, text, source ?? undefined),
  // Whether a re-run here reproduces a claim (a share link's entry): the engine's verdict.
  reproduce: ({ claim, rerun }) => need('reproduceClaim')(claim, rerun),
  // The course board and the visitor's entries as one list: the engine's merge, deduplicated by hash.
  union: ({ a, b }) => need('mergeEntries')(a, need('exportEntries')(b)).entries,
  export: ({ entries }) => need('exportEntries')(entries),
  'export-csv': ({ entries }) => need('exportCsv')(entries),
  'encode-share': ({ entry }) => need('encodeShare')(entry),
  'decode-share': ({ fragment }) => need('decodeShare')(fragment),
  // Kernel check (www/bench.html).
  gemm: ({ shapes, batchMs, rounds }, progress, partial) => {
    for (const [i, [m, k, n]] of shapes.entries()) {
      progress({ phase: 'gemm', fraction: i / shapes.length, message: `${m}×${k}×${n}` });
      partial(need('gemmDemo')(m, k, n, batchMs, rounds));
    }
    return true;
  },
  'bench-kernels': (args) => need('benchKernels')(Boolean(args?.quick), args?.models !== false),
  // The reference model's logits on given inputs (scripts/bench-peers.mjs checks other engines against them).
  'reference-logits': ({ event, input, batch }) => need('referenceLogits')(event, new Float32Array(input), batch),
};

self.onmessage = async (ev) => {
  const { id, type, args } = ev.data;
  try {
    await boot(type === 'init' ? args?.module : undefined);
    const h = handlers[type];
    if (!h) throw new Error(`unknown request '${type}'`);
    const progress = (p) => self.postMessage({ id, progress: p ?? {} });
    const partial = (value) => self.postMessage({ id, partial: value });
    // The event's weights before the call (www/weights.js); a failed fetch is reported where the engine
    // needs the file, and a file the engine asks for that was not foreseen is fetched and the call re-run.
    await weights.ensure(engine, weights.needed(type, args)).catch(() => {});
    if (type === 'submit-custom') await (await kernelcheck()).install();
    let value;
    for (const tried = new Set(); ;) {
      try { value = await h(args ?? {}, progress, partial); break; } catch (e) {
        const name = weights.missing(e);
        if (!name || tried.has(name)) throw e;
        tried.add(name);
        await weights.ensure(engine, [name]);
      }
    }
    self.postMessage({ id, ok: true, value });
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e && e.message ? e.message : e) });
  }
};
