// Runs the wasm module off the main thread. Only wiring: every figure is computed in Rust.
import init, { benchKernels, gemmDemo, version } from './pkg/tinymlperf.js';

const ready = init();

self.onmessage = async (ev) => {
  const { id, type, args } = ev.data;
  try {
    await ready;
    if (type === 'version') {
      self.postMessage({ id, ok: true, value: version() });
    } else if (type === 'gemm') {
      for (const [i, [m, k, n]] of args.shapes.entries()) {
        self.postMessage({ id, progress: { done: i, total: args.shapes.length, label: `${m}×${k}×${n}` } });
        const report = gemmDemo(m, k, n, args.batchMs, args.rounds);
        self.postMessage({ id, progress: { done: i + 1, total: args.shapes.length }, partial: report });
      }
      self.postMessage({ id, ok: true });
    } else if (type === 'bench-kernels') {
      self.postMessage({ id, ok: true, value: benchKernels(Boolean(args?.quick), args?.models !== false) });
    } else {
      throw new Error(`unknown request '${type}'`);
    }
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e && e.message ? e.message : e) });
  }
};
