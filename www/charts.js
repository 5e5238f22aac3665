// Small SVG charts with real axes and labels: latency distributions, speedup with CI bars, and the
// accuracy × latency × model-size Pareto plot. Pure drawing: every figure comes from the engine's
// reports; nothing here computes a statistic beyond placing points on a scale.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const n = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function svgRoot(width, height, label) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: 'chart' });
  svg.append(el('title', {}, label));
  return svg;
}

export const fmtMs = (ms) => {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  if (ms >= 0.001) return `${(ms * 1000).toPrecision(3)} µs`;
  return `${(ms * 1e6).toPrecision(3)} ns`;
};
const tickMs = (ms) => (ms >= 1 ? `${+ms.toPrecision(3)} ms` : `${+(ms * 1000).toPrecision(3)} µs`);

/** Log scale over [lo, hi] with 1-2-5 ticks. */
function logScale(lo, hi, a, b) {
  const l0 = Math.log10(lo), l1 = Math.log10(hi);
  const f = (v) => a + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (b - a);
  const ticks = [];
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    for (const m of [1, 2, 5]) { const t = m * 10 ** e; if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t); }
  }
  // Too many ticks on narrow charts: keep the powers of ten.
  f.ticks = ticks.length > 7 ? ticks.filter((t) => Math.abs(Math.log10(t) % 1) < 1e-9) : ticks;
  if (f.ticks.length < 2) f.ticks = [lo, hi];
  return f;
}

function linScale(lo, hi, a, b) {
  const f = (v) => a + ((v - lo) / (hi - lo || 1)) * (b - a);
  const span = hi - lo || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
  f.ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) f.ticks.push(+t.toPrecision(6));
  return f;
}

function padRange(lo, hi, logPad = 0.08) {
  return [lo / 10 ** logPad, hi * 10 ** logPad];
}

// Text width at the charts' 11–12 px label size, estimated (charts are drawn before they are in the page).
const textW = (text, px = 11) => String(text).length * px * 0.56;

/**
 * The first of `choices` (lists of tick values, densest first) whose labels, centred at `pos(t)`,
 * leave `gap` px between each other: axis labels never run together ("5 ms10 ms20 ms").
 */
function fitTicks(choices, pos, label, gap = 10) {
  for (const ticks of choices) {
    let right = -Infinity, ok = true;
    for (const t of ticks) {
      const w = textW(label(t)), x = pos(t);
      if (x - w / 2 < right + gap) { ok = false; break; }
      right = x + w / 2;
    }
    if (ok) return ticks;
  }
  return choices[choices.length - 1];
}

/** Sparser sets of a log scale's 1-2-5 ticks: all, 1 and 5, powers of ten, every other power of ten. */
function logChoices(ticks) {
  const mant = (t) => Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9));
  const pow = ticks.filter((t) => mant(t) === 1);
  const choices = [ticks, ticks.filter((t) => mant(t) !== 2), pow, pow.filter((_, i) => i % 2 === 0)].filter((c) => c.length >= 2);
  return choices.length ? choices : [ticks];
}

/** Sparser sets of a linear scale's ticks: all, every 2nd, every 3rd, … (always keeping the first). */
const linChoices = (ticks) => [1, 2, 3, 4, 5].map((k) => ticks.filter((_, i) => i % k === 0)).filter((c) => c.length >= 2);

/** x of a centred text of width `w`, moved inside [0, width]. */
const clampText = (x, w, width) => Math.min(Math.max(x, w / 2 + 2), width - w / 2 - 2);

// Deterministic jitter in [-1, 1] so a chart looks the same on every render.
const jitter = (i) => (((i * 2654435761) >>> 0) / 4294967296) * 2 - 1;

/**
 * Draws `draw(width)` into `container` at the container's own width (1:1, so labels keep their size)
 * and redraws when that width changes.
 */
export function mountChart(container, draw, { min = 260, max = 1100 } = {}) {
  const st = container.__chart ??= { last: 0 };
  st.draw = draw;
  st.last = 0;
  st.render ??= () => {
    const w = Math.max(min, Math.min(max, Math.floor(container.clientWidth || min)));
    if (w === st.last) return;
    st.last = w;
    container.replaceChildren(st.draw(w));
  };
  st.render();
  if (!st.observer && typeof ResizeObserver === 'function') {
    st.observer = new ResizeObserver(() => requestAnimationFrame(st.render));
    st.observer.observe(container);
  }
  return container;
}

/**
 * Latency distributions of the baseline and the entry: every timed sample as a dot, the p10–p90
 * box and the median, on a log axis (the two differ by an order of magnitude).
 */
