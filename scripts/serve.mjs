// Static server for the page, on 127.0.0.1 only. Sends COOP/COEP so the page is cross-origin isolated
// (performance.now() precise to ~5 µs instead of 100 µs). Usage: node scripts/serve.mjs [--port N]
// (or PORT=N). Port 0 picks a free port. `--headless` instead runs every event in headless Chromium and
// prints the results (scripts/bench.mjs; `npm run bench:kernels` times every kernel). `--root dist` previews the deployable
// site `npm run build` writes; `--no-isolation` leaves out COOP/COEP, like a static host that cannot
// send headers (the page's service worker then adds them). Exports `serve()` for the e2e tests.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.safetensors': 'application/octet-stream', '.ico': 'image/x-icon',
};
// Only the page's own files are served, never the source tree, target/ or node_modules/.
const ALLOWED = [/^\/index\.html$/, /^\/coi-sw\.js$/, /^\/www\//, /^\/docs\/[^/]+\.png$/, /^\/favicon\.ico$/];

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
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404, headers).end('not found'); return; }
      headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
      res.writeHead(200, headers).end(data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/`;
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
