// The page's numeric URL parameters, checked before anything reaches the engine: a bad value is
// ignored with a notice in plain words instead of a deserializer's message.

/** The engine's budget per event (docs/engine-api.md: `budget_s` must be 1–600 s). */
export const BUDGET_RANGE = [1, 600];

/** `?seed=`: a whole number from 0 to 2^53. `{value}`, `{problem}` or `{}` when absent. */
export function seedParam(raw) {
  if (raw === null || raw === undefined) return {};
  const s = raw.trim();
  if (!/^\d+$/.test(s) || BigInt(s) > 2n ** 53n) {
    return { problem: `“${raw}” is not a whole number from 0 to 2^53 (9,007,199,254,740,992), so it is ignored: each run draws a fresh seed.` };
  }
  return { value: Number(s) };
}

/** `?budget=`: seconds per event within BUDGET_RANGE. `{value}`, `{problem}` or `{}` when absent. */
export function budgetParam(raw, fallback) {
  if (raw === null || raw === undefined) return {};
  const n = Number(raw.trim());
  const [lo, hi] = BUDGET_RANGE;
  if (raw.trim() === '' || !Number.isFinite(n) || n < lo || n > hi) {
    return { problem: `“${raw}” is ignored: the time budget per event is ${lo}–${hi} seconds${fallback ? `; the page uses ${fallback} s` : ''}.` };
  }
  return { value: n };
}
