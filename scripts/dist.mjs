// `npm run build`: writes a self-contained, deployable static site to dist/ (GitHub Pages or any static
// host): index.html, the service worker that adds COOP/COEP where the host cannot (coi-sw.js), www/
// with the vendored ES modules and the engine's three modules (www/pkg-run, www/pkg-ledger, www/pkg, built
// by scripts/build.sh), the reference
// weights the engine fetches per event (weights/), and .nojekyll. Beside every compressible file it
// writes `<file>.br` (brotli 11) and `<file>.gz` (gzip -9) for hosts that serve precompressed files
// (nginx gzip_static/brotli_static, `node scripts/serve.mjs --root dist`).
// Nothing outside dist/ is referenced: node_modules, the source tree and tests are not copied.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendor } from './vendor.mjs';
import { compress, COMPRESSIBLE } from './serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.resolve(ROOT, process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : 'dist');
const PKG = ['tinymlperf.js', 'tinymlperf_bg.wasm'];
const ENGINES = ['pkg-run', 'pkg-ledger', 'pkg'];

for (const dir of ENGINES) {
  for (const f of PKG) {
    if (!fs.existsSync(path.join(ROOT, 'www', dir, f))) {
      console.error(`www/${dir}/${f} is missing: build the engine first (bash scripts/build.sh; npm run build does both)`);
      process.exit(1);
    }
  }
}
vendor({ quiet: true });
fs.rmSync(OUT, { recursive: true, force: true });
for (const dir of ENGINES) fs.mkdirSync(path.join(OUT, 'www', dir), { recursive: true });

const copy = (rel) => fs.cpSync(path.join(ROOT, rel), path.join(OUT, rel), { recursive: true });
copy('index.html');
copy('coi-sw.js');
for (const f of fs.readdirSync(path.join(ROOT, 'www'))) {
  if (ENGINES.includes(f) || f === 'pkg-relaxed' || f === 'pkg-kernelcheck') continue;
  copy(`www/${f}`);
}
for (const dir of ENGINES) for (const f of PKG) copy(`www/${dir}/${f}`);
if (fs.existsSync(path.join(ROOT, 'www/pkg-relaxed/tinymlperf_relaxed.wasm'))) copy('www/pkg-relaxed/tinymlperf_relaxed.wasm');
copy('www/pkg-kernelcheck/tinymlperf_kernelcheck_web.wasm');
fs.mkdirSync(path.join(OUT, 'weights'));
for (const f of fs.readdirSync(path.join(ROOT, 'weights')).filter((f) => f.endsWith('.safetensors'))) copy(`weights/${f}`);
if (fs.existsSync(path.join(ROOT, 'docs/digits-montage.png'))) { fs.mkdirSync(path.join(OUT, 'docs'), { recursive: true }); copy('docs/digits-montage.png'); }
fs.writeFileSync(path.join(OUT, '.nojekyll'), '');

// Every relative module import in the copied JS must resolve inside dist/.
const missing = [];
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
for (const file of walk(OUT).filter((f) => f.endsWith('.js'))) {
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const target = path.resolve(path.dirname(file), m[1] ?? m[2]);
    if (!fs.existsSync(target)) missing.push(`${path.relative(OUT, file)} → ${m[1] ?? m[2]}`);
  }
}
if (missing.length) {
  console.error(`dist/ is not self-contained:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

// Precompressed copies, written in parallel (brotli 11 takes seconds on the engine).
const originals = walk(OUT);
let total = 0, gz = 0, br = 0;
await Promise.all(originals.map(async (f) => {
  const b = fs.readFileSync(f);
  total += b.length;
  if (!COMPRESSIBLE.has(path.extname(f))) { gz += b.length; br += b.length; return; }
  const [g, r] = await Promise.all([compress(b, 'gzip'), compress(b, 'br')]);
  fs.writeFileSync(`${f}.gz`, g);
  fs.writeFileSync(`${f}.br`, r);
  gz += Math.min(g.length, b.length);
  br += Math.min(r.length, b.length);
}));
console.log(`dist/: ${originals.length} files, ${(total / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped, ${(br / 1024).toFixed(0)} KiB brotli; .gz/.br beside each). Serve it with any static host; \`node scripts/serve.mjs --root dist\` previews it.`);
