// Accessibility helpers for the page (www/main.js): live regions that speak about once a second,
// and focus that moves to the control that stays usable while a job runs (a disabled or hidden
// button drops the focus to <body>).
import { setStatus } from './ui.js';

/**
 * A writer for a live region (`role="status"`): `set(text, kind)` shows progress at most once per
 * `every` ms (the latest text wins; a screen reader is not asked to read 15 messages a second),
 * `now(text, kind)` writes at once (the final result) and drops anything pending.
 */
export function politeStatus(el, { every = 1000 } = {}) {
  let last = -Infinity, timer = 0, pending = null;
  const write = ([text, kind]) => {
    last = performance.now();
    pending = null;
    setStatus(el, text, kind);
  };
  return {
    set(text, kind = '') {
      pending = [text, kind];
      if (timer) return;
      const wait = last + every - performance.now();
      if (wait <= 0) { write(pending); return; }
      timer = setTimeout(() => { timer = 0; if (pending) write(pending); }, wait);
    },
    now(text, kind = '') {
      clearTimeout(timer);
      timer = 0;
      write([text, kind]);
    },
  };
}

/**
 * Before `from` is disabled or hidden for a job: if it has the focus, `to` (shown first) takes it.
 * Returns `back()`, to call when the job ends and before `to` is hidden: the focus returns to `from`
 * if it is still on `to` or was lost to <body>.
 */
export function handOver(from, to) {
  const had = document.activeElement === from;
  if (had) to.focus();
  return function back() {
    const active = document.activeElement;
    if (active === to || (had && (!active || active === document.body))) from.focus();
  };
}
