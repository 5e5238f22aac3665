// "Where the time goes" on a result card: the engine's per-op times of the entry (`report.per_layer`)
// beside the baseline's (`report.baseline_per_layer`, the reference on the scalar table), as a bar
// chart of each op's share of the forward pass with its time per forward pass and the kernel variant
// that ran it, plus the same figures as a table. Display only: ops, variants, times and shares are the
// engine's (src/profiler/per_layer.rs); nothing here measures or derives a figure.
import { mountChart, fmtMs } from './charts.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(name, attrs = {}, text) {
  const n = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function html(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) n.append(c instanceof Node ? c : String(c));
  return n;
}

const pct = (share) => (Number.isFinite(share) ? `${(share * 100).toFixed(share > 0 && share < 0.095 ? 1 : 0)}%` : '—');
// Rounded to 3 digits before the unit is picked, so 0.9999 µs reads "1.00 µs", not "1.00e+3 ns".
const ms = (v) => fmtMs(Number.isFinite(v) && v < 1 ? Number(v.toPrecision(3)) : v);
const figure = (o) => (o ? `${ms(o.ms_per_forward)} · ${pct(o.share)}` : '—');
// Label widths at 11–12 px, estimated (the chart is drawn before it is measured); monospace is wider.
const textW = (text, px = 11, mono = false) => String(text).length * px * (mono ? 0.62 : 0.56);
const cut = (text, width, px, mono) => {
  if (textW(text, px, mono) <= width) return text;
  const n = Math.max(4, Math.floor(width / (px * (mono ? 0.62 : 0.56))) - 1);
  return `${text.slice(0, n)}…`;
};

/** How an op runs, in words: calls per forward pass and the activations fused into it. */
function calls(o) {
  if (!o) return '';
  const parts = [];
  if (o.calls > 0) parts.push(`${o.calls} call${o.calls === 1 ? '' : 's'}`);
  if (o.fused?.length) parts.push(`+ ${o.fused.join(', ')} fused`);
  return parts.join(' · ');
}

/**
 * The entry's ops, largest first (the engine's order), each with the baseline's op of the same
 * name; ops only the baseline ran come last.
 */
export function opRows(report) {
  const entry = report?.per_layer ?? [];
  const base = report?.baseline_per_layer ?? [];
  const rows = entry.map((e) => ({ op: e.op, entry: e, base: base.find((b) => b.op === e.op) }));
  for (const b of base) if (!rows.some((r) => r.op === b.op)) rows.push({ op: b.op, entry: undefined, base: b });
  return rows;
}

/** The bar chart at `width` px: one group per op (name, calls, variant; an entry bar and a baseline bar). */
export function opTimeChart(rows, { width = 360, entryName = 'entry' } = {}) {
  const wide = width >= 560;
  const hasBase = rows.some((r) => r.base);
  // Right margin for the longest "12.3 ms · 45%" (digits are wider than the average letter).
  const valueW = Math.max(...rows.flatMap((r) => [r.entry, r.base]).filter(Boolean).map((o) => figure(o).length * 11 * 0.64)) + 10;
  const m = { l: 2, r: Math.min(valueW, width * 0.45), t: 2, b: 32 };
  const head = wide ? 17 : 30; // op line (and the variant line when narrow)
  const barH = 9, gap = 3, rowGap = 9;
  const rowH = head + (hasBase ? 2 : 1) * (barH + gap) + rowGap;
  const height = m.t + rows.length * rowH + m.b;
  const plotR = width - m.r;
  const x = (share) => m.l + Math.max(0, Math.min(1, share || 0)) * (plotR - m.l);
  const top = rows[0];
  const label = `Where the time goes, by op, largest first: ${rows.map((r) => `${r.op} ${figure(r.entry)} in the ${entryName}${r.base ? `, ${figure(r.base)} in the baseline` : ''}`).join('; ')}.`
    + (top?.entry ? ` The ${entryName} spends most of its time in ${top.op}.` : '');
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: 'chart optime-chart' });
  root.append(svg('title', {}, label));
  const axisY = height - m.b;
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: m.t, y2: axisY, class: 'grid' }));
    root.append(svg('text', { x: t === 0 ? x(t) : x(t), y: axisY + 14, class: 'tick', 'text-anchor': t === 0 ? 'start' : 'middle' }, `${t * 100}%`));
  }
  root.append(svg('line', { x1: m.l, x2: plotR, y1: axisY, y2: axisY, class: 'axis' }));
  root.append(svg('text', { x: m.l, y: height - 3, class: 'axis-label' }, 'share of the forward pass'));
  rows.forEach((r, i) => {
    const y0 = m.t + i * rowH;
    const g = svg('g', { class: 'op-row', 'data-op': r.op });
    const main = r.entry ?? r.base;
    // Name and calls in one text, so the browser places the calls after the name's real width.
    const line = svg('text', { x: m.l, y: y0 + 11 });
    line.append(svg('tspan', { class: 'op-name' }, r.op));
    const info = calls(main);
    const nameW = textW(r.op, 12) * 1.15 + 8;
    const lineW = (wide ? width * 0.42 - 8 : width - m.l - 2) - nameW;
    if (info && lineW > 40) line.append(svg('tspan', { class: 'op-calls', dx: 7 }, cut(info, lineW, 11)));
    g.append(line);
    // The entry's kernel variant: beside the name on a wide chart, on its own line when narrow. The
    // time outside the table has a description instead, in plain text.
    const variant = r.entry?.variant ?? '';
    if (variant) {
      const plain = main.calls === 0;
      const vx = wide ? width * 0.42 : m.l, vy = wide ? y0 + 11 : y0 + 24;
      const v = svg('text', { x: vx, y: vy, class: `op-variant${plain ? ' plain' : ''}` }, cut(variant, width - vx - 2, plain ? 11 : 10.5, !plain));
      v.append(svg('title', {}, `${r.op} in the ${entryName}: ${variant}`));
      g.append(v);
    }
    const bars = [['cand', r.entry, entryName], ...(hasBase ? [['base', r.base, 'baseline']] : [])];
    bars.forEach(([cls, o, who], j) => {
      const by = y0 + head + j * (barH + gap);
      if (!o) {
        g.append(svg('text', { x: m.l, y: by + barH - 1, class: 'op-value' }, `not run by the ${who}`));
        return;
      }
      const bar = svg('rect', { x: m.l, y: by, width: Math.max(1.5, x(o.share) - m.l), height: barH, rx: 2, class: `op-bar ${cls}` });
      bar.append(svg('title', {}, `${r.op}, ${who}: ${ms(o.ms_per_forward)} per forward pass, ${pct(o.share)} of it${o.variant ? ` (${o.variant})` : ''}`));
      g.append(bar);
      g.append(svg('text', { x: Math.max(m.l, x(o.share)) + 5, y: by + barH - 0.5, class: `op-value ${cls}` }, figure(o)));
    });
    root.append(g);
  });
  return root;
}

