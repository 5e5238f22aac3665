//! The competition profiler's statistics on a synthetic clock with known answers: time advances only
//! when a side "runs", by an amount the test chooses, so the true speedup is known exactly.
use std::cell::{Cell, RefCell};
use tinymlperf::data::rng::SplitMix64;
use tinymlperf::profiler::{Clock, CompetitionProfiler};

struct FakeClock {
    t: Cell<f64>,
}

impl Clock for FakeClock {
    fn now_ms(&self) -> f64 {
        self.t.get()
    }
    fn scope(&self) -> &'static str {
        "fake"
    }
    fn resolution_ms(&self) -> f64 {
        0.001
    }
}

fn profiler(seed: u64) -> CompetitionProfiler {
    CompetitionProfiler { seed, budget_ms: 1e9, min_sample_ms: 1.0, ..CompetitionProfiler::default() }
}

/// Runs the profiler with per-call costs `base(call, now)` and `cand(call, now)` (ms), logging which side ran.
fn run(p: &CompetitionProfiler, base: impl Fn(usize, f64) -> f64, cand: impl Fn(usize, f64) -> f64) -> (tinymlperf::profiler::PairedTiming, Vec<char>) {
    let clock = FakeClock { t: Cell::new(0.0) };
    let log = RefCell::new(Vec::new());
    let (nb, nc) = (Cell::new(0usize), Cell::new(0usize));
    let mut b = || {
        clock.t.set(clock.t.get() + base(nb.get(), clock.t.get()));
        nb.set(nb.get() + 1);
        log.borrow_mut().push('B');
    };
    let mut c = || {
        clock.t.set(clock.t.get() + cand(nc.get(), clock.t.get()));
        nc.set(nc.get() + 1);
        log.borrow_mut().push('C');
    };
    let r = p.compare(&clock, &mut b, &mut c, &mut |_| {});
    (r, log.into_inner())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_known_2x_speedup_is_recovered_with_a_ci_containing_2() {
    // Noise of ±10% per call, and a slow drift (thermal) that affects both sides alike.
    let noise = |seed: u64, i: usize| 1.0 + 0.1 * (2.0 * SplitMix64::for_item(seed, 0, i as u64).uniform() as f64 - 1.0);
    // The machine slows down by up to 30% and recovers, over time: both sides see the same clock.
    let drift = |t: f64| 1.0 + 0.3 * (t / 200.0).sin().abs();
    let (r, _) = run(&profiler(7), |i, t| 2.0 * noise(1, i) * drift(t), |i, t| 1.0 * noise(2, i) * drift(t));
    let [lo, hi] = r.speedup_ci;
    assert!((r.speedup - 2.0).abs() < 0.2, "speedup {}", r.speedup);
    assert!(lo <= 2.0 && 2.0 <= hi, "95% CI [{lo}, {hi}] must contain 2");
    assert!(lo > 1.5 && hi < 2.6, "CI [{lo}, {hi}] should be tight for ±10% noise");
    assert!(!r.unstable, "{:?}", r.unstable_reason);
    assert_eq!(r.rounds, CompetitionProfiler::default().timing_runs);
    // Per-side statistics are per call and ordered.
    for s in [&r.baseline, &r.candidate] {
        assert!(s.p10_ms <= s.median_ms && s.median_ms <= s.p90_ms && s.min_ms <= s.p10_ms);
        assert!(s.mad_ms > 0.0 && s.mad_ms < 0.5 * s.median_ms);
        assert_eq!(s.samples_ms.len(), r.rounds);
    }
    assert!((r.baseline.median_ms / r.candidate.median_ms - r.speedup).abs() < 1e-12);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn calibration_makes_each_sample_at_least_100_timer_ticks_and_the_minimum_duration() {
    let p = CompetitionProfiler { min_sample_ms: 5.0, ..profiler(1) };
    // 0.3 ms per call → ≥ 17 calls per 5 ms sample; resolution 1 µs → 100 ticks = 0.1 ms (not binding).
    let (r, _) = run(&p, |_, _| 0.3, |_, _| 0.3);
    assert!(r.sample_target_ms >= 5.0 && r.sample_target_ms >= 100.0 * r.timer_resolution_ms);
    assert!(r.baseline.iters_per_sample as f64 * 0.3 >= 5.0, "{} calls", r.baseline.iters_per_sample);
    assert!((r.speedup - 1.0).abs() < 1e-9 && r.speedup_ci == [1.0, 1.0]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rounds_are_interleaved_in_a_seeded_random_order() {
    let p = profiler(42);
    let (r, log) = run(&p, |_, _| 1.0, |_, _| 1.0);
    // The timed part of the log is the last `rounds` samples of each side, in the reported order.
    let (ib, ic) = (r.baseline.iters_per_sample as usize, r.candidate.iters_per_sample as usize);
    let timed: String = r.order.chars().flat_map(|first| if first == 'B' { [('B', ib), ('C', ic)] } else { [('C', ic), ('B', ib)] }).flat_map(|(s, n)| std::iter::repeat_n(s, n)).collect();
    let tail: String = log[log.len() - timed.len()..].iter().collect();
    assert_eq!(tail, timed, "the log must follow the reported order");
    assert_eq!(r.order.len(), r.rounds);
    assert!(r.order.contains('B') && r.order.contains('C'), "both orders occur: {}", r.order);
    assert!(!r.order.contains("BBBBBBBB") && !r.order.contains("CCCCCCCC"), "not a fixed order: {}", r.order);
    // Same seed, same order; another seed, another order.
    assert_eq!(run(&p, |_, _| 1.0, |_, _| 1.0).0.order, r.order);
    assert_ne!(run(&profiler(43), |_, _| 1.0, |_, _| 1.0).0.order, r.order);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_budget_limits_rounds_but_never_below_the_minimum() {
    let p = CompetitionProfiler { budget_ms: 30.0, ..profiler(3) };
    let (r, _) = run(&p, |_, _| 4.0, |_, _| 2.0);
    assert_eq!(r.rounds, p.min_rounds);
    assert!(r.budget_limited);
    let (r, _) = run(&profiler(3), |_, _| 4.0, |_, _| 2.0);
    assert!(!r.budget_limited && r.rounds == CompetitionProfiler::default().timing_runs);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_noisy_run_is_flagged_unstable_with_a_reason() {
    // The candidate alternates between fast and 3× slower rounds: no stable speedup exists.
    let (r, _) = run(&profiler(5), |_, _| 2.0, |i, _| if (i / 3) % 2 == 0 { 0.5 } else { 1.5 });
    assert!(r.unstable, "CI {:?} should be too wide", r.speedup_ci);
    let why = r.unstable_reason.unwrap();
    assert!(why.contains("interval") && why.contains("re-run"), "{why}");
}
