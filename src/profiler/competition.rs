//! The competition profiler: baseline and candidate timed *interleaved* through one [`Clock`], with a
//! bootstrap confidence interval on the speedup.
//!
//! 1. **Warm-up**: `warmup_runs` untimed calls of each side (JIT tiers, caches, lazy allocations).
//! 2. **Timer resolution** is measured, and each side is **calibrated** to the number of calls that
//!    makes one sample last at least `resolution_multiple ×` the resolution and at least
//!    `min_sample_ms`, so quantization of the clock is below 1% of every sample.
//! 3. **Rounds**: each round times one sample of each side, in an order drawn from a seeded RNG (the
//!    order string `B`/`C` per round is in the report), so drift, thermal throttling and background load
//!    hit both sides alike and neither always runs on the warmer cache. The number of rounds is
//!    `timing_runs`, cut down to fit `budget_ms` but never below `min_rounds`.
//! 4. **Statistics** per side: median, MAD, p10, p90, min of the per-call times. The speedup is
//!    median(baseline) / median(candidate), and its 95% interval is a percentile bootstrap over
//!    *paired* rounds ([`stats::bootstrap_speedup_ci`]), seeded. A run whose interval is wider than
//!    `max_ci_rel_width × speedup` is flagged **unstable** with the reason; the scorer never ranks it
//!    silently.
use super::runner::{calibrate_with, time_batch};
use super::{stats, Clock};
use crate::data::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// The knobs, with the seed's names where it had them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompetitionProfiler {
    /// Untimed calls of each side before anything is measured.
    pub warmup_runs: usize,
    /// Interleaved rounds wanted (each round times one sample of each side).
    pub timing_runs: usize,
    /// Rounds run even when the budget is exhausted (statistics need a few).
    pub min_rounds: usize,
    /// Smallest duration of one sample, ms.
    pub min_sample_ms: f64,
    /// Each sample lasts at least this many timer resolutions.
    pub resolution_multiple: f64,
    /// Unstable when `(hi − lo) / speedup` of the interval exceeds this.
    pub max_ci_rel_width: f64,
    /// Wall-clock budget for warm-up, calibration and rounds, ms.
    pub budget_ms: f64,
    /// Seed of the round order and of the bootstrap.
    pub seed: u64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Confidence level of the interval.
    pub ci_level: f64,
}

impl Default for CompetitionProfiler {
    fn default() -> Self {
        CompetitionProfiler {
            warmup_runs: 3,
            timing_runs: 41,
            min_rounds: 7,
            min_sample_ms: 10.0,
            resolution_multiple: 100.0,
            max_ci_rel_width: 0.25,
            budget_ms: 8_000.0,
            seed: 0x7131_7e5f,
            resamples: 2_000,
            ci_level: 0.95,
        }
    }
}

/// Per-call timing statistics of one side, in ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideStats {
    /// Calls per timed sample (from calibration).
    pub iters_per_sample: u64,
    /// Per-call time of each round's sample.
    pub samples_ms: Vec<f64>,
    /// Median per-call time.
    pub median_ms: f64,
    /// Median absolute deviation.
    pub mad_ms: f64,
    /// 10th percentile.
    pub p10_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// Fastest sample.
    pub min_ms: f64,
}

impl SideStats {
    /// Statistics of per-call samples.
    pub fn of(iters_per_sample: u64, samples_ms: Vec<f64>) -> Self {
        SideStats {
            iters_per_sample,
            median_ms: stats::median(&samples_ms),
            mad_ms: stats::mad(&samples_ms),
            p10_ms: stats::percentile(&samples_ms, 0.1),
            p90_ms: stats::percentile(&samples_ms, 0.9),
            min_ms: samples_ms.iter().copied().fold(f64::INFINITY, f64::min),
            samples_ms,
        }
    }
}

