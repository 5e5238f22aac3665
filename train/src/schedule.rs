//! Learning-rate schedule: linear warm-up, then cosine decay to a floor.

/// Learning rate at `step` (0-based) of `total`: ramps linearly from 0 to `peak` over `warmup` steps,
/// then follows a half cosine down to `peak · floor`. Warm-up keeps the first AdamW steps (whose
/// second-moment estimates are still noisy) from knocking the transformer's attention into a bad
/// region; the decay lets every run end in a flat spot, which makes accuracy stable across seeds.
pub fn lr_at(step: usize, total: usize, warmup: usize, peak: f64, floor: f64) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let span = total.saturating_sub(warmup).max(1);
    let t = ((step - warmup) as f64 / span as f64).min(1.0);
    let cos = 0.5 * (1.0 + (std::f64::consts::PI * t).cos());
    peak * (floor + (1.0 - floor) * cos)
}
