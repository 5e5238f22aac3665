// `?package=URL`: a package loaded into the submit form as if it had been dropped (the notebook helper
// `tools/tinymlperf_submit.py` and `tools/export_pytorch.py --open` open the page this way). Wiring only:
// the bytes go to the same handler a dropped file goes to, so the engine's inspectPackage (through the
// worker) validates them; nothing is submitted until the visitor presses Submit.
//
// - Only http(s) addresses are fetched (relative ones resolve against the page); `data:`, `blob:`,
//   `javascript:`, `file:` and anything else is refused with a notice.
// - Same-origin, or cross-origin with CORS: a server that does not send Access-Control-Allow-Origin
//   cannot be read by the page, and the message says so.
// - At most the engine's `limits().max_package_bytes`: Content-Length is checked before the body is
//   read, and reading stops past the limit when the header is absent (or the body is compressed).
// - The event is `?event=` when the engine accepts the package for it; otherwise the first event it
//   accepts the package for (the form's choice first). An empty team field is filled from `?team=`
//   or the package's `team` metadata.
import { $, setStatus } from './ui.js';

const MiB = 2 ** 20;
// The engine's limit, for an engine too old to report it (limits() has had it since format v2).
const FALLBACK_MAX = 16 * MiB;
const TIMEOUT_MS = 60_000;

const clip = (s, n = 80) => (String(s).length > n ? `${String(s).slice(0, n)}…` : String(s));
const mib = (n) => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;

