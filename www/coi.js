// Registers coi-sw.js (site root) when the host did not make the page cross-origin isolated, then
// reloads once so the service worker's COOP/COEP headers apply. Never loops: one reload per session.
// If the page is still not isolated afterwards, the page says so and explains what it means.
(() => {
  const root = document.documentElement;
  if (self.crossOriginIsolated) { root.dataset.coi = 'headers'; return; }
  if (!window.isSecureContext || !('serviceWorker' in navigator)) { root.dataset.coi = 'unavailable'; return; }
  const swUrl = new URL('../coi-sw.js', document.currentScript.src);
  const key = 'tinymlperf-coi-reloaded';
  navigator.serviceWorker.register(swUrl).then((reg) => {
    root.dataset.coi = 'registered';
    if (navigator.serviceWorker.controller) {
      // Controlled and still not isolated: a stale worker; try a fresh page once.
      if (!sessionStorage.getItem(key)) { sessionStorage.setItem(key, '1'); reg.update().then(() => location.reload()); }
      return;
    }
    if (sessionStorage.getItem(key)) return;
    sessionStorage.setItem(key, '1');
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload());
  }).catch((e) => { root.dataset.coi = `failed: ${e.message}`; });
})();
