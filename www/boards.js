// Leaderboards with each team's history, and the visitor's entries stored by identity.
//
// Identity is the engine's: an entry is its team *and* its artifact (`entry_key` in Rust, the `keys`
// that mergeEntries returns beside its `entries`, `key` on every board row and history item). This
// module never derives a key itself; it asks the engine (the worker's `merge` request with an empty
// import keys and deduplicates a list) and stores entries under the keys it gets back.
//
// Boards: the engine gives one row per team and division (the team's best by that board's rule) with
// the team's other entries in `row.history`, best first; each row shows them in a <details>
// disclosure ("2 earlier") listing their value and date.
import { createStore, set, del, entries as idbEntries, clear } from './vendor/idb-keyval.js';
import { h, shortHash, provenanceInfo } from './ui.js';

// The table styles live beside this module; loaded once, whoever imports it.
if (typeof document !== 'undefined' && !document.querySelector('link[data-boards-css]')) {
  document.head.append(h('link', { rel: 'stylesheet', href: new URL('./boards.css', import.meta.url).href, dataset: { boardsCss: '' } }));
}

// ---------------------------------------------------------------- identity and storage

/** `{entries, keys}`: `list` deduplicated by the engine's entry key, `keys[i]` the key of `entries[i]`. */
export async function keyEntries(engine, list) {
  if (!list.length) return { entries: [], keys: [] };
  const res = await engine.request('merge', { existing: list, text: '[]' });
  if (!Array.isArray(res.keys)) throw new Error('this build of the engine returns no entry keys — rebuild www/pkg (bash scripts/build.sh)');
  return { entries: res.entries, keys: res.keys };
}

/**
 * The visitor's store (www/store.js's `openStore()` result) keyed by entry key instead of hash:
 * `put(key, entry)`, `putMany([[key, entry]…])`, `records()` as `[key, entry]` pairs, `all()`,
 * `remove(key)`, `clear()`. Same IndexedDB database and object store; in memory when `base` is.
 */
export function keyedStore(base, name = 'tinymlperf') {
  const sorted = (list) => list.sort((a, b) => (a.submitted_at ?? 0) - (b.submitted_at ?? 0));
  const isEntry = ([, v]) => v && typeof v === 'object' && typeof v.hash === 'string';
  if (!base.persistent) {
    const mem = new Map();
    return {
      persistent: false, reason: base.reason,
      records: async () => [...mem.entries()],
      all: async () => sorted([...mem.values()]),
      put: async (key, entry) => { mem.set(key, entry); },
      putMany: async (pairs) => { for (const [k, e] of pairs) mem.set(k, e); },
      remove: async (key) => { mem.delete(key); },
      clear: async () => mem.clear(),
    };
  }
  const db = createStore(name, 'entries');
  return {
    persistent: true, reason: '',
    records: async () => (await idbEntries(db)).filter(isEntry),
    all: async () => sorted((await idbEntries(db)).filter(isEntry).map(([, e]) => e)),
    put: (key, entry) => set(key, entry, db),
    putMany: async (pairs) => { for (const [k, e] of pairs) await set(k, e, db); },
    remove: (key) => del(key, db),
    clear: () => clear(db),
  };
}

/**
 * Loads the stored entries as a Map key → entry. Records stored under any other key (pages before
 * identity was team + artifact stored them under their hash) are moved to their key; two records
 * with one key keep the earlier-stored one, as every merge does.
 */
export async function loadOwn(store, engine) {
  const records = (await store.records()).sort(([, a], [, b]) => (a.submitted_at ?? 0) - (b.submitted_at ?? 0));
  const { entries, keys } = await keyEntries(engine, records.map(([, e]) => e));
  const stored = new Set(records.map(([k]) => k));
  const wanted = new Set(keys);
  const moves = keys.map((k, i) => [k, entries[i]]).filter(([k]) => !stored.has(k));
  if (moves.length) await store.putMany(moves);
  for (const [k] of records) if (!wanted.has(k)) await store.remove(k);
  return new Map(keys.map((k, i) => [k, entries[i]]));
}

/** Adds entries to the store and to `own` under their keys (a resubmission replaces its record); returns the keys. */
export async function addOwn(store, own, engine, list) {
  const { entries, keys } = await keyEntries(engine, list);
  await store.putMany(keys.map((k, i) => [k, entries[i]]));
  keys.forEach((k, i) => own.set(k, entries[i]));
  return keys;
}

/**
 * The course board and the visitor's entries as one keyed list (a key in both counts once: the copy
 * measured in this browser, else the course board's, else the visitor's imported one).
 */
export async function allEntries(engine, course, own) {
  if (!course.length) return { entries: [...own.values()], keys: [...own.keys()] };
  const mine = [...own.values()];
  const here = (e) => e.provenance?.kind === 'measured_here';
  return keyEntries(engine, [...mine.filter(here), ...course, ...mine.filter((e) => !here(e))]);
}

// ---------------------------------------------------------------- rendering

export const BOARDS = [
  ['speed', 'Speed', 'speedup over the baseline'],
  ['innovation', 'Innovation', 'score from detected techniques'],
  ['composite', 'Composite', 'speed and innovation combined'],
];

