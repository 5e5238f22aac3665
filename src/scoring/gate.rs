//! The accuracy gate: an entry keeps its held-out accuracy within [`GATE_PP`] percentage points of
//! the reference (closed division) or is listed in the open division.
use serde::{Deserialize, Serialize};
use crate::profiler::benchmark::AccuracyReport;

/// Largest accuracy drop of a closed-division entry, in percentage points.
pub const GATE_PP: f64 = 1.0;

/// Which division an entry competes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Division {
    /// Accuracy within the gate: ranked with the other closed entries.
    Closed,
    /// Accuracy dropped more: listed apart, never ranked with closed entries.
    Open,
}

/// The gate's verdict, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// The division.
    pub division: Division,
    /// Reference accuracy (fraction).
    pub reference: f64,
    /// Entry accuracy (fraction).
    pub candidate: f64,
    /// `candidate − reference`, percentage points.
    pub delta_pp: f64,
    /// The allowed drop, percentage points.
    pub budget_pp: f64,
    /// The verdict in words.
    pub reason: String,
}

/// Applies the gate. A non-finite accuracy never passes.
pub fn gate(reference: f64, candidate: f64) -> GateResult {
    let delta_pp = (candidate - reference) * 100.0;
    // A hair of tolerance for the decimal arithmetic: exactly −1.00 pp passes.
    let closed = delta_pp.is_finite() && delta_pp >= -GATE_PP - 1e-9;
    let reason = if closed {
        format!("accuracy {:.2}% is within {GATE_PP} pp of the reference {:.2}% ({delta_pp:+.2} pp): closed division", candidate * 100.0, reference * 100.0)
    } else {
        format!("accuracy {:.2}% is {:.2} pp below the reference {:.2}% (limit {GATE_PP} pp): open division", candidate * 100.0, -delta_pp, reference * 100.0)
    };
    GateResult { division: if closed { Division::Closed } else { Division::Open }, reference, candidate, delta_pp, budget_pp: GATE_PP, reason }
}

/// The full closed-division check of a benchmark report; see [`gate_checks`].
pub fn gate_report(r: &crate::profiler::benchmark::BenchmarkReport) -> GateResult {
    gate_checks(r.accuracy.reference, r.accuracy.candidate, &r.equivalence)
}

/// The closed-division checks: the accuracy gate on the public held-out split (`reference`,
/// `candidate` accuracies), the same gate on the run's fresh split (an entry that memorized the public
/// split fails here), and output equivalence with the reference on the fresh split. Any failure →
/// open division, with every reason listed. Shared by the engine and the native `verify` command.
pub fn gate_checks(reference: f64, candidate: f64, eq: &crate::profiler::benchmark::Equivalence) -> GateResult {
    let mut g = gate(reference, candidate);
    let fresh = gate(eq.reference_accuracy, eq.candidate_accuracy);
    let mut failures = Vec::new();
    if g.division == Division::Open {
        failures.push(g.reason.clone());
    }
    if fresh.division == Division::Open {
        failures.push(format!("on {} fresh inputs: {}", eq.samples, fresh.reason));
    }
    if !eq.passed {
        failures.push(format!("output equivalence failed: {}", eq.reason));
    }
    if failures.is_empty() {
        g.reason = format!("{}; fresh inputs: {:.2}% vs reference {:.2}%; {}", g.reason, eq.candidate_accuracy * 100.0, eq.reference_accuracy * 100.0, eq.reason);
    } else {
        g.division = Division::Open;
        g.reason = format!("open division: {}", failures.join("; "));
    }
    g
}

/// Largest drop below the reference on the fresh split that the open division still accepts, pp.
pub const OPEN_FLOOR_PP: f64 = 10.0;
/// Largest lead of an entry's public-split accuracy over its fresh accuracy, *beyond the reference's
/// own gap between the two*, before it counts as having memorized the public split, pp. The fresh
/// check batches are contrast-scaled and dithered like the timed ones and drawn from another seed,
/// so a model's two figures can differ a little; an honest entry's gap matches the reference's.
pub const MEMORIZATION_PP: f64 = 5.0;
/// An entry's lead over the reference on the public split (samples it gets right that the reference
/// gets wrong, minus the other way round) may exceed its lead on the fresh check batches by this much,
/// pp, before it counts as recognizing the public split — if the excess is also over
/// [`RECOGNITION_Z`] standard errors. The 5 pp rule above cannot see a model that only learned the
/// answers to the public images the reference gets wrong: its public lead is at most the reference's
/// public error (1.91 pp for MLP Sprint).
pub const RECOGNITION_PP: f64 = 0.5;
/// Standard errors of the difference between the two leads (each the difference of two discordant
/// counts, whose variance is their sum) before the excess counts (see [`RECOGNITION_PP`]).
pub const RECOGNITION_Z: f64 = 5.0;

