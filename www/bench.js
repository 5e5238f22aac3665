// Kernel check page: the GEMM slice (scalar vs SIMD128, interleaved), then the Rust-computed
// BenchReport of every kernel and whole-model path. `?quick=1` runs the short smoke version,
// `?models=0` skips whole-model latency, `?gemm=0` skips the GEMM slice. The report is also left on
// window.__bench for scripts (npm run bench:kernels).
import { EngineWorker } from './engine.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const quick = params.get('quick') === '1';
const models = params.get('models') !== '0';
const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function fill(table, rows) {
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    $(table).tBodies[0].append(tr);
    $(table).hidden = false;
  }
}

function fail(where, e) {
  $(where).textContent = `Error: ${e.message}`;
  $(where).classList.add('error');
}

async function main() {
  const engine = new EngineWorker({ runModule: false }); // every request here is the full module's
  $('isolated').textContent = self.crossOriginIsolated ? 'yes (5 µs timers)' : 'no (timers coarsened to 100 µs)';
  try {
    const v = await engine.request('version');
    $('module').textContent = `tinymlperf ${v}, WebAssembly SIMD128`;
    if (params.get('gemm') !== '0') {
      // The MLP's batch-64 shapes and an awkward one.
      const shapes = [[64, 784, 128], [64, 128, 64], [64, 64, 10], [33, 65, 17]];
      await engine.request('gemm', { shapes, batchMs: 15, rounds: 7 }, {
        onProgress: (p) => { $('gemm-status').textContent = `Timing ${p.message} …`; },
        onPartial: (r) => {
          fill('gemm-table', [[`${r.m}×${r.k}×${r.n}`, f(r.baseline_ms, 4), f(r.candidate_ms, 4), f(r.baseline_gflops, 2), f(r.candidate_gflops, 2), `${f(r.speedup, 2)}×`, r.max_abs_diff.toExponential(1)]]);
          $('clock').textContent = `performance.now() in a ${r.clock_scope}, resolution ${f(r.clock_resolution_ms * 1000, 1)} µs`;
        },
      });
      $('gemm-status').textContent = 'Done: every figure above was measured in WebAssembly in this page.';
      document.body.dataset.gemm = 'done';
    }
  } catch (e) {
    fail('gemm-status', e);
    document.body.dataset.gemm = 'error';
  }
  $('status').textContent = `Running every kernel in a worker (${quick ? 'quick mode, seconds' : 'about a minute'})…`;
  try {
    const r = await engine.request('bench-kernels', { quick, models });
    window.__bench = r;
    fill('peak', [['measured f32x4 peak', `${f(r.peak.f32x4_gflops, 2)} GFLOP/s`], ['measured scalar peak', `${f(r.peak.scalar_gflops, 2)} GFLOP/s`],
      ['clock', `${r.clock_scope}, ${f(r.clock_resolution_ms * 1000, 1)} µs`]]);
    fill('kernels', r.kernels.map((k) => [k.layer, k.variant, k.shape, f(k.median_ms, 4), f(k.gflops, 2), f(k.pct_of_f32x4_peak, 1), f(k.speedup_vs_scalar, 2)]));
    fill('models', r.models.map((m) => [m.event, m.path, m.batch, f(m.median_ms, 3), f(m.gflops, 2), f(m.pct_of_f32x4_peak, 1), f(m.speedup_vs_baseline, 2)]));
    $('status').textContent = crossOriginIsolated ? 'Done (cross-origin isolated, 5 µs clock).' : 'Done (NOT isolated: 100 µs clock).';
    document.body.dataset.state = 'done';
  } catch (e) {
    fail('status', e);
    window.__bench = { error: e.message };
  }
}

main();
