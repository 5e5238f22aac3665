// Shared by the end-to-end tests: serves the repository (scripts/serve.mjs, COOP/COEP) and launches
// Debian's Chromium through playwright-core. Never downloads a browser.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '../../scripts/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SHOTS = path.resolve('test-results');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 375, height: 812 };

/** A Chromium profile of its own (a fresh context: empty IndexedDB, no service workers). */
export async function launch({ serviceWorkers = 'allow' } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinymlperf-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    serviceWorkers,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/** Serves the site (options as scripts/serve.mjs's serve()) and opens a browser on it. */
export async function start(serveOptions = {}, launchOptions = {}) {
  const { server, url } = await serve({ port: 0, quiet: true, ...serveOptions });
  const { context, close } = await launch(launchOptions);
  const stop = async () => {
    await close();
    server.close();
  };
  return { url, context, stop };
}

// Opens a page and records console errors, page errors and failed requests.
export async function open(context, url, { width = 1280, height = 900 } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(url);
  return { page, problems };
}

export function shotPath(name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  return path.join(SHOTS, name);
}
