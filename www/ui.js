// DOM helpers and formatting shared by the page, embed mode and the result view. Display only: every
// number shown is a field of an engine object (docs/engine-api.md).
import { latencyChart, mountChart, fmtMs } from './charts.js';
import { opTimeView } from './optime.js';

export { fmtMs };
export const $ = (id) => document.getElementById(id);

/** h('div', {class: 'x', onclick}, child, 'text', …) */
export function h(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else if (k === 'class') n.className = v;
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) n.append(c instanceof Node ? c : String(c));
  return n;
}

// Accuracies may come as fractions (0..1) or percentages; shown as percentages.
export const asPct = (v) => (Number.isFinite(v) ? (Math.abs(v) <= 1 ? v * 100 : v) : NaN);
export const pct = (v, d = 2) => (Number.isFinite(asPct(v)) ? `${asPct(v).toFixed(d)}%` : '—');
export const num = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
export const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
export function bytes(b) {
  if (!Number.isFinite(b)) return '—';
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 ** 2).toFixed(2)} MiB`;
}
export const shortHash = (hx) => (hx ? `${String(hx).slice(0, 12)}…` : '—');
export const signed = (v, d = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}` : '—');

/** The interleaved timing of a BenchmarkReport (baseline, candidate, speedup, CI, stability). */
export const timingOf = (report) => report?.timing ?? report ?? {};

// Environment fields under the names the engine uses, with tolerant fallbacks.
export function envFacts(env = {}) {
  const res = env.timer_resolution_ms;
  return {
    isolated: env.cross_origin_isolated,
    resolutionUs: Number.isFinite(res) ? res * 1000 : NaN,
    simd: env.simd128,
    cores: env.hardware_concurrency,
    ua: env.user_agent ?? '',
    build: env.build_id ?? '',
    scope: env.clock_scope ?? '',
    warnings: env.warnings ?? [],
  };
}

export function browserName(ua = '') {
  const m = ua.match(/(Firefox|Edg|OPR|Chrome|Version)\/([\d]+)/);
  if (!m) return ua.slice(0, 40) || 'unknown browser';
  const name = { Edg: 'Edge', OPR: 'Opera', Version: 'Safari' }[m[1]] ?? m[1];
  return `${name} ${m[2]}`;
}

/** A div that draws its chart once it is in the page, at the width it gets. */
export function chartBox(draw) {
  const box = h('div', { class: 'chart-box' });
  requestAnimationFrame(() => mountChart(box, draw));
  return box;
}

function kpi(key, label, value, sub) {
  return h('div', { class: `kpi ${key}`, dataset: { k: key } },
    h('span', { class: 'kpi-label' }, label), h('span', { class: 'kpi-value' }, value), sub ? h('span', { class: 'kpi-sub' }, sub) : null);
}

const fmtDay = (ms) => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : 'date unknown');

/** A source in a few words for a badge: a URL's host and file, a long text cut (the full text goes in the title). */
function shortSource(source = '') {
  try {
    const u = new URL(source);
    if (/^https?:$/.test(u.protocol)) return `${u.host}${u.pathname.length > 1 ? `/…/${u.pathname.split('/').filter(Boolean).pop()}` : ''}`;
  } catch { /* not a URL */ }
  return source.length > 40 ? `${source.slice(0, 39)}…` : source;
}

/**
 * Where an entry's figures come from, in words, from the engine's `provenance` (docs/engine-api.md):
 * `{kind, label, detail, cls, notReproduced}`. `verdict` is this browser's re-run verdict on the
 * entry, if any (www/provenance.js).
 */