/// The result of [`CompetitionProfiler::compare`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedTiming {
    /// The reference side.
    pub baseline: SideStats,
    /// The measured side.
    pub candidate: SideStats,
    /// Which side ran first in each round: `B` or `C` per round.
    pub order: String,
    /// Rounds run.
    pub rounds: usize,
    /// median(baseline) / median(candidate).
    pub speedup: f64,
    /// Bootstrap interval of the speedup, `[lo, hi]`.
    pub speedup_ci: [f64; 2],
    /// Its confidence level.
    pub ci_level: f64,
    /// True when the interval is too wide to rank on (see `unstable_reason`).
    pub unstable: bool,
    /// Why the run is unstable, in words.
    pub unstable_reason: Option<String>,
    /// Measured timer resolution, ms.
    pub timer_resolution_ms: f64,
    /// Target duration of one sample after calibration, ms.
    pub sample_target_ms: f64,
    /// True when the budget cut the number of rounds below `timing_runs`.
    pub budget_limited: bool,
    /// Wall time of the whole comparison, ms.
    pub elapsed_ms: f64,
}

/// Which part of the comparison a batch of calls belongs to (so a check that fails can name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Untimed warm-up calls.
    Warmup,
    /// Calibration trials (timed, to size the samples).
    Calibration,
    /// The sample that estimates the cost of a round for the budget.
    Estimate,
    /// Round `r` (0-based) of the interleaved timing.
    Round(usize),
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Warmup => write!(f, "warm-up"),
            Stage::Calibration => write!(f, "calibration"),
            Stage::Estimate => write!(f, "the round-cost estimate"),
            Stage::Round(r) => write!(f, "round {}", r + 1),
        }
    }
}

/// Untimed preparation before every batch of calls: `(candidate_side, calls, stage)`. The benchmark
/// uses it to verify the outputs of the calls just made and to draw fresh inputs for exactly the
/// calls about to be timed, so neither counts in the timing. Returning false abandons the comparison
/// (a call failed or was rejected): nothing more is called, and the timing returned is empty.
pub type Prepare<'a> = &'a mut dyn FnMut(bool, u64, Stage) -> bool;

fn time_sample(clock: &dyn Clock, f: &mut dyn FnMut(), iters: u64, prepare: &mut dyn FnMut(u64) -> bool) -> f64 {
    if !prepare(iters) {
        return f64::NAN;
    }
    time_batch(clock, f, iters)
}

impl CompetitionProfiler {
    /// Times `baseline` against `candidate`; see the module docs. `progress(fraction)` is called after
    /// every round.
    pub fn compare(&self, clock: &dyn Clock, baseline: &mut dyn FnMut(), candidate: &mut dyn FnMut(), progress: &mut dyn FnMut(f64)) -> PairedTiming {
        self.compare_prepared(clock, baseline, candidate, &mut |_, _, _| true, progress)
    }

