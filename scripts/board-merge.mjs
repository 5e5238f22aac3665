// `npm run board:merge -- -o board.json FILE_OR_LINK…` — the instructor's side of a course leaderboard
// without a server. Merges students' exported entries (JSON files from the page's "Export JSON"),
// single entries, and share links (a full URL with #share=…, the bare v1.… payload, or a .txt file
// with one link per line) into one JSON file to publish anywhere static; students open
// `index.html?board=<URL of that file>`.
//
// All parsing, validation and merging is the engine's (Rust, loaded here from www/pkg in Node):
// decodeShare() checks each link's version and checksum, mergeEntries() validates each file and
// merges by entry key (team and artifact: two students with the same package are both kept, and a
// student's earlier entries stay), exportEntries() writes the result. A bad input is reported and skipped; it
// never removes an entry another input contributed. Exit status 1 if any input was rejected.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run board:merge -- [-o board.json] [--base existing-board.json] FILE_OR_LINK...';

export async function loadEngine() {
  const wasm = path.join(ROOT, 'www/pkg/tinymlperf_bg.wasm');
  if (!fs.existsSync(wasm)) throw new Error('www/pkg is missing: build the engine first (bash scripts/build.sh)');
  const engine = await import(path.join(ROOT, 'www/pkg/tinymlperf.js'));
  engine.initSync({ module: fs.readFileSync(wasm) });
  for (const f of ['mergeEntries', 'decodeShare', 'exportEntries']) {
    if (typeof engine[f] !== 'function') throw new Error(`this engine build has no ${f}(): rebuild www/pkg`);
  }
  return engine;
}

const shareOf = (s) => s.trim().match(/(?:#share=)?(v\d+\.[A-Za-z0-9_\-.~%]+)$/)?.[1];

/** Merges inputs into `entries`; returns {entries, report: [{input, ok, added, duplicates, error}]}. */
export function mergeInputs(engine, inputs, entries = []) {
  const report = [];
  const addText = (label, text) => {
    try {
      const r = engine.mergeEntries(entries, text);
      entries = r.entries;
      report.push({ input: label, ok: true, added: r.added, duplicates: r.duplicates });
    } catch (e) {
      report.push({ input: label, ok: false, error: e.message ?? String(e) });
    }
  };
  const addLink = (label, link) => {
    try {
      const entry = engine.decodeShare(decodeURIComponent(shareOf(link) ?? link));
      addText(label, engine.exportEntries([entry]));
    } catch (e) {
      report.push({ input: label, ok: false, error: e.message ?? String(e) });
    }
  };
  for (const input of inputs) {
    if (fs.existsSync(input)) {
      const text = fs.readFileSync(input, 'utf8');
      if (/^\s*[[{]/.test(text)) addText(input, text);
      else text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).forEach((l, i) => addLink(`${input}:${i + 1}`, l));
    } else if (shareOf(input)) {
      addLink(`${input.slice(0, 40)}…`, input);
    } else {
      report.push({ input, ok: false, error: 'no such file, and not a share link' });
    }
  }
  return { entries, report };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let out = 'board.json', base = null;
  const inputs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o' || args[i] === '--out') out = args[++i];
    else if (args[i] === '--base') base = args[++i];
    else if (args[i] === '-h' || args[i] === '--help') { console.log(USAGE); process.exit(0); } else inputs.push(args[i]);
  }
  if (!inputs.length) { console.error(USAGE); process.exit(2); }
  try {
    const engine = await loadEngine();
    let start = [];
    if (base) start = engine.mergeEntries([], fs.readFileSync(base, 'utf8')).entries;
    const { entries, report } = mergeInputs(engine, inputs, start);
    for (const r of report) console.log(r.ok ? `  ok    ${r.input}: ${r.added} added, ${r.duplicates} already present` : `  SKIP  ${r.input}: ${r.error}`);
    fs.writeFileSync(out, engine.exportEntries(entries));
    console.log(`wrote ${out}: ${entries.length} entries (${report.filter((r) => !r.ok).length} inputs rejected). Publish it and open index.html?board=<its URL>.`);
    process.exit(report.some((r) => !r.ok) ? 1 : 0);
  } catch (e) {
    console.error(`board:merge failed: ${e.message}`);
    process.exit(1);
  }
}
