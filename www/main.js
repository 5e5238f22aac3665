// Boots the page: starts the worker, asks it for the figures, renders them. No logic lives here.
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map();

worker.onmessage = ({ data }) => {
  const p = pending.get(data.id);
  if (!p) return;
  if (data.progress) p.onProgress?.(data.progress, data.partial);
  if (data.ok === true) { pending.delete(data.id); p.resolve(data.value); }
  if (data.ok === false) { pending.delete(data.id); p.reject(new Error(data.error)); }
};
worker.onerror = (e) => showError(`worker failed to start: ${e.message || 'see console'}`);

function call(type, args, onProgress) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, type, args });
  });
}

function showError(msg) {
  const s = $('status');
  s.textContent = msg;
  s.classList.add('error');
}

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function addRow(r) {
  const table = $('gemm-table');
  if (!table.parentElement.classList.contains('table-wrap')) {
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    table.replaceWith(wrap);
    wrap.append(table);
  }
  table.hidden = false;
  const tr = document.createElement('tr');
  tr.dataset.speedup = r.speedup;
  const cells = [`${r.m}×${r.k}×${r.n}`, fmt(r.baseline_ms, 4), fmt(r.candidate_ms, 4), fmt(r.baseline_gflops, 2),
    fmt(r.candidate_gflops, 2), `${fmt(r.speedup, 2)}×`, r.max_abs_diff.toExponential(1)];
  for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
  if (r.speedup > 1) tr.lastChild.previousSibling.classList.add('good');
  table.tBodies[0].append(tr);
  $('clock').textContent = `performance.now() in a ${r.clock_scope}, resolution ${fmt(r.clock_resolution_ms * 1000, 1)} µs`;
}

async function main() {
  $('isolated').textContent = self.crossOriginIsolated ? 'yes (5 µs timers)' : 'no (timers coarsened to 100 µs)';
  try {
    const v = await call('version');
    $('version').textContent = `tinymlperf ${v}`;
    $('module').textContent = `tinymlperf ${v}, WebAssembly SIMD128`;
    // The MLP's batch-64 shapes and an awkward one.
    const shapes = [[64, 784, 128], [64, 128, 64], [64, 64, 10], [33, 65, 17]];
    await call('gemm', { shapes, batchMs: 15, rounds: 7 }, (p, report) => {
      if (report) addRow(report);
      if (p.done < p.total) $('status').textContent = `Timing ${p.label ?? ''} (${p.done + 1} of ${p.total})…`;
    });
  } catch (e) {
    showError(`Error: ${e.message}`);
    return;
  }
  $('status').textContent = 'Done: every figure above was measured in WebAssembly in this page.';
  document.body.dataset.state = 'done';
}

main();