/** `{url}` for an http(s) package address, or `{refused}` saying why not. */
export function packageAddress(src, base = location.href) {
  let url;
  try {
    url = new URL(src, base);
  } catch {
    return { refused: `“${clip(src)}” is not an address. Packages load only from http(s) addresses.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { refused: `Packages load only from http(s) addresses; this one is ${url.protocol.replace(/:$/, '')}: (“${clip(src)}”), so nothing was loaded.` };
  }
  return { url };
}

/** The file name a URL's path ends with (`entry.safetensors`), or `package.safetensors`. */
export function fileNameOf(url) {
  let last = '';
  try { last = decodeURIComponent(url.pathname.split('/').pop() || ''); } catch { /* keep the default */ }
  return /^[^\\/\0]{1,120}$/.test(last) ? last : 'package.safetensors';
}

/**
 * Fetches `url`, at most `max` bytes: an ArrayBuffer, or an Error whose message reads after
 * "The package at <url> " (`is 40.0 MiB; packages are at most 16 MiB`, `could not be fetched: …`).
 */
export async function fetchPackage(url, max, { timeoutMs = TIMEOUT_MS, origin = location.origin } = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
  const fail = (msg) => { ctl.abort(); return new Error(msg); };
  try {
    let res;
    try {
      res = await fetch(url, { cache: 'no-cache', signal: ctl.signal });
    } catch (e) {
      if (ctl.signal.aborted) throw new Error(`could not be fetched: the server did not answer within ${timeoutMs / 1000} s`);
      // fetch() does not say why (by design); across origins the usual reason is a missing CORS header.
      if (url.origin !== origin) {
        throw new Error(`could not be fetched: the server does not allow this page to read it (CORS). It must send “Access-Control-Allow-Origin: *” (or this page's origin, ${origin}), or the package must be served beside the page; it may also be down`);
      }
      throw new Error(`could not be fetched: the server did not answer (${e.message})`);
    }
    if (!res.ok) throw fail(`could not be fetched: the server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    const declared = res.headers.get('Content-Length');
    if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max) {
      throw fail(`is ${mib(Number(declared))} (${Number(declared).toLocaleString('en')} bytes); packages are at most ${mib(max)}`);
    }
    if (!res.body) return res.arrayBuffer();
    const reader = res.body.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (e) {
        throw new Error(ctl.signal.aborted ? `could not be fetched: the download did not finish within ${timeoutMs / 1000} s` : `could not be fetched: the download broke off (${e.message})`);
      }
      if (step.done) break;
      total += step.value.byteLength;
      if (total > max) {
        reader.cancel().catch(() => {});
        throw fail(`is larger than ${mib(max)} (reading stopped there); packages are at most ${mib(max)}`);
      }
      chunks.push(step.value);
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
    return bytes.buffer;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads `?package=` (and `?event=`) and hands the package to the submit form: `onFile(file)` is what a
 * dropped file goes to (www/main.js's setUpload). `engine` answers `inspect` (to find the package's
 * event and team), `events` are the engine's events, `limits` its limits. Resolves when the form
 * shows the result (or the refusal); never throws.
 */
export async function loadPackageParam(options) {
  const params = options.params ?? new URLSearchParams(location.search);
  if (params.get('package') === null) return;
  try {
    await load({ ...options, params });
  } catch (e) {
    const form = $('submit-form');
    if (form) form.dataset.packageUrl = 'refused';
    setStatus($('submit-status'), `The package in this link could not be loaded: ${e.message}`, 'error');
  }
}

async function load({ params, engine, events = [], limits, onFile }) {
  const src = params.get('package');
  const form = $('submit-form');
  const status = $('submit-status');
  const name = $('file-name');
  const upload = form?.querySelector('input[name="source"][value="upload"]');
  if (!form || !upload) return;
  upload.checked = true;
  upload.dispatchEvent(new Event('change', { bubbles: true }));
  form.dataset.packageUrl = 'loading';
  form.closest('section')?.scrollIntoView({ block: 'start' });
  const refuse = (msg) => {
    form.dataset.packageUrl = 'refused';
    name.textContent = '';
    setStatus(status, msg, 'error');
  };

  const where = packageAddress(src);
  if (where.refused) return refuse(`The package in this link was not loaded: ${where.refused}`);
  const { url } = where;
  const file = fileNameOf(url);
  const shown = `${file} — downloading from ${url.host}…`;
  name.textContent = shown;
  setStatus(status, `Loading the package at ${url.href}…`);
  const max = limits?.max_package_bytes ?? FALLBACK_MAX;
  let bytes;
  try {
    bytes = await fetchPackage(url, max);
  } catch (e) {
    return refuse(`The package at ${url.href} ${e.message}. Nothing was loaded; you can still drop the file here.`);
  }
  if (name.textContent !== shown) { form.dataset.packageUrl = 'superseded'; return; } // the visitor dropped another file meanwhile

  // The event: ?event= when it is one of the engine's, else the first the engine accepts the package
  // for (the form's choice first). When none does, the form shows the engine's reason for ?event=
  // (or the form's event): the package's own event is named in it.
  const select = $('f-event');
  const ids = events.map((e) => e.id);
  const wanted = ids.includes(params.get('event')) ? params.get('event') : null;
  let info = null;
  for (const id of new Set([wanted ?? select.value, ...ids])) {
    try {
      info = await engine.request('inspect', { bytes, event: id });
      select.value = id;
      break;
    } catch { /* not a valid package for this event */ }
  }
  if (!info && wanted) select.value = wanted;
  // Prefill the team from ?team= or the package's metadata, never over what the visitor typed.
  const team = $('f-team');
  const teamName = (params.get('team') ?? '').trim() || String(info?.metadata?.team ?? '').trim();
  if (team && !team.value.trim() && teamName) team.value = teamName.slice(0, Number(team.maxLength) > 0 ? team.maxLength : 64);
  // Sharing needs a public address: an https package URL is kept for "Re-run in my browser".
  const pkgUrl = $('f-package-url');
  if (pkgUrl && !pkgUrl.value && url.protocol === 'https:') pkgUrl.value = url.href;

  await onFile(new File([bytes], file, { type: 'application/octet-stream' }));
  form.dataset.packageUrl = status.classList.contains('error') ? 'rejected' : 'loaded';
}