export function provenanceInfo(prov, { verdict } = {}) {
  const kind = prov?.kind ?? 'self_reported';
  let info;
  if (kind === 'measured_here') {
    info = { kind, label: 'measured here', cls: 'measured', detail: 'Measured here: this browser ran the entry, so every figure is its own measurement.' };
  } else if (kind === 'verified') {
    const r = prov.run ?? {};
    const claim = Number.isFinite(r.claimed_speedup) ? ` The submitter claimed ${num(r.claimed_speedup, 2)}×: ${r.reproduced === false ? 'the verifier did not reproduce that claim' : r.reproduced ? 'reproduced' : 'not compared'}.` : '';
    info = {
      kind, cls: 'verified', notReproduced: r.reproduced === false,
      label: `verified · ${r.engine || 'unknown engine'}, seed ${r.seed ?? '?'}, ${fmtDay(r.at)}`,
      detail: `Verified: re-measured by a verifier run (npm run board:verify) in ${r.engine || 'an unknown engine'}, build ${r.build_id || '?'}, ${r.cores ?? '?'} cores, seed ${r.seed ?? '?'}, ${fmtDay(r.at)}; ${r.runs ?? '?'} runs, spread ${num((r.spread ?? NaN) * 100, 1)}%. The figures shown are the verifier's measurement.${claim}`,
    };
  } else {
    const source = prov?.source || 'unknown';
    info = { kind: 'self_reported', cls: 'self', source, label: `self-reported · ${shortSource(source)}`, detail: `Self-reported (${source}): the figures are the submitter's word, not measured in this browser; ranked only among self-reported entries.` };
  }
  if (verdict) {
    info.verdict = verdict;
    info.verdictText = `Re-run in this browser ${fmtDay(verdict.at)}: ${verdict.summary}`;
  }
  return info;
}

/** Badges for an entry's provenance (and this browser's re-run verdict on it): spans with a title. */
export function provenanceBadges(prov, opts = {}) {
  const p = provenanceInfo(prov, opts);
  return [
    h('span', { class: `badge prov ${p.cls}`, title: p.detail, dataset: { provenance: p.kind } }, p.label),
    p.notReproduced ? h('span', { class: 'badge prov bad', title: p.detail }, 'claim not reproduced') : null,
    p.verdict ? h('span', { class: `badge prov ${p.verdict.reproduced ? 'verified' : 'bad'}`, title: p.verdictText, dataset: { verdict: p.verdict.reproduced ? 'reproduced' : 'not-reproduced' } },
      p.verdict.reproduced ? 'reproduced here' : 'not reproduced') : null,
  ];
}

/** The trust signals of one report, as list items a person can read. */
export function trustSignals(report) {
  const items = [];
  const f = envFacts(report.environment);
  const t = timingOf(report);
  if (t.unstable) items.push(['bad', `Unstable measurement: ${t.unstable_reason ?? 'the timings varied too much'}. It is listed but not ranked with stable entries.`]);
  else items.push(['good', 'Stable: the confidence interval is tight enough to rank.']);
  const ci = t.speedup_ci;
  if (ci && ci.every(Number.isFinite)) items.push(['', `Speedup ${Math.round((t.ci_level ?? 0.95) * 100)}% CI ${num(ci[0])}×–${num(ci[1])}× (±${num(((ci[1] - ci[0]) / 2 / t.speedup) * 100, 1)}%, bootstrap).`]);
  if (t.rounds) items.push(['', `${t.rounds} rounds, baseline and entry interleaved${t.order ? ` (order ${String(t.order).slice(0, 16)}${String(t.order).length > 16 ? '…' : ''})` : ''}; ${t.baseline?.iters_per_sample ?? '?'} / ${t.candidate?.iters_per_sample ?? '?'} calls of ${report.batch ?? '?'} inputs per timed sample.`]);
  if (t.budget_limited) items.push(['bad', 'The time budget ended the run before the target number of rounds: a longer budget gives a tighter interval.']);
  if (report.accuracy) items.push([report.accuracy.delta_pp < -1 ? 'bad' : 'good', `Accuracy checked on ${int(report.accuracy.samples)} held-out samples: ${signed(report.accuracy.delta_pp)} pp vs the reference.`]);
  const v = report.verification;
  if (v) items.push(['good', `Every call verified: ${int(v.calls)} calls (${int(v.timed_calls)} of them timed) compared with the reference's logits outside the timer; predictions agree on ${num(v.agreement * 100, 2)}%, worst call ${num(v.worst_call_rel_rms, 4)} relative RMS; ${int(v.checks)} check batches sat at seeded positions, ${int(v.checks_among_timed_calls)} of them among the timed calls (checking took ${num(v.verify_ms / 1000, 1)} s).`]);
  if (f.isolated === false) items.push(['bad', 'Not cross-origin isolated: timers coarsened (about 100 µs); the profiler times long batches, so CIs are wider.']);
  else if (f.isolated === true) items.push(['good', 'Cross-origin isolated: fine-grained timers.']);
  if (Number.isFinite(f.resolutionUs)) items.push([f.resolutionUs > 20 ? 'bad' : '', `Measured timer resolution ${num(f.resolutionUs, 1)} µs${f.scope ? ` (${f.scope})` : ''}.`]);
  if (f.simd === false) items.push(['bad', 'WebAssembly SIMD was not available.']);
  for (const w of f.warnings) items.push(['bad', w]);
  if (Number.isFinite(report.elapsed_ms)) items.push(['', `Measured in ${num(report.elapsed_ms / 1000, 1)} s on ${browserName(f.ua)}${f.cores ? `, ${f.cores} logical cores` : ''}.`]);
  return items;
}

