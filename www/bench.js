// Kernel benchmark page: asks the worker for the Rust-computed BenchReport and renders it.
// `?quick=1` runs the short smoke version, `?models=0` skips whole-model latency. The report is also left on window.__bench for scripts.
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const quick = params.get('quick') === '1';
const models = params.get('models') !== '0';
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function fill(table, rows) {
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    $(table).tBodies[0].append(tr);
  }
}

worker.onmessage = ({ data }) => {
  if (!data.ok) {
    $('status').textContent = `Error: ${data.error}`;
    $('status').classList.add('error');
    window.__bench = { error: data.error };
    return;
  }
  const r = data.value;
  window.__bench = r;
  $('peak').hidden = false;
  fill('peak', [['measured f32x4 peak', `${f(r.peak.f32x4_gflops, 2)} GFLOP/s`], ['measured scalar peak', `${f(r.peak.scalar_gflops, 2)} GFLOP/s`],
    ['clock', `${r.clock_scope}, ${f(r.clock_resolution_ms * 1000, 1)} µs`]]);
  fill('kernels', r.kernels.map((k) => [k.layer, k.variant, k.shape, f(k.median_ms, 4), f(k.gflops, 2), f(k.pct_of_f32x4_peak, 1), f(k.speedup_vs_scalar, 2)]));
  fill('models', r.models.map((m) => [m.event, m.path, m.batch, f(m.median_ms, 3), f(m.gflops, 2), f(m.pct_of_f32x4_peak, 1), f(m.speedup_vs_baseline, 2)]));
  $('status').textContent = crossOriginIsolated ? 'Done (cross-origin isolated, 5 µs clock).' : 'Done (NOT isolated: 100 µs clock).';
  document.body.dataset.state = 'done';
};
worker.postMessage({ id: 1, type: 'bench-kernels', args: { quick, models } });
