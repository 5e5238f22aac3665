// Reference weights on demand, for www/worker.js. The page's engine build has no weights inside
// (feature `embedded-weights` off): before a request that needs an event, the worker fetches
// weights/<name>.safetensors (the browser's HTTP cache keeps it) and hands the bytes to the engine's
// provideWeights, which refuses them unless their SHA-256 is the one recorded when the engine was built.
// A build with embedded weights has no provideWeights, and nothing is fetched.

const BASE = new URL('../weights/', import.meta.url);
const provided = new Map(); // name → Promise<void>, per worker (each worker has its own engine instance)

// Requests that load their event's reference model (www/worker.js's handlers); any other request that
// turns out to need a file gets it through `missing` (the engine's error names it) and is re-run.
const LOADS_EVENT = new Set(['run-event', 'submit', 'submit-custom', 'inspect', 'reference-logits']);

/** The weights files a request needs: its event's (every file for the kernel benchmark). */
export function needed(type, args) {
  if (type === 'bench-kernels') return ['mlp_sprint', 'cnn_marathon', 'transformer_decathlon', 'mlp_sprint_sparse', 'transformer_decathlon_sparse'];
  if (!LOADS_EVENT.has(type)) return [];
  const events = [args?.event, args?.submission?.event, args?.recipe?.event];
  return [...new Set(events.filter((e) => typeof e === 'string' && /^[a-z0-9_]+$/.test(e)))];
}

/** The file an engine error says is missing (`weights/<name>.safetensors is not loaded`), if any. */
export function missing(error) {
  return String(error?.message ?? error).match(/weights\/([a-z0-9_]+)\.safetensors is not loaded/)?.[1];
}

async function fetchAndProvide(engine, name, cache) {
  const url = new URL(`${name}.safetensors`, BASE);
  const res = await fetch(url, { cache });
  if (!res.ok) throw new Error(`could not load the weights ${url.pathname} (HTTP ${res.status})`);
  engine.provideWeights(name, new Uint8Array(await res.arrayBuffer()));
}

/** Fetches and provides each of `names` once; an unknown name (not an event) is left to the engine. */
export function ensure(engine, names) {
  if (typeof engine.provideWeights !== 'function') return Promise.resolve();
  return Promise.all(names.map((name) => {
    if (!provided.has(name)) {
      const p = fetchAndProvide(engine, name, 'default').catch((e) => {
        // A stale cached copy fails the hash check: fetch once more past the cache.
        if (!/sha256/.test(String(e?.message ?? e))) throw e;
        return fetchAndProvide(engine, name, 'reload');
      });
      provided.set(name, p);
      p.catch(() => provided.delete(name));
    }
    return provided.get(name);
  }));
}