export function latencyChart(report, { width = 520, compact = false } = {}) {
  const sides = [['baseline (scalar)', report.baseline, 'base'], ['entry', report.candidate, 'cand']];
  const all = sides.flatMap(([, s]) => [...(s.samples_ms ?? []), s.median_ms, s.p10_ms, s.p90_ms]).filter((v) => v > 0 && Number.isFinite(v));
  const rowH = compact ? 30 : 38;
  const m = { l: compact ? 74 : 118, r: 14, t: 8, b: 34 };
  const height = m.t + m.b + rowH * sides.length;
  const svg = svgRoot(width, height, `Latency per inference batch: baseline median ${fmtMs(report.baseline.median_ms)}, entry median ${fmtMs(report.candidate.median_ms)}`);
  if (!all.length) return svg;
  const [lo, hi] = padRange(Math.min(...all), Math.max(...all));
  const x = logScale(lo, hi, m.l, width - m.r);
  const axisY = height - m.b;
  for (const t of fitTicks(logChoices(x.ticks), x, tickMs)) {
    svg.append(el('line', { x1: x(t), x2: x(t), y1: m.t, y2: axisY, class: 'grid' }));
    svg.append(el('text', { x: x(t), y: axisY + 15, class: 'tick', 'text-anchor': 'middle' }, tickMs(t)));
  }
  svg.append(el('line', { x1: m.l, x2: width - m.r, y1: axisY, y2: axisY, class: 'axis' }));
  const latencyAxis = 'time per call, every timed sample (log scale)';
  svg.append(el('text', { x: clampText((m.l + width - m.r) / 2, textW(latencyAxis), width), y: height - 3, class: 'axis-label', 'text-anchor': 'middle' }, latencyAxis));
  sides.forEach(([name, s, cls], i) => {
    const cy = m.t + rowH * i + rowH / 2;
    svg.append(el('text', { x: m.l - 8, y: cy + 4, class: 'row-label', 'text-anchor': 'end' }, compact ? name.split(' ')[0] : name));
    (s.samples_ms ?? []).forEach((v, j) => {
      if (v > 0) svg.append(el('circle', { cx: x(v), cy: cy + jitter(j + 1) * rowH * 0.22, r: 2.2, class: `dot ${cls}` }));
    });
    if (s.p10_ms > 0 && s.p90_ms > 0) {
      svg.append(el('rect', { x: x(s.p10_ms), y: cy - rowH * 0.32, width: Math.max(1, x(s.p90_ms) - x(s.p10_ms)), height: rowH * 0.64, class: `box ${cls}` }));
    }
    if (s.median_ms > 0) {
      const med = el('line', { x1: x(s.median_ms), x2: x(s.median_ms), y1: cy - rowH * 0.4, y2: cy + rowH * 0.4, class: `median ${cls}` });
      med.append(el('title', {}, `${name}: median ${fmtMs(s.median_ms)}, p10 ${fmtMs(s.p10_ms)}, p90 ${fmtMs(s.p90_ms)}`));
      svg.append(med);
    }
  });
  return svg;
}

