// The visitor's entries, persisted in IndexedDB through idb-keyval (www/vendor/, from npm), keyed by the
// engine's entry hash. When IndexedDB is unavailable (private windows of some browsers, storage
// disabled, quota) it falls back to memory and says so: `store.persistent === false`, `store.reason`.
// Entries are stored exactly as the engine returned them; validation and merging are the engine's job.
import { createStore, get, set, del, values, clear } from './vendor/idb-keyval.js';

export async function openStore(name = 'tinymlperf') {
  try {
    if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
    const db = createStore(name, 'entries');
    // A round trip proves the store works (Firefox private mode fails here, not at open).
    await set('__probe__', 1, db);
    if ((await get('__probe__', db)) !== 1) throw new Error('IndexedDB read back a different value');
    await del('__probe__', db);
    return {
      persistent: true,
      reason: '',
      all: async () => (await values(db)).sort((a, b) => (a.submitted_at ?? 0) - (b.submitted_at ?? 0)),
      put: (entry) => set(entry.hash, entry, db),
      putMany: async (entries) => { for (const e of entries) await set(e.hash, e, db); },
      remove: (hash) => del(hash, db),
      clear: () => clear(db),
    };
  } catch (e) {
    const mem = new Map();
    return {
      persistent: false,
      reason: e && e.message ? e.message : String(e),
      all: async () => [...mem.values()],
      put: async (entry) => { mem.set(entry.hash, entry); },
      putMany: async (entries) => { for (const x of entries) mem.set(x.hash, x); },
      remove: async (hash) => { mem.delete(hash); },
      clear: async () => mem.clear(),
    };
  }
}
