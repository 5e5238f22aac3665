// `?package=URL` end to end in Debian's Chromium (issue 16, part 4: from a notebook to the board in one
// step): a same-origin package lands in the submit form inspected and scores after Submit; a
// cross-origin package is read with CORS and refused without it; an oversized one is refused from its
// Content-Length (and, without one, once reading passes the limit); `data:` and `javascript:` are
// refused. Then the Python side, when python3 is available: `tools/export_pytorch.py … --open` and the
// notebook helper `tools/tinymlperf_submit.py`'s submit() serve a package, print the URL, and that URL
// opens the page with the package preloaded. The tests run in order on one page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { launch, open, shotPath, DESKTOP } from './harness.mjs';
import { serve } from '../../scripts/serve.mjs';

const STUDENT = path.resolve('cli/tests/fixtures/mlp_sprint_student.safetensors');
const PYTHON_FIXTURE = path.resolve('tests/fixtures/python_mlp_int8_fp16.safetensors');
const MiB = 2 ** 20;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinymlperf-package-url-'));
const children = [];
let env, page, problems, other, otherUrl;

// Routes the test's page server answers itself under /t/ (same origin as the page); everything else
// is scripts/serve.mjs's. The headers are the page's (COOP/COEP, CORP same-origin).
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
function testRoutes(req, res) {
  const name = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice('/t/'.length));
  if (name === 'huge.safetensors') {
    // 40 MiB announced, nothing sent: the page must refuse it from the header alone.
    res.writeHead(200, { ...ISOLATION, 'Content-Type': 'application/octet-stream', 'Content-Length': String(40 * MiB) });
    res.flushHeaders();
    req.socket.setTimeout(120_000, () => req.socket.destroy());
    return;
  }
  if (name === 'endless.safetensors') {
    // No Content-Length (chunked): zeros until the page stops reading (or 64 MiB).
    res.writeHead(200, { ...ISOLATION, 'Content-Type': 'application/octet-stream' });
    const chunk = Buffer.alloc(MiB);
    let sent = 0;
    const more = () => {
      while (sent < 64 * MiB) {
        sent += chunk.length;
        if (!res.write(chunk)) { res.once('drain', more); return; }
      }
      res.end();
    };
    res.on('close', () => { sent = Infinity; });
    more();
    return;
  }
  const file = path.join(tmp, path.basename(name));
  if (!name || !fs.existsSync(file)) { res.writeHead(404, ISOLATION).end('not found'); return; }
  const body = fs.readFileSync(file);
  res.writeHead(200, { ...ISOLATION, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
}

before(async () => {
  // scripts/serve.mjs's server, with the /t/ routes put in front of its handler, and a browser.
  const { server, url } = await serve({ port: 0, quiet: true });
  const [handler] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => (req.url.startsWith('/t/') ? testRoutes(req, res) : handler(req, res)));
  const browser = await launch();
  env = { url, context: browser.context, stop: async () => { await browser.close(); server.closeAllConnections?.(); server.close(); } };
  fs.copyFileSync(STUDENT, path.join(tmp, 'my student.safetensors'));
  // Another origin (another port): one package with CORS, one without.
  other = http.createServer((req, res) => {
    const body = fs.readFileSync(PYTHON_FIXTURE);
    const base = { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, 'Cross-Origin-Resource-Policy': 'cross-origin' };
    if (req.url === '/cors.safetensors') res.writeHead(200, { ...base, 'Access-Control-Allow-Origin': '*' }).end(body);
    else if (req.url === '/nocors.safetensors') res.writeHead(200, base).end(body);
    else res.writeHead(404).end();
  });
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  otherUrl = `http://127.0.0.1:${other.address().port}`;
  ({ page, problems } = await open(env.context, `${env.url}?budget=1`, DESKTOP));
  await ready();
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGINT');
  other?.close();
  await env?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ready = () => page.waitForSelector('body[data-state="ready"]', { timeout: 120_000 });
const status = () => page.textContent('#submit-status');
const state = () => page.getAttribute('#submit-form', 'data-package-url');

/** Opens the page at `url` and waits until the ?package= load has settled (loaded, rejected or refused). */
async function openWith(url) {
  await page.goto(url);
  await ready();
  await page.waitForFunction(() => ['loaded', 'rejected', 'refused'].includes(document.querySelector('#submit-form').dataset.packageUrl), null, { timeout: 120_000 });
  return state();
}

const withPackage = (pkg, extra = '') => `${env.url}index.html?budget=1&package=${encodeURIComponent(pkg)}${extra}`;

test('a same-origin ?package= is loaded into the form, inspected, and scored after Submit', { timeout: 400_000 }, async () => {
  const before = await page.evaluate(async () => (await window.__tinymlperf.state.store.all()).length);
  assert.equal(await openWith(withPackage(`${env.url}t/my%20student.safetensors`)), 'loaded', await status());
  assert.equal(await page.isChecked('input[name="source"][value="upload"]'), true, 'the upload source is selected');
  assert.equal(await page.isVisible('#upload-opts'), true);
  assert.equal(await page.inputValue('#f-event'), 'mlp_sprint', 'the event from the package');
  assert.match(await page.textContent('#file-name'), /^my student\.safetensors: mlp:784-64-32-10\/relu, 52,650 parameters/);
  assert.match(await status(), /^Package accepted by the format check\. Submit to profile and score it\.$/);
  assert.match(await page.textContent('#submit-result'), /What the scorer will see/);
  // Nothing is submitted until the student presses Submit.
  assert.equal(await page.evaluate(async () => (await window.__tinymlperf.state.store.all()).length), before, 'nothing stored yet');
  await page.screenshot({ path: shotPath('package-url-loaded.png') });
  await page.fill('#f-team', 'Team Link');
  await page.click('#submit-btn');
  await page.waitForFunction(() => !document.querySelector('#submit-btn').disabled && /^(Scored|Not accepted|Stopped|Cancelled)/.test(document.querySelector('#submit-status').textContent), null, { timeout: 360_000 });
  assert.match(await status(), /^Scored and saved: speed (#\d+|unranked), innovation #\d+, composite (#\d+|unranked) on MLP Sprint\./);
  assert.equal(await page.locator('#submit-result .card.result').count(), 1);
});

test('a cross-origin package is read with CORS; without it the page says the server does not allow it', { timeout: 200_000 }, async () => {
  assert.equal(await openWith(withPackage(`${otherUrl}/cors.safetensors`)), 'loaded', await status());
  assert.match(await page.textContent('#file-name'), /^cors\.safetensors: mlp:784-128-64-10\/relu/);
  assert.equal(await page.inputValue('#f-team'), 'python fixture', 'the team from the package metadata');

  assert.equal(await openWith(withPackage(`${otherUrl}/nocors.safetensors`)), 'refused');
  const s = await status();
  assert.ok(s.startsWith(`The package at ${otherUrl}/nocors.safetensors could not be fetched: the server does not allow this page to read it (CORS).`), s);
  assert.equal(await page.textContent('#submit-result'), '', 'nothing inspected');
});

test('an oversized package is refused from its Content-Length, and past the limit without one', { timeout: 200_000 }, async () => {
  assert.equal(await openWith(withPackage(`${env.url}t/huge.safetensors`)), 'refused');
  let s = await status();
  assert.ok(s.startsWith(`The package at ${env.url}t/huge.safetensors is 40 MiB (41,943,040 bytes); packages are at most 16 MiB.`), s);

  assert.equal(await openWith(withPackage('/t/endless.safetensors')), 'refused');
  s = await status();
  assert.ok(s.startsWith(`The package at ${env.url}t/endless.safetensors is larger than 16 MiB (reading stopped there); packages are at most 16 MiB.`), s);
});

test('data: and javascript: addresses are refused and nothing is fetched', { timeout: 200_000 }, async () => {
  for (const [src, scheme] of [['data:application/octet-stream;base64,AAAA', 'data'], ['javascript:alert(1)', 'javascript']]) {
    assert.equal(await openWith(withPackage(src)), 'refused', src);
    const s = await status();
    assert.ok(s.startsWith(`The package in this link was not loaded: Packages load only from http(s) addresses; this one is ${scheme}:`), s);
    assert.equal(await page.textContent('#file-name'), '');
  }
  assert.equal(await page.evaluate(() => document.querySelectorAll('.notice.error').length), 0, 'no page error');
  // Expected: the aborted and the CORS-blocked downloads, and Chromium's console line for the latter.
  const unexpected = problems.filter((p) => !/nocors\.safetensors|huge\.safetensors|endless\.safetensors/.test(p));
  const corsLine = 'console.error: Failed to load resource: net::ERR_FAILED';
  assert.ok(unexpected.filter((p) => p === corsLine).length <= 1, unexpected.join('\n'));
  assert.deepEqual(unexpected.filter((p) => p !== corsLine), []);
});

// ---------------------------------------------------------------- Python
/** Why Python cannot run here (undefined when it can); `mods` are imported as a check. */
function pythonMissing(mods = []) {
  const r = spawnSync('python3', ['-c', `import sys${mods.map((m) => `, ${m}`).join('')}`], { encoding: 'utf8' });
  if (r.error) return `python3 is not runnable (${r.error.code ?? r.error.message})`;
  if (r.status !== 0) return `python3 lacks ${mods.join(' or ')} (${r.stderr.trim().split('\n').pop()})`;
  return undefined;
}

/** Starts `python3 args`, resolves with the first line that matches `re` (and the process). */
function runPython(args, re = /^open (http:\/\/127\.0\.0\.1:\d+\/\S+)$/m) {
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '', err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed in 60 s\nstdout: ${out}\nstderr: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(re);
      if (m) { clearTimeout(timer); resolve({ url: m[1], child, out: () => out }); }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`python3 exited with ${code}\nstdout: ${out}\nstderr: ${err}`)); });
  });
}

