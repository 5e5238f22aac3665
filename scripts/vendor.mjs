// Copies the page's npm runtime dependencies into www/vendor/ as plain ES modules, so the page works
// when served statically from the repository root and dist/ is self-contained. Run by `npm run vendor`
// and by scripts/dist.mjs; the copies are committed (the page must work without a build step).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const VENDOR = [
  // [npm package, file inside it, www/vendor/ name]
  ['idb-keyval', 'dist/index.js', 'idb-keyval.js'],
];

export function vendor({ quiet = false } = {}) {
  fs.mkdirSync(path.join(ROOT, 'www/vendor'), { recursive: true });
  for (const [pkg, file, out] of VENDOR) {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    const { version, license } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const src = fs.readFileSync(path.join(dir, file), 'utf8');
    const text = `// ${pkg}@${version} (${license}), copied from node_modules/${pkg}/${file} by scripts/vendor.mjs.\n${src}`;
    const dest = path.join(ROOT, 'www/vendor', out);
    if (!fs.existsSync(dest) || fs.readFileSync(dest, 'utf8') !== text) fs.writeFileSync(dest, text);
    if (!quiet) console.log(`www/vendor/${out} ← ${pkg}@${version}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) vendor();