/** Speedup over the in-browser baseline, one bar per row with its confidence interval. */
export function speedupChart(rows, { width = 520 } = {}) {
  // Narrow (a phone): each event's name on its own line above its bar, so the bars keep the width.
  const narrow = width < 480;
  const rowH = narrow ? 46 : 30;
  const labelW = narrow ? 12 : Math.min(200, Math.max(90, ...rows.map((r) => r.label.length * 7.6 + 12)));
  const m = { l: labelW, r: 56, t: 6, b: 34 };
  const height = m.t + m.b + rowH * Math.max(rows.length, 1);
  const svg = svgRoot(width, height, `Speedup vs the in-browser scalar baseline: ${rows.map((r) => `${r.label} ${r.speedup?.toFixed(2)}×`).join(', ')}`);
  const top = Math.max(1.5, ...rows.flatMap((r) => [r.speedup, ...(r.ci ?? [])]).filter(Number.isFinite)) * 1.08;
  const x = linScale(0, top, m.l, width - m.r);
  const axisY = height - m.b;
  for (const t of fitTicks(linChoices(x.ticks), x, (v) => `${v}×`, 14)) {
    svg.append(el('line', { x1: x(t), x2: x(t), y1: m.t, y2: axisY, class: 'grid' }));
    svg.append(el('text', { x: x(t), y: axisY + 15, class: 'tick', 'text-anchor': 'middle' }, `${t}×`));
  }
  svg.append(el('line', { x1: x(1), x2: x(1), y1: m.t, y2: axisY, class: 'ref' }));
  svg.append(el('line', { x1: m.l, x2: width - m.r, y1: axisY, y2: axisY, class: 'axis' }));
  const axisText = `speedup (× scalar baseline), bars: ${Math.round((rows[0]?.level ?? 0.95) * 100)}% CI`;
  svg.append(el('text', { x: clampText((m.l + width - m.r) / 2, textW(axisText), width), y: height - 3, class: 'axis-label', 'text-anchor': 'middle' }, axisText));
  rows.forEach((r, i) => {
    const cy = m.t + rowH * i + (narrow ? rowH - 12 : rowH / 2);
    if (narrow) svg.append(el('text', { x: m.l, y: cy - 13, class: 'row-label', 'text-anchor': 'start' }, r.label));
    else svg.append(el('text', { x: m.l - 8, y: cy + 4, class: 'row-label', 'text-anchor': 'end' }, r.label));
    if (!Number.isFinite(r.speedup)) return;
    const bar = el('rect', { x: x(0), y: cy - 8, width: Math.max(1, x(r.speedup) - x(0)), height: 16, rx: 2, class: `bar${r.unstable ? ' unstable' : ''}` });
    bar.append(el('title', {}, `${r.label}: ${r.speedup.toFixed(2)}× (CI ${r.ci?.map((v) => v.toFixed(2)).join('–')})${r.unstable ? ', unstable' : ''}`));
    svg.append(bar);
    if (r.ci && r.ci.every(Number.isFinite)) {
      const [a, b] = r.ci.map(x);
      svg.append(el('line', { x1: a, x2: b, y1: cy, y2: cy, class: 'ci' }));
      svg.append(el('line', { x1: a, x2: a, y1: cy - 6, y2: cy + 6, class: 'ci' }));
      svg.append(el('line', { x1: b, x2: b, y1: cy - 6, y2: cy + 6, class: 'ci' }));
    }
    svg.append(el('text', { x: Math.max(x(r.speedup), x(r.ci?.[1] ?? 0)) + 6, y: cy + 4, class: 'value' }, `${r.speedup.toFixed(1)}×`));
  });
  return svg;
}

/**
 * Accuracy × latency × model size: x = entry median latency (log), y = held-out accuracy, circle area
 * = weight bytes. Better is up and to the left. Points the engine marks as on the Pareto front
 * (`front: true`) are joined by a step line.
 */