    /// [`CompetitionProfiler::compare`] with an untimed `prepare(candidate_side, calls)` before every
    /// batch of calls (warm-up, calibration and each sample).
    pub fn compare_prepared(&self, clock: &dyn Clock, baseline: &mut dyn FnMut(), candidate: &mut dyn FnMut(), prepare: Prepare<'_>, progress: &mut dyn FnMut(f64)) -> PairedTiming {
        let start = clock.now_ms();
        let prepare = std::cell::RefCell::new(prepare);
        let stage = std::cell::Cell::new(Stage::Warmup);
        let stopped = std::cell::Cell::new(false);
        let prep = |cand: bool, n: u64| {
            let go = !stopped.get() && (prepare.borrow_mut())(cand, n, stage.get());
            stopped.set(!go);
            go
        };
        let mut prep_b = |n: u64| prep(false, n);
        let mut prep_c = |n: u64| prep(true, n);
        let w = self.warmup_runs as u64;
        time_sample(clock, baseline, w, &mut prep_b);
        time_sample(clock, candidate, w, &mut prep_c);
        stage.set(Stage::Calibration);
        let resolution = clock.resolution_ms();
        let resolution = if resolution.is_finite() { resolution } else { 0.0 };
        let target = self.min_sample_ms.max(self.resolution_multiple * resolution);
        let ib = calibrate_with(clock, baseline, target, MAX_SAMPLE_CALLS, &mut prep_b);
        let ic = calibrate_with(clock, candidate, target, MAX_SAMPLE_CALLS, &mut prep_c);
        if stopped.get() {
            return self.abandoned(clock, start, resolution, target);
        }
        // Cost of one round from one timed sample of each side.
        stage.set(Stage::Estimate);
        let round_ms = time_sample(clock, baseline, ib, &mut prep_b) * ib as f64 + time_sample(clock, candidate, ic, &mut prep_c) * ic as f64;
        let left = self.budget_ms - (clock.now_ms() - start);
        let affordable = if round_ms > 0.0 { (left / round_ms).floor().max(0.0) as usize } else { self.timing_runs };
        let min_rounds = self.min_rounds.max(2).min(self.timing_runs.max(2));
        let rounds = self.timing_runs.max(min_rounds).min(affordable.max(min_rounds));

        let mut rng = SplitMix64::new(self.seed ^ ORDER_STREAM);
        let (mut sb, mut sc, mut order) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds), String::with_capacity(rounds));
        for r in 0..rounds {
            let baseline_first = rng.next_u64() & 1 == 0;
            stage.set(Stage::Round(r));
            let (b, c) = if baseline_first {
                let b = time_sample(clock, baseline, ib, &mut prep_b);
                (b, time_sample(clock, candidate, ic, &mut prep_c))
            } else {
                let c = time_sample(clock, candidate, ic, &mut prep_c);
                (time_sample(clock, baseline, ib, &mut prep_b), c)
            };
            if stopped.get() {
                return self.abandoned(clock, start, resolution, target);
            }
            order.push(if baseline_first { 'B' } else { 'C' });
            sb.push(b);
            sc.push(c);
            progress((r + 1) as f64 / rounds as f64);
        }
        let speedup = stats::speedup_of(&sb, &sc);
        let (lo, hi) = stats::bootstrap_speedup_ci(&sb, &sc, self.ci_level, self.resamples, self.seed);
        let rel = (hi - lo) / speedup;
        let unstable_reason = if !speedup.is_finite() || !(speedup > 0.0) {
            Some(format!("speedup {speedup} is not a positive number (timer too coarse for this model?)"))
        } else if !(rel <= self.max_ci_rel_width) {
            Some(format!(
                "the {:.0}% interval [{lo:.2}, {hi:.2}] spans {:.0}% of the speedup (limit {:.0}%): the machine was busy or throttling; re-run",
                self.ci_level * 100.0,
                rel * 100.0,
                self.max_ci_rel_width * 100.0
            ))
        } else {
            None
        };
        PairedTiming {
            baseline: SideStats::of(ib, sb),
            candidate: SideStats::of(ic, sc),
            order,
            rounds,
            speedup,
            speedup_ci: [lo, hi],
            ci_level: self.ci_level,
            unstable: unstable_reason.is_some(),
            unstable_reason,
            timer_resolution_ms: resolution,
            sample_target_ms: target,
            budget_limited: rounds < self.timing_runs,
            elapsed_ms: clock.now_ms() - start,
        }
    }
}

impl CompetitionProfiler {
    /// The (empty) timing of a comparison abandoned by its `prepare`.
    fn abandoned(&self, clock: &dyn Clock, start: f64, resolution: f64, target: f64) -> PairedTiming {
        let empty = || SideStats { iters_per_sample: 0, samples_ms: Vec::new(), median_ms: f64::NAN, mad_ms: f64::NAN, p10_ms: f64::NAN, p90_ms: f64::NAN, min_ms: f64::NAN };
        PairedTiming {
            baseline: empty(),
            candidate: empty(),
            order: String::new(),
            rounds: 0,
            speedup: f64::NAN,
            speedup_ci: [f64::NAN, f64::NAN],
            ci_level: self.ci_level,
            unstable: true,
            unstable_reason: Some("the comparison was abandoned: a call failed or was rejected".into()),
            timer_resolution_ms: resolution,
            sample_target_ms: target,
            budget_limited: false,
            elapsed_ms: clock.now_ms() - start,
        }
    }
}

/// Most calls in one sample (each call gets its own prepared inputs, so the cap bounds that memory).
const MAX_SAMPLE_CALLS: u64 = 1 << 24;

/// Separates the round-order stream from the bootstrap stream of the same seed.
const ORDER_STREAM: u64 = 0x6f72_6465_725f_7374;
