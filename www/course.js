// Course boards (`?board=URL`): where a board may come from, what it says about its entries, and the
// box that shows it. Display and wiring only: the entries are validated and keyed by the engine's
// mergeEntries, and every rank comes from leaderboards().
//
// - Only http(s) addresses are fetched; `data:`, `blob:`, `javascript:`, `file:` and anything else is
//   refused with a notice and nothing from it is shown.
// - A board written by `npm run board:verify` has a top-level `verifier` object next to `entries`:
//   served from this page's own origin (the course's site, where students cannot put files), its
//   entries keep the provenance the file gives them (a verified entry shows "verified") — for display
//   in this course board view only. Any file can carry a `verifier` object, so a board from any other
//   origin (a student's own site) is self-reported as a whole, and the box says why. A board without
//   one is self-reported as a whole.
//   Everything else in a board (an entry claiming "measured here", a self-reported one) becomes
//   self-reported from the board's URL.
// - "Add these entries to my leaderboard" stores them self-reported from the board's URL, always.
import { h, int } from './ui.js';
import { mergeFrom } from './provenance.js';

/** `{url}` for an http(s) board address (relative ones resolve against the page), or `{refused}` saying why not. */
export function boardAddress(src, base = location.href) {
  let url;
  try {
    url = new URL(src, base);
  } catch {
    return { refused: `Course boards load only from http(s) addresses; “${clip(src)}” is not an address.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { refused: `Course boards load only from http(s) addresses; this one is ${clip(src)}. Nothing from it is shown.` };
  }
  return { url };
}

const clip = (s, n = 48) => (String(s).length > n ? `${String(s).slice(0, n)}…` : String(s));

const fmtDate = (d) => {
  const t = typeof d === 'number' ? d : Date.parse(d);
  return Number.isFinite(t) ? new Date(t).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : 'date unknown';
};

/** The board's top-level `verifier` object (board:verify), if the text is JSON and has one. */
function verifierOf(text) {
  try {
    const v = JSON.parse(text)?.verifier;
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null; // the engine's merge says what is wrong with the file
  }
}

/**
 * Fetches and reads a course board: `{url, host, verifier, trusted, entries, keys, text}`. Entries are
 * the engine's, self-reported from the board's URL, except — on a board with a `verifier` served from
 * `origin`, this page's (`trusted`) — those the file marks verified, which keep that for this view.
 * Throws a message a person can read.
 */
export async function loadBoard(engine, url, origin = location.origin) {
  const res = await fetch(url, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
  const text = await res.text();
  const source = url.href;
  const outside = await mergeFrom(engine, [], text, source);
  const verifier = verifierOf(text);
  const trusted = Boolean(verifier) && url.origin === origin;
  let entries = outside.entries;
  if (trusted) {
    const asGiven = await engine.request('merge', { existing: [], text });
    const given = new Map(asGiven.keys.map((k, i) => [k, asGiven.entries[i]]));
    entries = outside.keys.map((k, i) => (given.get(k)?.provenance?.kind === 'verified' ? given.get(k) : outside.entries[i]));
  }
  return { url, host: url.host, verifier, trusted, origin, entries, keys: outside.keys, text, source };
}

/** Counts of the board's entries by provenance, in words: "2 verified (1 claim not reproduced), 1 self-reported". */
function provenanceCounts(entries) {
  const verified = entries.filter((e) => e.provenance?.kind === 'verified');
  const notRepro = verified.filter((e) => e.provenance.run?.reproduced === false).length;
  const self = entries.length - verified.length;
  return [verified.length ? `${verified.length} verified${notRepro ? ` (${notRepro} ${notRepro === 1 ? 'claim' : 'claims'} not reproduced)` : ''}` : '',
    self ? `${self} self-reported` : ''].filter(Boolean).join(', ');
}

/** The box above the boards: where the board came from and whether its entries were re-measured. */
export function boardInfo(board, { onAdd } = {}) {
  const v = board.verifier;
  const trust = v && !board.trusted
    ? h('p', { class: 'course-trust self', dataset: { trust: 'self-reported' } }, h('span', { 'aria-hidden': 'true' }, '◌ '),
      `This board says it was verified, but it is served from ${board.host}, not from this page’s site (${new URL(board.origin).host}): `,
      'only a board published next to the page can vouch for its entries, so they are shown self-reported, ranked only among self-reported entries.')
    : v
    ? h('p', { class: 'course-trust verified', dataset: { trust: 'verified' } }, h('span', { 'aria-hidden': 'true' }, '✔ '),
      `Verified by a run in ${v.engine || 'an unknown engine'}, build ${v.build_id || '?'}, ${fmtDate(v.date)}`,
      v.cores ? ` (${v.cores} cores)` : '', ` — as the board file states. ${provenanceCounts(board.entries)}.`)
    : h('p', { class: 'course-trust self', dataset: { trust: 'self-reported' } }, h('span', { 'aria-hidden': 'true' }, '◌ '),
      'Self-reported entries, not re-measured: ranked only among self-reported entries, below those measured in this browser or verified.');
  const add = h('button', { type: 'button', class: 'course-add' }, 'Add these entries to my leaderboard');
  add.addEventListener('click', async () => {
    add.disabled = true;
    try {
      add.textContent = await onAdd();
    } catch (e) {
      add.textContent = `Could not add them: ${e.message}`;
    }
  });
  return [
    h('p', { class: 'course-src' }, h('strong', {}, 'Course leaderboard: '), `${int(board.entries.length)} entries from `, h('strong', { class: 'course-host' }, board.host), ' — ',
      h('a', { href: board.url.href, rel: 'noopener' }, board.url.href), '. Ranked together with your own entries (marked “you”).'),
    trust,
    onAdd ? h('p', { class: 'course-actions' }, add, h('span', { class: 'hint' }, ' They are stored self-reported (from this board’s address), whatever the board says.')) : null,
  ];
}