/** Innovation evidence, line by line. */
export function innovationList(innovation) {
  if (!innovation) return null;
  const techniques = innovation.techniques ?? [];
  return h('div', { class: 'innovation' },
    // The board's precision: the engine ranks the score rounded to 0.001, shown as 75.5 / 100.
    h('h4', {}, `Innovation ${num(Math.round((innovation.score ?? 0) * 1000) / 10, 1)} / 100`),
    h('ul', { class: 'evidence' }, techniques.map((t) => h('li', { class: t.detected ? 'detected' : 'absent', dataset: { technique: t.id } },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, t.detected ? '✓' : '·'),
      h('span', { class: 'tname' }, t.name ?? t.id), ' ',
      h('span', { class: 'points' }, t.detected ? `+${num(t.points * 100, 0)} of ${num((t.max_points ?? 0) * 100, 0)}` : 'not detected'),
      (t.evidence ?? []).length ? h('ul', {}, t.evidence.map((e) => h('li', {}, e))) : null))),
    (innovation.claimed_not_detected ?? []).length
      ? h('p', { class: 'claimed' }, 'Claimed in the description but not found in the package: ', innovation.claimed_not_detected.join(', '))
      : null);
}

/**
 * A result card for one Entry. opts: {title, compact, innovation (show evidence), actions: [nodes],
 * verdict (this browser's re-run verdict on the entry, shown beside its provenance)}
 */