export function paretoChart(points, { width = 560, height = 300, title = 'Accuracy vs latency' } = {}) {
  const m = { l: 54, r: 16, t: 12, b: 40 };
  if (!points.some((p) => p.latency_ms > 0)) height = 90;
  const svg = svgRoot(width, height, `${title}: ${points.length} entries; x median latency, y accuracy, circle area weight bytes`);
  const good = points.filter((p) => p.latency_ms > 0 && Number.isFinite(p.accuracy));
  if (!good.length) {
    svg.append(el('text', { x: width / 2, y: height / 2, class: 'empty', 'text-anchor': 'middle' }, 'no entries yet: submit one to see it here'));
    return svg;
  }
  const [xlo, xhi] = padRange(Math.min(...good.map((p) => p.latency_ms)), Math.max(...good.map((p) => p.latency_ms)), 0.15);
  const accs = good.map((p) => p.accuracy);
  let ylo = Math.min(...accs), yhi = Math.max(...accs);
  const pad = Math.max(0.2, (yhi - ylo) * 0.15);
  ylo = Math.max(0, ylo - pad); yhi = Math.min(100, yhi + pad);
  const x = logScale(xlo, xhi, m.l, width - m.r);
  const y = linScale(ylo, yhi, height - m.b, m.t);
  const maxBytes = Math.max(...good.map((p) => p.bytes || 1));
  for (const t of fitTicks(logChoices(x.ticks), x, tickMs)) {
    svg.append(el('line', { x1: x(t), x2: x(t), y1: m.t, y2: height - m.b, class: 'grid' }));
    svg.append(el('text', { x: x(t), y: height - m.b + 15, class: 'tick', 'text-anchor': 'middle' }, tickMs(t)));
  }
  for (const t of y.ticks) {
    svg.append(el('line', { x1: m.l, x2: width - m.r, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(el('text', { x: m.l - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, `${t}%`));
  }
  svg.append(el('line', { x1: m.l, x2: width - m.r, y1: height - m.b, y2: height - m.b, class: 'axis' }));
  svg.append(el('line', { x1: m.l, x2: m.l, y1: m.t, y2: height - m.b, class: 'axis' }));
  svg.append(el('text', { x: (m.l + width - m.r) / 2, y: height - 4, class: 'axis-label', 'text-anchor': 'middle' }, 'median latency, log scale (left is faster)'));
  svg.append(el('text', { x: 12, y: (m.t + height - m.b) / 2, class: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 12 ${(m.t + height - m.b) / 2})` }, 'held-out accuracy'));
  const front = good.filter((p) => p.front).sort((a, b) => a.latency_ms - b.latency_ms);
  if (front.length > 1) {
    let d = `M${x(front[0].latency_ms)},${y(front[0].accuracy)}`;
    for (const p of front.slice(1)) d += ` H${x(p.latency_ms)} V${y(p.accuracy)}`;
    svg.append(el('path', { d, class: 'front' }));
  }
  // Largest first so small models stay visible on top.
  const placed = [...good].sort((a, b) => (b.bytes || 0) - (a.bytes || 0)).map((p) => {
    const r = 4 + 14 * Math.sqrt((p.bytes || 1) / maxBytes);
    const cx = x(p.latency_ms), cy = y(p.accuracy);
    const c = el('circle', { cx, cy, r, class: `pt ${p.kind ?? ''}`, tabindex: 0 });
    c.append(el('title', {}, `${p.label}: ${p.accuracy.toFixed(2)}%, ${fmtMs(p.latency_ms)}, ${(p.bytes / 1024).toFixed(1)} KiB of weights`));
    svg.append(c);
    return { label: p.label, cx, cy, r };
  });
  if (good.length <= 12) for (const l of pointLabels(placed, m.l, width, height - m.b)) svg.append(l);
  return svg;
}

/**
 * Names beside the points without overlaps: points closer than a few pixels share one label
 * ("Team A, Team B"); each label takes the first free spot beside it (right or left, then above or
 * below; the side with more room first), is shortened with "…" to stay inside the chart, and is left out when no
 * spot is free (the point's tooltip still names it).
 */
function pointLabels(points, left, width, bottom) {
  const groups = [];
  for (const p of [...points].sort((a, b) => a.cy - b.cy || a.cx - b.cx)) {
    const g = groups.find((q) => Math.hypot(q.cx - p.cx, q.cy - p.cy) < 5);
    if (g) { if (!g.names.includes(p.label)) g.names.push(p.label); g.r = Math.max(g.r, p.r); } else groups.push({ ...p, names: [p.label] });
  }
  const boxes = points.map((p) => ({ x0: p.cx - p.r, x1: p.cx + p.r, y0: p.cy - p.r, y1: p.cy + p.r, point: true }));
  const taken = [];
  const free = (b) => b.x0 >= left + 2 && b.x1 <= width && b.y0 >= 0 && b.y1 <= bottom
    && !taken.some((o) => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1)
    && !boxes.some((o) => b.x0 < o.x1 - 2 && o.x0 + 2 < b.x1 && b.y0 < o.y1 - 2 && o.y0 + 2 < b.y1);
  const out = [];
  for (const g of groups) {
    const full = g.names.length > 3 ? `${g.names.slice(0, 2).join(', ')} +${g.names.length - 2}` : g.names.join(', ');
    const spots = g.cx < width * 0.6 ? [[1, 0], [-1, 0], [1, -1], [1, 1], [-1, -1], [-1, 1]] : [[-1, 0], [1, 0], [-1, -1], [-1, 1], [1, -1], [1, 1]];
    for (const [sx, sy] of spots) {
      const room = sx > 0 ? width - (g.cx + g.r + 4) : g.cx - g.r - 4 - left - 2;
      let text = full;
      if (textW(text) > room) {
        const n = Math.floor(room / (11 * 0.56)) - 1;
        if (n < 6) continue;
        text = `${full.slice(0, n)}…`;
      }
      const w = textW(text);
      const ty = g.cy + 4 + sy * (g.r + 8);
      const tx = sx > 0 ? g.cx + (sy ? g.r * 0.5 : g.r + 4) : g.cx - (sy ? g.r * 0.5 : g.r + 4);
      const b = { x0: sx > 0 ? tx : tx - w, x1: sx > 0 ? tx + w : tx, y0: ty - 11, y1: ty + 3 };
      if (!free(b)) continue;
      taken.push(b);
      const t = el('text', { x: tx, y: ty, class: 'pt-label', 'text-anchor': sx > 0 ? 'start' : 'end' }, text);
      if (text !== full || g.names.length > 1) t.append(el('title', {}, g.names.join(', ')));
      out.push(t);
      break;
    }
  }
  return out;
}
