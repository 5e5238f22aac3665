//! The accuracy gate: an entry keeps its held-out accuracy within [`GATE_PP`] percentage points of
//! the reference (closed division) or is listed in the open division.
use serde::{Deserialize, Serialize};

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