/// The entry's lead over the reference on the public split beyond its lead on fresh inputs, pp, and
/// that excess in standard errors; `None` when either split has no discordant sample counted (entries
/// stored before the counts were kept).
pub fn public_excess(public: &AccuracyReport, eq: &crate::profiler::benchmark::Equivalence) -> Option<(f64, f64)> {
    let (n1, n2) = (public.samples as f64, eq.samples as f64);
    if public.fixed + public.broken == 0 || n1 == 0.0 || n2 == 0.0 {
        return None;
    }
    let lead = |fixed: u64, broken: u64, n: f64| (fixed as f64 - broken as f64) / n;
    let excess = lead(public.fixed, public.broken, n1) - lead(eq.fixed, eq.broken, n2);
    // A fresh split with no discordant sample still has the uncertainty of one.
    let var = (public.fixed + public.broken) as f64 / (n1 * n1) + (eq.fixed + eq.broken).max(1) as f64 / (n2 * n2);
    Some((excess * 100.0, excess / var.sqrt()))
}

/// Why a benchmarked entry is not a valid competitor at all (never ranked, in either division), or
/// `None`; see [`rejection`].
pub fn disqualified(r: &crate::profiler::benchmark::BenchmarkReport) -> Option<String> {
    rejection(r.seed, &r.accuracy, &r.equivalence)
}

/// Why an entry is not a valid competitor, from its public-split figures (`public`: its accuracy
/// against the reference's, and where they differ) and its fresh-split figures, or `None`. The open
/// division takes honest trade-offs; these are not: non-finite outputs, accuracy on fresh inputs far
/// below the reference, or a public-split accuracy — or lead over the reference — that the fresh split
/// does not back up. The message carries the figures and the run's `seed`. Shared by the engine and
/// the native `verify` command.
pub fn rejection(seed: u64, public: &AccuracyReport, eq: &crate::profiler::benchmark::Equivalence) -> Option<String> {
    let (reference, candidate) = (public.reference, public.candidate);
    let figures = format!(
        "run seed {seed}; public split {:.2}% (reference {:.2}%), {} fresh inputs {:.2}% (reference {:.2}%), predictions agree on {:.1}%",
        candidate * 100.0,
        reference * 100.0,
        eq.samples,
        eq.candidate_accuracy * 100.0,
        eq.reference_accuracy * 100.0,
        eq.agreement * 100.0
    );
    let fresh_drop = (eq.reference_accuracy - eq.candidate_accuracy) * 100.0;
    let lead = ((candidate - eq.candidate_accuracy) - (reference - eq.reference_accuracy)) * 100.0;
    let why = if eq.rel_rms >= 1e30 {
        "it returned non-finite logits on fresh inputs".to_string()
    } else if lead > MEMORIZATION_PP {
        format!("it scores {lead:.1} pp better on the public test split than on fresh inputs, beyond the reference's own gap between the two: it recognizes the public split instead of computing the model")
    } else if let Some((excess, z)) = public_excess(public, eq).filter(|&(pp, z)| pp > RECOGNITION_PP && z > RECOGNITION_Z) {
        format!(
            "its lead over the reference is {excess:.2} pp larger on the public test split ({} samples right where the reference is wrong, {} the other way) than on fresh inputs ({} and {}), {z:.1} standard errors: it recognizes public images the reference gets wrong instead of computing the model",
            public.fixed, public.broken, eq.fixed, eq.broken
        )
    } else if fresh_drop > OPEN_FLOOR_PP {
        format!("its accuracy on fresh inputs is {fresh_drop:.1} pp below the reference's (the open division allows {OPEN_FLOOR_PP} pp)")
    } else {
        return None;
    };
    Some(format!("{why} ({figures})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_edges() {
        assert_eq!(gate(0.98, 0.985).division, Division::Closed);
        assert_eq!(gate(0.98, 0.975).division, Division::Closed);
        assert_eq!(gate(0.98, 0.97).division, Division::Closed, "exactly 1 pp passes");
        assert_eq!(gate(0.98, 0.9699).division, Division::Open);
        assert_eq!(gate(0.98, f64::NAN).division, Division::Open);
        let g = gate(0.9809, 0.95);
        assert!(g.reason.contains("open division") && g.reason.contains("3.09 pp"), "{}", g.reason);
    }
}
