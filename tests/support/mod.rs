//! Helpers shared by test binaries (`mod support;`).
use tinymlperf::profiler::{stats, CompetitionProfiler};
use tinymlperf::scoring;
use tinymlperf::submission::Entry;

/// Gives `e` a speedup of `speedup` that its own samples back up, as a real run would record it: the
/// candidate's samples become the baseline's divided by `speedup` (exactly proportional, so the
/// interval is tight), or, when `unstable`, 49% of them at 0.6× that time and the rest at it (the
/// median sits at the edge of two clusters, so the bootstrap interval spans both however many
/// samples the run has; a spread that is merely wide narrows as samples grow); medians, interval
/// (the seeded bootstrap), `unstable`, gate and scores are recomputed, so the entry passes
/// `Entry::validate`.
#[allow(dead_code)]
pub fn retime(e: &mut Entry, speedup: f64, unstable: bool) {
    let n = e.report.timing.baseline.samples_ms.len().max(1);
    let samples = e.report.timing.baseline.samples_ms.iter().enumerate().map(|(i, b)| b / speedup * if unstable && i * 100 < 49 * n { 0.6 } else { 1.0 }).collect();
    set_candidate_samples(e, samples);
    assert_eq!(e.report.timing.unstable, unstable, "retime could not make the run {}", if unstable { "unstable" } else { "stable" });
}

/// Gives `e` these candidate samples and recomputes everything derived from them (medians, speedup,
/// the seeded bootstrap interval, `unstable`, gate and scores), as a careful forger would: the entry
/// passes `Entry::validate`.
#[allow(dead_code)]
pub fn set_candidate_samples(e: &mut Entry, samples: Vec<f64>) {
    let seed = e.report.seed;
    let t = &mut e.report.timing;
    t.candidate.samples_ms = samples;
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
    let speedup = t.speedup;
    e.gate = scoring::gate_report(&e.report);
    e.speed_score = scoring::speed_score(speedup);
    e.composite = scoring::composite(e.speed_score, e.innovation.score);
}
