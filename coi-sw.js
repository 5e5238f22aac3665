// Cross-origin isolation for static hosts that cannot send headers (GitHub Pages): this service worker
// re-serves the site's own responses with COOP/COEP, so performance.now() keeps its fine resolution
// and the profiler's timings are precise. Registered by www/coi.js only when the page is not already
// isolated. It lives at the site root so its scope covers index.html and www/. Nothing is cached.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  // Chrome DevTools quirk: only-if-cached requests must be same-origin.
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  // Only our own origin: cross-origin fetches (a course board on another host) go through untouched
  // and must be CORS, which COEP accepts.
  if (new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const res = await fetch(req);
    if (res.status === 0 || res.type === 'opaqueredirect') return res;
    const headers = new Headers(res.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  })());
});
