//! Helpers shared by test binaries (`mod support;`).
use tinymlperf::profiler::{stats, CompetitionProfiler};
use tinymlperf::scoring;
use tinymlperf::submission::Entry;

/// Gives `e` a speedup of `speedup` that its own samples back up, as a real run would record it: the
/// candidate's samples become the baseline's divided by `speedup` (exactly proportional, so the
/// interval is tight), or spread over ±50% when `unstable`; medians, interval (the seeded bootstrap),
/// `unstable`, gate and scores are recomputed, so the entry passes `Entry::validate`.
#[allow(dead_code)]
pub fn retime(e: &mut Entry, speedup: f64, unstable: bool) {
    let seed = e.report.seed;
    let t = &mut e.report.timing;
    let n = t.baseline.samples_ms.len().max(1) as f64;
    t.candidate.samples_ms = t.baseline.samples_ms.iter().enumerate().map(|(i, b)| b / speedup * if unstable { 0.5 + i as f64 / n } else { 1.0 }).collect();
    let c = &t.candidate.samples_ms;
    t.candidate.median_ms = stats::median(c);
    t.candidate.mad_ms = stats::mad(c);
    t.candidate.p10_ms = stats::percentile(c, 0.1);
    t.candidate.p90_ms = stats::percentile(c, 0.9);
    t.candidate.min_ms = c.iter().copied().fold(f64::INFINITY, f64::min);
    t.speedup = t.baseline.median_ms / t.candidate.median_ms;
    let p = CompetitionProfiler::default();
    let (lo, hi) = stats::bootstrap_speedup_ci(&t.baseline.samples_ms, &t.candidate.samples_ms, t.ci_level, p.resamples, seed);
    t.speedup_ci = [lo, hi];
    t.unstable = !((hi - lo) / t.speedup <= p.max_ci_rel_width);
    t.unstable_reason = t.unstable.then(|| format!("the 95% interval [{lo:.2}, {hi:.2}] spans {:.0}% of the speedup", (hi - lo) / t.speedup * 100.0));
    assert_eq!(t.unstable, unstable, "retime could not make the run {}", if unstable { "unstable" } else { "stable" });
    let speedup = t.speedup;
    e.gate = scoring::gate_report(&e.report);
    e.speed_score = scoring::speed_score(speedup);
    e.composite = scoring::composite(e.speed_score, e.innovation.score);
}