export function formatValue(kind, v) {
  if (!Number.isFinite(v)) return '—';
  if (kind === 'speed') return `${v.toFixed(2)}×`;
  return (v <= 1 ? v * 100 : v).toFixed(1);
}

const fmtDate = (ms) => (Number.isFinite(ms) && ms > 0
  ? new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
  : 'date unknown');

/** "2 earlier", "1 later", "1 earlier, 1 later": the row's other entries relative to the one shown. */
function historyLabel(row) {
  const earlier = row.history.filter((x) => x.submitted_at <= row.submitted_at).length;
  const later = row.history.length - earlier;
  return [earlier ? `${earlier} earlier` : '', later ? `${later} later` : ''].filter(Boolean).join(', ');
}

/** The team's other entries on this board, best first, as the engine ordered them. */
function historyList(kind, row, ctx) {
  const n = row.history.length;
  return h('details', { class: 'history', dataset: { count: String(n) } },
    h('summary', { 'aria-label': `${row.team}: ${n} other ${n === 1 ? 'entry' : 'entries'} on this board (${historyLabel(row)})` }, historyLabel(row)),
    h('ol', { class: 'history-list' }, row.history.map((x) => h('li', {
      dataset: { key: x.key, hash: x.hash }, class: x.ranked ? undefined : 'unranked', title: ctx.describe?.(x.key) || undefined,
    },
    h('span', { class: 'h-value' }, formatValue(kind, x.value)),
    h('time', { class: 'h-date', datetime: Number.isFinite(x.submitted_at) && x.submitted_at > 0 ? new Date(x.submitted_at).toISOString() : undefined }, fmtDate(x.submitted_at)),
    h('code', { class: 'h-hash', title: x.hash }, shortHash(x.hash).slice(0, 8)),
    x.ranked ? null : h('span', { class: 'h-note' }, 'unstable, not ranked')))));
}

/**
 * Where a row's figures come from, as a line under the team: "measured here", "self-reported · file
 * x.json", "verified · Chromium 141, seed 7, Nov 30, 2026" (+ "claim not reproduced"), and this
 * browser's re-run verdict on it. The row's `provenance` kind is the engine's; the entry gives the details.
 */
function provenanceLine(r, ctx) {
  const entry = ctx.entryOf?.(r.key);
  const prov = entry?.provenance?.kind === r.provenance ? entry.provenance : { kind: r.provenance || 'self_reported', source: '' };
  const p = provenanceInfo(prov, { verdict: ctx.verdictOf?.(r.key) });
  const mark = { measured: '●', verified: '✔', self: '◌' }[p.cls] ?? '◌';
  return h('span', { class: `prov ${p.cls}`, title: p.detail, dataset: { provenance: p.kind } },
    h('span', { class: 'prov-mark', 'aria-hidden': 'true' }, mark), ' ', p.label,
    p.notReproduced ? h('span', { class: 'prov-bad' }, ' · claim not reproduced') : null,
    p.verdict ? h('span', { class: p.verdict.reproduced ? 'prov-ok' : 'prov-bad', title: p.verdictText, dataset: { verdict: p.verdict.reproduced ? 'reproduced' : 'not-reproduced' } },
      p.verdict.reproduced ? ' · reproduced here' : ' · not reproduced') : null);
}

// "Group by browser": the self-reported rows of every board, grouped by the browser engine that
// measured them (the engine's `self_reported_by_engine`, ranked per engine in Rust). One choice for all
// boards, kept in this browser; toggling re-renders only the self-reported part of each board.
const GROUP_PREF = 'tinymlperf.boards.groupByEngine';
let groupByEngine = (() => { try { return globalThis.localStorage?.getItem(GROUP_PREF) === '1'; } catch { return false; } })();

/** Groups (or ungroups) the self-reported rows of every board on the page by browser engine. */
export function setGroupByEngine(on) {
  groupByEngine = Boolean(on);
  try { globalThis.localStorage?.setItem(GROUP_PREF, groupByEngine ? '1' : '0'); } catch { /* private mode: this page only */ }
  if (typeof document === 'undefined') return;
  for (const board of document.querySelectorAll('.board')) board.renderSelfReported?.();
}

/**
 * One board's table. `ctx`: `isOwn(key)` (in this browser's store), `isCourse(key)`, `describe(key)`
 * (a row's tooltip), `entryOf(key)` (the entry, for its provenance's details), `verdictOf(key)` (this
 * browser's re-run verdict on it). Self-reported rows, which the engine ranks apart after every
 * measured or verified one, sit under their own heading; with "Group by browser" they are the engine's
 * `groups` instead (one sub-heading per browser engine, "Chromium 156 (3 entries)", ranks restarting).
 */