export function resultCard(entry, eventInfo, opts = {}) {
  const r = entry.report ?? entry;
  const t = timingOf(r);
  const division = entry.division ?? entry.gate?.division;
  const title = opts.title ?? eventInfo?.title ?? entry.event;
  const acc = r.accuracy ?? {};
  const mem = r.memory ?? {};
  const cand = t.candidate ?? {}, base = t.baseline ?? {};
  const ci = t.speedup_ci;
  const card = h('article', { class: `card result${opts.compact ? ' compact' : ''}`, dataset: { event: entry.event ?? r.event, hash: entry.hash ?? '', state: 'done' } },
    h('header', { class: 'card-head' },
      h('h3', {}, title),
      h('div', { class: 'badges' },
        entry.provenance || opts.verdict ? provenanceBadges(entry.provenance, { verdict: opts.verdict }) : null,
        division ? h('span', { class: `badge ${division}`, title: entry.gate?.reason ?? '' }, `${division} division`) : null,
        t.unstable ? h('span', { class: 'badge warn', title: t.unstable_reason ?? '' }, 'unstable') : h('span', { class: 'badge ok' }, 'stable'))),
    entry.team && !opts.hideTeam ? h('p', { class: 'byline' }, h('strong', {}, entry.team), entry.description ? ` — ${entry.description}` : '') : null,
    h('div', { class: 'kpis' },
      kpi('speedup', 'Speedup', Number.isFinite(t.speedup) ? `${num(t.speedup)}×` : '—',
        ci ? `${Math.round((t.ci_level ?? 0.95) * 100)}% CI ${num(ci[0])}–${num(ci[1])}×` : ''),
      kpi('latency', r.batch > 1 ? `Median latency · batch ${r.batch}` : 'Median latency', fmtMs(cand.median_ms),
        `p10–p90 ${fmtMs(cand.p10_ms)}–${fmtMs(cand.p90_ms)} · baseline ${fmtMs(base.median_ms)}`),
      kpi('accuracy', 'Accuracy', pct(acc.candidate),
        `reference ${pct(acc.reference)} (${signed(acc.delta_pp)} pp)`),
      kpi('memory', 'Weights', bytes(mem.weight_bytes),
        `baseline ${bytes(mem.reference_weight_bytes)} · activations ${bytes(mem.peak_activation_bytes)}`)),
    (base.samples_ms || cand.samples_ms) ? h('figure', { class: 'mini-chart' }, chartBox((w) => latencyChart(t, { compact: w < 360, width: w }))) : null,
    opTimeView(entry, { open: !opts.compact }), // where the time goes, op by op (www/optime.js)
    opts.innovation ? innovationList(entry.innovation) : null,
    h('details', { class: 'trust', open: opts.trustOpen || undefined },
      h('summary', {}, 'Trust signals'),
      h('ul', {}, provenanceTrust(entry, opts.verdict),
        entry.gate?.reason ? h('li', { class: entry.gate.division === 'closed' ? 'good' : 'bad' }, `Accuracy gate: ${entry.gate.reason}`) : null,
        trustSignals(r).map(([cls, text]) => h('li', { class: cls }, text)))),
    entry.hash ? h('p', { class: 'hash' }, 'Model hash ', h('code', { title: entry.hash }, shortHash(entry.hash))) : null,
    opts.actions?.length ? h('div', { class: 'card-actions' }, opts.actions) : null);
  return card;
}

/** The trust list's first lines: where the figures come from, and this browser's re-run verdict. */
function provenanceTrust(entry, verdict) {
  if (!entry.provenance && !verdict) return null;
  const p = provenanceInfo(entry.provenance, { verdict });
  return [
    h('li', { class: p.kind === 'self_reported' || p.notReproduced ? 'bad' : 'good', dataset: { provenance: p.kind } }, p.detail),
    p.verdict ? h('li', { class: p.verdict.reproduced ? 'good' : 'bad', dataset: { verdict: p.verdict.reproduced ? 'reproduced' : 'not-reproduced' } }, p.verdictText) : null,
  ];
}

/** A card for an event that has not run yet. */
export function eventCard(info, { status = 'Not run yet.', actions } = {}) {
  return h('article', { class: 'card pending', dataset: { event: info.id, state: 'idle' } },
    h('header', { class: 'card-head' }, h('h3', {}, info.title ?? info.id)),
    h('p', { class: 'arch' }, info.architecture ?? ''),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Parameters'), h('dd', {}, int(info.params)),
      h('dt', {}, 'FLOPs / inference'), h('dd', {}, int(info.flops_per_inference)),
      h('dt', {}, 'Held-out set'), h('dd', {}, `${int(info.heldout_samples)} samples`),
      h('dt', {}, 'Accuracy to keep'), h('dd', {}, `≥ ${pct(info.accuracy_threshold)} (reference ${pct(info.recorded_accuracy)})`)),
    h('div', { class: 'card-progress', hidden: true }, h('progress', { max: 1, value: 0, 'aria-label': `Progress of ${info.title ?? info.id}` })),
    h('p', { class: 'status card-status', role: 'status' }, status),
    actions ? h('div', { class: 'card-actions' }, actions) : null);
}

export function notice(kind, title, text, { id } = {}) {
  const box = $('notices');
  if (id && document.getElementById(id)) document.getElementById(id).remove();
  const n = h('div', { class: `notice ${kind}`, id, role: kind === 'error' ? 'alert' : 'status' }, h('strong', {}, title), ' ', text);
  box.append(n);
  return n;
}

export function setStatus(el, text, kind = '') {
  el.textContent = text;
  el.classList.toggle('error', kind === 'error');
  el.classList.toggle('ok', kind === 'ok');
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function readText(file) {
  return file.text ? file.text() : new Response(file).text();
}