test('python3 tools/export_pytorch.py --open serves the package and prints a URL that opens it preloaded', { timeout: 300_000 }, async (t) => {
  const noPython = pythonMissing();
  if (noPython) { t.skip(noPython); return; }
  const out = path.join(tmp, 'notebook entry.safetensors');
  let args;
  if (pythonMissing(['numpy', 'safetensors'])) {
    // Without numpy the exporter cannot export, but --open-only serves a package already written.
    fs.copyFileSync(PYTHON_FIXTURE, out);
    args = ['tools/export_pytorch.py', '--open-only', out, '--team', 'Team Notebook', '--no-browser', '--serve-seconds', '240'];
  } else {
    const npz = path.join(tmp, 'ref.npz');
    const r = spawnSync('python3', ['-c', `import numpy as np; from safetensors.numpy import load_file; np.savez(${JSON.stringify(npz)}, **load_file('weights/mlp_sprint.safetensors'))`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    args = ['tools/export_pytorch.py', '--event', 'mlp_sprint', '--from', npz, '--int8', '--team', 'Team Notebook', '-o', out, '--open', '--no-browser', '--serve-seconds', '240'];
  }
  const { url, child, out: stdout } = await runPython(args);
  const u = new URL(url);
  assert.equal(u.hostname, '127.0.0.1');
  assert.equal(u.pathname, '/index.html');
  assert.equal(u.searchParams.get('event'), 'mlp_sprint');
  assert.match(u.searchParams.get('package'), new RegExp(`^http://127\\.0\\.0\\.1:${u.port}/package/[^/]+/notebook%20entry\\.safetensors$`));
  // The Python server serves the page too: COOP/COEP, and nothing outside the page's files.
  const head = await fetch(url);
  assert.equal(head.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.equal(head.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal((await fetch(new URL('/Cargo.toml', url))).status, 404);
  assert.equal((await fetch(new URL('/www/../tools/export_pytorch.py', url))).status, 404);

  assert.equal(await openWith(url), 'loaded', await status());
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the Python server makes the page cross-origin isolated');
  assert.equal(await page.inputValue('#f-event'), 'mlp_sprint');
  assert.equal(await page.inputValue('#f-team'), 'Team Notebook', 'the team from the package (or ?team=)');
  assert.match(await page.textContent('#file-name'), /^notebook entry\.safetensors: mlp:784-128-64-10\/relu, 109,386 parameters/);
  assert.match(await status(), /^Package accepted by the format check/);
  assert.match(await page.textContent('#submit-result'), /Quantization/);
  assert.match(stdout(), /^serving for 240 s; press Submit entry on the page to score the package$/m);
  child.kill('SIGINT'); // Ctrl-C: the server stops and the process exits 0
  const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
  assert.equal(code, 0, stdout());
});

test('the notebook helper submit(model, event, team=…) serves a package to a hosted page with CORS', { timeout: 300_000 }, async (t) => {
  const missing = pythonMissing(['numpy', 'safetensors']);
  if (missing) { t.skip(missing); return; }
  const out = path.join(tmp, 'cell.safetensors');
  // A dict of numpy arrays stands in for model.state_dict() (torch is not needed); page= is the page
  // the test serves (another origin than the Python server), as a course's hosted copy would be.
  const code = [
    'import sys; sys.path.insert(0, "tools")',
    'from safetensors.numpy import load_file',
    'from tinymlperf_submit import submit',
    `s = submit(load_file("weights/mlp_sprint.safetensors"), "mlp_sprint", team="Team Cell", out=${JSON.stringify(out)}, open_browser=False, page=${JSON.stringify(`${env.url}index.html?budget=1`)})`,
    'print("url", s.url, flush=True)',
    's.wait(240)',
  ].join('\n');
  const { url } = await runPython(['-c', code], /^url (\S+)$/m);
  const u = new URL(url);
  assert.equal(u.origin, new URL(env.url).origin, 'the hosted page');
  const pkg = new URL(u.searchParams.get('package'));
  assert.equal(pkg.hostname, '127.0.0.1');
  assert.notEqual(pkg.port, u.port, 'the package comes from the Python server, another origin');
  const res = await fetch(pkg);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal((await fetch(new URL('/index.html', pkg))).status, 404, 'with page=, only the package is served');

  assert.equal(await openWith(url), 'loaded', await status());
  assert.equal(await page.inputValue('#f-team'), 'Team Cell');
  assert.match(await page.textContent('#file-name'), /^cell\.safetensors: mlp:784-128-64-10\/relu, 109,386 parameters/);
  assert.match(await status(), /^Package accepted by the format check/);
});