export function boardTable(kind, title, what, rows, ctx, groups = null) {
  const head = h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'team'),
    h('th', { scope: 'col' }, kind === 'speed' ? 'speedup' : 'score')));
  const row = (r) => {
    // "you" only for what this browser measured: an imported or linked entry is somebody's word.
    const own = ctx.isOwn(r.key) && r.provenance === 'measured_here';
    const course = ctx.isCourse(r.key);
    const history = r.history ?? [];
    // The division is the sub-heading's and the source the provenance line's; a note (the engine's
    // reason: unstable, open division) wraps under the team, never squeezing it.
    const notes = [r.unstable ? 'unstable' : '', r.note ?? ''].filter(Boolean).join('; ');
    return h('tr', { dataset: { hash: r.hash, key: r.key, history: String(history.length), provenance: r.provenance || undefined, engine: r.engine || undefined }, class: [own ? 'own' : '', r.rank == null ? 'unranked' : ''].join(' ').trim() || undefined },
      h('td', { class: 'rank' }, r.rank == null ? '–' : `${r.rank}${r.tied ? '=' : ''}`),
      h('td', { class: 'team', title: ctx.describe?.(r.key) || undefined }, r.team, own ? h('span', { class: 'badge you' }, 'you') : null, course ? h('span', { class: 'badge course' }, 'course') : null,
        provenanceLine(r, ctx), notes ? h('small', { class: 'notes' }, notes) : null,
        history.length ? historyList(kind, { ...r, history }, ctx) : null),
      h('td', { class: 'value' }, formatValue(kind, r.value), r.ci && kind === 'speed' ? h('small', {}, `CI ${r.ci.map((x) => x.toFixed(2)).join('–')}`) : null));
  };
  const anyNotes = rows.some((r) => r.division === 'open' || r.unstable || r.note);
  // The engine lists self-reported rows last, ranked only among themselves: they get a table of their
  // own under a heading, so nobody reads them as measured here.
  const split = rows.findIndex((r) => r.provenance === 'self_reported');
  const measured = split < 0 ? rows : rows.slice(0, split);
  const self = split < 0 ? [] : rows.slice(split);
  const table = (list, cls) => h('div', { class: 'table-wrap' }, h('table', { class: cls }, head.cloneNode(true), h('tbody', {}, list.map(row))));
  // Open-division rows (ranked among themselves, after the closed ones) under a sub-heading of their
  // own, one level below the heading of the rows they belong to.
  const divided = (list, cls, level = 4) => {
    const open = list.filter((r) => r.division === 'open');
    const closed = list.filter((r) => r.division !== 'open');
    return [closed.length ? table(closed, cls) : null, open.length ? [
      h(`h${level}`, { class: 'division-head open' }, 'Open division', h('small', {}, ' — missed the closed accuracy gate; ranked among themselves')),
      table(open, `${cls} open`)] : null];
  };
  const board = h('div', { class: `board${anyNotes ? '' : ' no-notes'}`, dataset: { board: kind } },
    h('h3', {}, title, h('small', {}, ` — ${what}`)),
    rows.length === 0 ? h('p', { class: 'empty' }, 'No entries yet. Submit one above, import a file, or open a course board.') : null,
    measured.length ? divided(measured, 'measured') : null);
  if (!self.length) return board;

  const canGroup = Array.isArray(groups) && groups.length > 0;
  const how = h('small', {});
  const toggle = canGroup ? h('input', { type: 'checkbox', class: 'group-by-engine', onchange: (ev) => setGroupByEngine(ev.target.checked) }) : null;
  const body = h('div', { class: 'self-body' });
  board.append(
    h('h4', { class: 'group-head self' }, 'Self-reported — not measured in this browser', how),
    canGroup ? h('label', { class: 'group-toggle' }, toggle, ' Group by browser',
      h('small', {}, groups.length === 1 ? ` (all from ${groups[0].engine})` : ` (${groups.length} engines)`)) : null,
    body);
  board.renderSelfReported = () => {
    const grouped = canGroup && groupByEngine;
    if (toggle) toggle.checked = grouped;
    board.dataset.grouping = grouped ? 'engine' : 'none';
    how.textContent = grouped ? ' ranked only among entries from the same browser engine' : ' ranked only among themselves';
    body.replaceChildren(...(grouped
      ? groups.map((g) => h('section', { class: 'engine-group', dataset: { engine: g.engine } },
        h('h5', { class: 'engine-head' }, g.engine, h('small', {}, ` (${g.entries} ${g.entries === 1 ? 'entry' : 'entries'})`)),
        divided(g.rows, 'self-reported', 6)))
      : divided(self, 'self-reported', 5)).flat(Infinity).filter(Boolean));
  };
  board.renderSelfReported();
  return board;
}

/** The three tables of an event's boards. */
export function boardTables(boards, ctx) {
  return BOARDS.map(([kind, title, what]) => boardTable(kind, title, what, boards[kind] ?? [], ctx, boards.self_reported_by_engine?.[kind] ?? null));
}

/** Where the entry `key` landed on one board, in words: "#2", "unranked", or behind its team's best. */
export function placeOf(rows = [], key) {
  const row = rows.find((r) => r.key === key);
  if (row) return row.rank ? `#${row.rank}` : 'unranked';
  const best = rows.find((r) => (r.history ?? []).some((x) => x.key === key));
  if (best) return `in history (team best ${best.rank ? `#${best.rank}` : 'unranked'})`;
  return 'unranked';
}
