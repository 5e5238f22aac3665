// Screenshots for docs/compete.md, taken from the real page in headless Chromium (Debian's, through
// playwright-core): a recipe entry's result, an uploaded package's inspection, and a custom kernel's
// result. Needs www/pkg (scripts/build.sh) and target/contest (scripts/build-contest.sh).
//   node scripts/docs-screenshots.mjs [INT8_PACKAGE.safetensors]
import fs from 'node:fs';
import path from 'node:path';
import { start, open } from '../tests/e2e/harness.mjs';

const OUT = path.resolve('docs/img');
fs.mkdirSync(OUT, { recursive: true });
const env = await start();
try {
  const { page } = await open(env.context, `${env.url}?budget=3`, { width: 1280, height: 900 });
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  const done = () => page.waitForFunction(() => !document.querySelector('#submit-btn').disabled && /^(Scored|Not accepted|Stopped)/.test(document.querySelector('#submit-status').textContent), null, { timeout: 300_000 });
  const shoot = async (name, selector) => {
    await page.locator(selector).first().scrollIntoViewIfNeeded();
    await page.locator(selector).first().screenshot({ path: path.join(OUT, name) });
    console.log(`wrote docs/img/${name}`);
  };

  // 1. A built-in recipe: INT8 + 50% pruning.
  await page.fill('#f-team', 'Team Tensor');
  await page.fill('#f-desc', 'INT8 quantization and 50% unstructured pruning, SIMD128 kernels');
  await page.check('#r-int8');
  await page.locator('#r-sparsity').fill('0.5');
  await page.click('#submit-btn');
  await done();
  await shoot('compete-recipe.png', '#submit-result .card.result');

  // 2. An uploaded package (e.g. from `tinymlperf-cli quantize`): what the scorer will see.
  const pkg = process.argv[2];
  if (pkg) {
    await page.check('input[name="source"][value="upload"]');
    await page.setInputFiles('#f-file', pkg);
    await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#file-name').textContent));
    await shoot('compete-upload.png', '#submit-result .card.inspect');
  }

  // 3. Your own kernel: the template.
  await page.fill('#f-team', 'Team Kernel');
  await page.fill('#f-desc', 'The kernel template, before any optimization');
  await page.check('input[name="source"][value="kernel"]');
  await page.setInputFiles('#f-wasm', path.resolve('target/contest/kernel-template.wasm'));
  await page.waitForFunction(() => !/checking…$/.test(document.querySelector('#wasm-name').textContent));
  await page.click('#submit-btn');
  await done();
  await shoot('compete-kernel.png', '#submit-result .card.result');
  await shoot('compete-boards.png', '#boards');
} finally {
  await env.stop();
}
