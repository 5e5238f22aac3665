// Client side of the worker protocol (www/worker.js). The engine's run module (www/pkg-run: running an
// event or a package, all a first run needs) is fetched and compiled once, streaming, at the first
// `compiled()` (the page calls it as soon as it loads, and paints meanwhile); each worker receives the
// compiled module instead of compiling it again. The worker loads the other two modules itself when a
// request needs them (the ledger for boards and share links, the full module for custom kernels and
// benchmarks). Two kinds of worker:
//   - the engine worker: quick calls (leaderboards, merge, export, share links); long-lived;
//   - a run worker per event run or submission: dedicated, so cancel = terminate() it.

const WASM_URL = new URL('./pkg-run/tinymlperf_bg.wasm', import.meta.url);
const WORKER_URL = new URL('./worker.js', import.meta.url);

let runModule = null;
/** The compiled run module (a promise), fetched and compiled at the first call. */
export const compiled = () => (runModule ??= (async () => {
  try {
    return await WebAssembly.compileStreaming(fetch(WASM_URL));
  } catch {
    // Hosts that send the wrong MIME type for .wasm: compile from bytes instead.
    const res = await fetch(WASM_URL);
    if (!res.ok) throw new Error(`could not load the engine (${res.status} ${WASM_URL.pathname})`);
    return WebAssembly.compile(await res.arrayBuffer());
  }
})());

export class EngineWorker {
  /** `runModule: false` for a worker that never runs run-module requests (the bench page's: full module only). */
  constructor({ runModule = true } = {}) {
    this.worker = new Worker(WORKER_URL, { type: 'module' });
    this.nextId = 1;
    this.pending = new Map();
    this.dead = null;
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress) p.onProgress?.(data.progress);
      if ('partial' in data) p.onPartial?.(data.partial);
      if (data.ok === true) { this.pending.delete(data.id); p.resolve(data.value); }
      if (data.ok === false) { this.pending.delete(data.id); p.reject(new Error(data.error)); }
    };
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail(new Error(`the engine worker failed: ${e.message || 'it could not start (module workers need a current browser)'}`));
    };
    this.ready = runModule ? compiled().then((module) => this.call('init', { module })) : Promise.resolve(true);
  }

  call(type, args, { onProgress, onPartial } = {}) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, onPartial });
      this.worker.postMessage({ id, type, args });
    });
  }

  async request(type, args, opts) {
    await this.ready;
    return this.call(type, args, opts);
  }

  fail(err) {
    this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Stops whatever runs in this worker now; pending calls reject with a CancelledError. */
  terminate() {
    this.worker.terminate();
    const err = new Error('cancelled');
    err.name = 'CancelledError';
    this.fail(err);
  }
}

/**
 * A long job in its own worker, cancellable. `job.promise` settles with the value or a CancelledError.
 * With `stallMs`, a watchdog terminates the worker when it posts nothing for that long (a contestant's
 * kernel that never returns), rejecting with a StalledError. It arms at the first progress report whose
 * phase `armOn` accepts (default: any), so slow set-up before the contestant's code runs (generating an
 * event's held-out data on a slow phone) is never mistaken for a hang.
 */
export function runJob(type, args, onProgress, { stallMs, armOn = () => true } = {}) {
  const w = new EngineWorker();
  let last = null;
  let timer = null;
  const stalled = new Promise((_, reject) => {
    if (!stallMs) return;
    timer = setInterval(() => {
      if (last !== null && performance.now() - last > stallMs) {
        const err = new Error(`no progress for ${stallMs / 1000} s`);
        err.name = 'StalledError';
        w.worker.terminate();
        w.fail(err);
        reject(err);
      }
    }, Math.min(500, stallMs / 4));
  });
  const tick = (p) => { if (last !== null || armOn(p)) last = performance.now(); onProgress?.(p); };
  const run = w.ready.then(() => w.call(type, args, { onProgress: tick }));
  const promise = Promise.race([run, stalled]).finally(() => { clearInterval(timer); w.worker.terminate(); });
  return { promise, cancel: () => w.terminate(), worker: w };
}