/** The same figures as a table (three columns, so it fits a phone). */
function opTable(rows, entryName) {
  const cell = (o) => (o
    ? [html('span', { class: 'optime-fig' }, figure(o)), o.variant ? html('code', { class: 'optime-variant' }, o.variant) : null]
    : 'not run');
  return html('div', { class: 'table-wrap' },
    html('table', { class: 'optime-table' },
      html('caption', { class: 'sr-only' }, 'Time per forward pass and share of it, by op'),
      html('thead', {}, html('tr', {}, html('th', { scope: 'col' }, 'op'), html('th', { scope: 'col' }, entryName), html('th', { scope: 'col' }, 'baseline'))),
      html('tbody', {}, rows.map((r) => html('tr', { dataset: { op: r.op } },
        html('th', { scope: 'row' }, r.op, calls(r.entry ?? r.base) ? html('small', {}, calls(r.entry ?? r.base)) : null),
        html('td', {}, cell(r.entry)), html('td', {}, cell(r.base)))))));
}

/**
 * The card's "Where the time goes" view for an Entry (or a bare BenchmarkReport): a figure with the
 * chart and the table, or a line saying why there is none. `open`: shown unfolded.
 */
export function opTimeView(entry, { open = true } = {}) {
  const r = entry?.report ?? entry ?? {};
  const summary = html('summary', {}, 'Where the time goes');
  if (!r.per_layer?.length) {
    const why = entry?.kernel
      ? 'Not available for an entry with its own WebAssembly kernel: the engine calls the module once per forward pass and cannot time its ops.'
      : 'This record has no per-op times (measured without the per-op pass).';
    return html('details', { class: 'optime none', open: open || undefined, dataset: { optime: entry?.kernel ? 'custom-kernel' : 'absent' } }, summary, html('p', { class: 'optime-none' }, why));
  }
  const rows = opRows(r);
  const entryName = 'entry';
  const box = html('div', { class: 'chart-box' });
  requestAnimationFrame(() => mountChart(box, (w) => opTimeChart(rows, { width: w, entryName }), { min: 240 }));
  const top = rows.find((x) => x.entry && x.op !== 'other');
  return html('details', { class: 'optime', open: open || undefined, dataset: { optime: 'shown', ops: rows.length } }, summary,
    html('figure', {},
      html('figcaption', {},
        'Time per forward pass, op by op, largest first; bars are each op\'s share of the forward pass.',
        top ? ` Optimise ${top.op} next: ${pct(top.entry.share)} of this entry's time.` : ''),
      html('p', { class: 'optime-legend' },
        html('span', { class: 'optime-key cand' }, `entry${r.kernels ? ` (${r.kernels} kernels)` : ''}`),
        r.baseline_per_layer ? html('span', { class: 'optime-key base' }, 'baseline (reference, scalar kernels)') : null),
      box,
      html('details', { class: 'optime-data' }, html('summary', {}, 'Figures as a table'), opTable(rows, entryName)),
      html('p', { class: 'optime-note' }, 'Timed op by op in a separate pass after the comparison, outside its timing; the timer reads add a little to every op.')));
}
