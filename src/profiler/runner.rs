//! Interleaved timing of a baseline and a candidate through one [`Clock`].
//!
//! Both closures are calibrated to the same wall-clock budget per batch (so timer resolution is
//! negligible), then timed in alternating rounds (baseline, candidate, baseline, ...) so drift in clock
//! speed, thermal state or background load hits both alike. The speedup is the median of the
//! per-round ratios.
use super::{stats::median, Clock};
use serde::Serialize;

/// How long one timed batch should last, and how many rounds to run.
#[derive(Debug, Clone, Copy)]
pub struct RunConfig {
    /// Target duration of one batch in ms (calibration doubles the iteration count until reached).
    pub batch_ms: f64,
    /// Number of interleaved rounds.
    pub rounds: usize,
    /// Untimed warm-up calls of each closure before calibration.
    pub warmup: usize,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig { batch_ms: 20.0, rounds: 9, warmup: 3 }
    }
}

/// Timing of one side.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// Calls per timed batch.
    pub iters: u64,
    /// Median time of one call in ms.
    pub median_ms: f64,
    /// Fastest per-call time seen in ms.
    pub min_ms: f64,
    /// Per-call time of every round, ms.
    pub samples_ms: Vec<f64>,
}

/// Result of an interleaved comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The reference side.
    pub baseline: Side,
    /// The side being measured against it.
    pub candidate: Side,
    /// Median over rounds of baseline time / candidate time.
    pub speedup: f64,
}

/// Doubles the iteration count until one batch takes at least `target_ms`; returns the count.
pub fn calibrate(clock: &dyn Clock, f: &mut dyn FnMut(), target_ms: f64) -> u64 {
    calibrate_with(clock, f, target_ms, 1 << 30, &mut |_| true)
}

/// [`calibrate`] with an iteration cap and an untimed `prepare(calls)` before each trial batch (the
/// competition profiler draws fresh inputs there).
/// `prepare` returns false to stop calibrating (the comparison is being abandoned).
pub fn calibrate_with(clock: &dyn Clock, f: &mut dyn FnMut(), target_ms: f64, max_iters: u64, prepare: &mut dyn FnMut(u64) -> bool) -> u64 {
    let mut iters = 1u64;
    loop {
        if !prepare(iters) {
            return iters;
        }
        let dt = time_batch(clock, f, iters) * iters as f64;
        if dt >= target_ms || iters >= max_iters {
            return iters;
        }
        // Jump close to the target once a batch is measurable, then keep doubling as a fallback.
        iters = if dt > target_ms / 16.0 { ((iters as f64) * target_ms / dt * 1.1).ceil() as u64 } else { iters * 2 };
    }
}

/// Runs `f` `iters` times; the mean time of one call in ms.
pub fn time_batch(clock: &dyn Clock, f: &mut dyn FnMut(), iters: u64) -> f64 {
    let t0 = clock.now_ms();
    for _ in 0..iters {
        f();
    }
    (clock.now_ms() - t0) / iters as f64
}

/// Times `baseline` and `candidate` interleaved; see the module docs.
pub fn compare(clock: &dyn Clock, cfg: RunConfig, baseline: &mut dyn FnMut(), candidate: &mut dyn FnMut()) -> Comparison {
    for _ in 0..cfg.warmup {
        baseline();
        candidate();
    }
    let ib = calibrate(clock, baseline, cfg.batch_ms);
    let ic = calibrate(clock, candidate, cfg.batch_ms);
    let (mut sb, mut sc, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..cfg.rounds.max(1) {
        // Alternate which side goes first so neither always runs on a warmer cache.
        let (b, c) = if r % 2 == 0 {
            let b = time_batch(clock, baseline, ib);
            (b, time_batch(clock, candidate, ic))
        } else {
            let c = time_batch(clock, candidate, ic);
            (time_batch(clock, baseline, ib), c)
        };
        sb.push(b);
        sc.push(c);
        ratios.push(b / c);
    }
    let side = |iters, s: Vec<f64>| Side { iters, median_ms: median(&s), min_ms: s.iter().copied().fold(f64::INFINITY, f64::min), samples_ms: s };
    Comparison { speedup: median(&ratios), baseline: side(ib, sb), candidate: side(ic, sc) }
}
