// Where an entry's figures come from, on the page side: outside data enters only through the engine's
// mergeEntries with a source (so it is self-reported, whatever the file says), and "Re-run in my
// browser" ends with the engine's verdict (reproduceClaim), remembered for the claim.
//
// Verdicts are kept in this browser's IndexedDB (database `tinymlperf-verdicts`, store `verdicts`,
// in memory when storage is refused), keyed by the claim's entry key, so a claim that was not
// reproduced stays marked "not reproduced" on its card and its board row after a reload. A verdict
// applies to the claim it was made on: the stored record names the claimed speedup, and an entry of
// the same key with other figures (a later, different claim) is not marked by it.
// Nothing here judges anything: the verdict, its summary and its checks are the engine's.
import { createStore, set, entries as idbEntries } from './vendor/idb-keyval.js';
import { h, num } from './ui.js';

/** This browser's verdicts: `get(key)`, `put(key, verdict)`, `persistent`. Loaded once, read synchronously. */
export async function openVerdicts(name = 'tinymlperf-verdicts') {
  const mem = new Map();
  let db = null;
  try {
    db = createStore(name, 'verdicts');
    for (const [k, v] of await idbEntries(db)) mem.set(k, v);
  } catch {
    db = null; // private windows: the session keeps them in memory
  }
  return {
    persistent: Boolean(db),
    get: (key) => mem.get(key),
    put: async (key, verdict) => {
      mem.set(key, verdict);
      if (db) try { await set(key, verdict, db); } catch { /* kept in memory */ }
    },
  };
}

/** The verdict this browser made on `entry` (stored under `key`), or null if none or it was on another claim. */
export function verdictFor(verdicts, key, entry) {
  const v = key ? verdicts?.get(key) : null;
  return v && entry && v.claimed_speedup === entry.report?.timing?.speedup ? v : null;
}

/**
 * Merges outside data into the visitor's entries through the engine, marked self-reported from
 * `source` (`file results.json`, `share link`, a board URL). Returns the engine's
 * `{entries, keys, added, duplicates}`; throws the engine's message (nothing changes) on a bad file.
 */
export function mergeFrom(engine, existing, text, source) {
  if (!source) throw new Error('outside data needs a source');
  return engine.request('merge', { existing, text, source });
}

/** The engine's verdict on `claim` from `rerun` (this browser's run with the claim's seed). */
export async function judgeRerun(engine, claim, rerun) {
  return engine.request('reproduce', { claim, rerun });
}

/** What is stored for a verdict: the engine's figures and words, and when. */
export function verdictRecord(verdict, at = Date.now()) {
  const { reproduced, summary, claimed_speedup, claimed_ci, measured_speedup, accepted, engines, checks } = verdict;
  return { reproduced, summary, claimed_speedup, claimed_ci, measured_speedup, accepted, engines, checks, at };
}

/**
 * The verdict shown after a re-run: "Reproduced: …" (ok) or "Not reproduced: the link claims 500.0×,
 * this browser measured 31.0×" (error), the engine's summary and every check it made.
 */
export function verdictView(v, { persistent = true } = {}) {
  const figures = `the link claims ${num(v.claimed_speedup, 1)}×, this browser measured ${num(v.measured_speedup, 1)}×`;
  const headline = v.reproduced ? `Reproduced: ${figures}` : `Not reproduced: ${figures}`;
  return h('section', { class: `verdict ${v.reproduced ? 'ok' : 'bad'}`, role: v.reproduced ? 'status' : 'alert', 'aria-label': 'Re-run verdict', dataset: { verdict: v.reproduced ? 'reproduced' : 'not-reproduced' } },
    h('h3', { class: 'verdict-head' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, v.reproduced ? '✓ ' : '✗ '), headline),
    h('p', { class: 'verdict-summary' }, `The engine: ${v.summary}.`),
    h('ul', { class: 'verdict-checks' }, (v.checks ?? []).map((c) => h('li', { class: c.ok ? 'good' : 'bad' },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'), ' ',
      h('strong', {}, c.what), c.ok ? ' matches: ' : ' differs: ', c.detail))),
    h('p', { class: 'hint' }, `Speedups the engine accepts for this claim: ${num(v.accepted?.[0], 2)}–${num(v.accepted?.[1], 2)}×, in the same browser engine. `,
      persistent ? 'This verdict is kept in this browser: the claim is marked with it wherever it appears.' : 'This verdict is kept for this session: the claim is marked with it wherever it appears.'));
}
