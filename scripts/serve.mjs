// Static server for the page, on 127.0.0.1 only. Sends COOP/COEP so the page is cross-origin isolated
// (performance.now() precise to ~5 µs instead of 100 µs). Usage: node scripts/serve.mjs [--port N]
// (or PORT=N). Port 0 picks a free port. `--headless` instead runs every event in headless Chromium and
// prints the results (scripts/bench.mjs; `npm run bench:kernels` times every kernel). `--root dist` previews the deployable
// site `npm run build` writes; `--no-isolation` leaves out COOP/COEP, like a static host that cannot
// send headers (the page's service worker then adds them). Exports `serve()` for the e2e tests.
//
// Transfer: text, the engine and the weights go out brotli- or gzip-compressed as the browser's
// Accept-Encoding allows (Vary: Accept-Encoding), from a precompressed `<file>.br`/`.gz` beside the file
// when one is at least as new (dist/ has them), else compressed once and kept in memory. Every response
// carries an ETag and `Cache-Control: no-cache`: the browser keeps its copy and revalidates it (304).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.safetensors': 'application/octet-stream', '.ico': 'image/x-icon',
};
// Only the page's own files are served, never the source tree, target/ or node_modules/. The committed
// weights are served from weights/ (the page's engine build fetches them; dist/ holds a copy).
const ALLOWED = [/^\/index\.html$/, /^\/coi-sw\.js$/, /^\/www\//, /^\/weights\/[a-z0-9_]+\.safetensors$/, /^\/docs\/[^/]+\.png$/, /^\/favicon\.ico$/];
/** Worth compressing (PNG is compressed already). */
export const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.safetensors', '.ico', '.txt', '.md']);
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Brotli at `quality` and gzip -9 of `buf` (what dist/ writes, and what the server makes in memory). */
export function compress(buf, encoding, quality = 11) {
  if (encoding === 'gzip') return gzip(buf, { level: 9 });
  return brotli(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } });
}

/** The encoding to send: br if accepted, else gzip, else identity (null). */
export function negotiate(acceptEncoding = '') {
  const q = new Map();
  for (const part of String(acceptEncoding).toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const qv = params.map((p) => p.trim().match(/^q=([0-9.]+)$/)?.[1]).find((v) => v !== undefined);
    if (name) q.set(name, qv === undefined ? 1 : Number(qv));
  }
  const ok = (e) => (q.get(e) ?? q.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

// file → { mtimeMs, size, raw, etag, encoded: Map(encoding → Promise<Buffer|null>) }
const files = new Map();

async function load(file) {
  const st = await fs.promises.stat(file);
  if (!st.isFile()) throw new Error('not a file');
  const hit = files.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
  const raw = await fs.promises.readFile(file);
  const entry = { mtimeMs: st.mtimeMs, size: st.size, raw, etag: `W/"${crypto.createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`, encoded: new Map() };
  files.set(file, entry);
  return entry;
}

// The compressed body, or null when compression does not pay. Prefers a fresh precompressed sibling;
// else brotli 11 for small files and 9 for large ones (11 takes seconds per megabyte, for ~5% less).
function encoded(file, entry, encoding) {
  if (!entry.encoded.has(encoding)) {
    entry.encoded.set(encoding, (async () => {
      const side = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
      const st = await fs.promises.stat(side).catch(() => null);
      const body = st && st.mtimeMs >= entry.mtimeMs ? await fs.promises.readFile(side) : await compress(entry.raw, encoding, entry.size > 256 << 10 ? 9 : 11);
      return body.length < entry.size ? body : null;
    })());
  }
  return entry.encoded.get(encoding);
}

export function serve({ port = 0, host = '127.0.0.1', quiet = false, root = ROOT, isolation = true } = {}) {
  const base = path.resolve(root);
  const whole = base !== ROOT; // a built site (dist/): every file in it is public
  const server = http.createServer((req, res) => {
    const headers = isolation ? {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      // cross-origin, so course sites (even cross-origin-isolated ones) can embed the page in an iframe.
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': 'no-cache',
    } : { 'Cache-Control': 'no-cache' };
    let url;
    try { url = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400, headers).end('bad url'); return; }
    if (url === '/') url = '/index.html';
    const file = path.join(base, path.normalize(url));
    if (!file.startsWith(base + path.sep) || (!whole && !ALLOWED.some((re) => re.test(url)))) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    load(file).then(async (entry) => {
      headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
      headers.ETag = entry.etag;
      const compressible = COMPRESSIBLE.has(path.extname(file));
      if (compressible) headers.Vary = 'Accept-Encoding';
      if (req.headers['if-none-match'] === entry.etag) { res.writeHead(304, headers).end(); return; }
      const encoding = compressible ? negotiate(req.headers['accept-encoding']) : null;
      const body = (encoding && await encoded(file, entry, encoding)) || entry.raw;
      if (body !== entry.raw) headers['Content-Encoding'] = encoding;
      headers['Content-Length'] = body.length;
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
    }).catch(() => { if (!res.headersSent) res.writeHead(404, headers).end('not found'); });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/`;
      // Compress the engine's run module now, in the background, so the first visitor does not wait for it.
      const engine = path.join(base, 'www/pkg-run/tinymlperf_bg.wasm');
      load(engine).then((e) => encoded(engine, e, 'br')).catch(() => {});
      if (!quiet) console.log(`TinyMLPerf is served at ${url}  (Ctrl+C to stop)`);
      resolve({ server, url });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--headless')) {
  // Second mode: run every event headless in Chromium, as "Run all events" does, and print the results
  // (scripts/bench.mjs; its flags pass through). A child process, because its harness imports this module.
  const { spawnSync } = await import('node:child_process');
  const args = [path.join(ROOT, 'scripts/bench.mjs'), ...process.argv.slice(2).filter((a) => a !== '--headless')];
  process.exit(spawnSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT }).status ?? 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid port '${i > 0 ? process.argv[i + 1] : process.env.PORT}': use 0-65535`);
    process.exit(2);
  }
  const r = process.argv.indexOf('--root');
  serve({ port, root: r > 0 ? path.resolve(process.argv[r + 1]) : ROOT, isolation: !process.argv.includes('--no-isolation') }).catch((e) => {
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use; try --port 0 or PORT=8081` : e.message);
    process.exit(1);
  });
}
