//! The scorer: accuracy gate, innovation detected from the artifact, and the composite. Every formula
//! of the competition lives here (and is restated in the README):
//!
//! - **Speed score** `= clamp(log2(speedup) / log2(64), 0, 1)`: 1× scores 0, 8× scores 0.5, 64× and
//!   beyond score 1. Logarithmic because each doubling is equally hard to earn, bounded so that the
//!   70/30 weights below mean what they say.
//! - **Innovation score** in `[0, 1]`: the sum of the points of each technique detected in the entry
//!   itself ([`innovation`]), capped at 1.
//! - **Composite** `= 0.7 · speed score + 0.3 · innovation score`, in `[0, 1]`.
//! - **Gate** ([`gate`]): within 1 percentage point of the reference's held-out accuracy → closed
//!   division; a larger drop → open division, listed apart and never ranked with closed entries.
pub mod gate;
pub mod innovation;

pub use gate::{gate, Division, GateResult};
pub use innovation::{detect, Innovation, Technique};

/// Weight of the speed score in the composite.
pub const SPEED_WEIGHT: f64 = 0.7;
/// Weight of the innovation score in the composite.
pub const INNOVATION_WEIGHT: f64 = 0.3;
/// Speedup at which the speed score saturates.
pub const SPEEDUP_CAP: f64 = 64.0;

/// `clamp(log2(speedup) / log2(64), 0, 1)`; 0 for a non-finite or non-positive speedup.
pub fn speed_score(speedup: f64) -> f64 {
    if !(speedup.is_finite() && speedup > 0.0) {
        return 0.0;
    }
    (speedup.log2() / SPEEDUP_CAP.log2()).clamp(0.0, 1.0)
}

/// `0.7 · speed + 0.3 · innovation`, both clamped to `[0, 1]` first.
pub fn composite(speed: f64, innovation: f64) -> f64 {
    let c = |x: f64| if x.is_finite() { x.clamp(0.0, 1.0) } else { 0.0 };
    SPEED_WEIGHT * c(speed) + INNOVATION_WEIGHT * c(innovation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_score_points_and_bounds() {
        assert_eq!(speed_score(1.0), 0.0);
        assert!((speed_score(8.0) - 0.5).abs() < 1e-12);
        assert_eq!(speed_score(64.0), 1.0);
        assert_eq!(speed_score(1e9), 1.0);
        assert_eq!(speed_score(0.5), 0.0);
        assert_eq!(speed_score(f64::NAN), 0.0);
        assert_eq!(speed_score(-3.0), 0.0);
        // Monotone between the bounds.
        assert!(speed_score(2.0) < speed_score(2.1));
    }

    #[test]
    fn composite_bounds_and_weights() {
        assert_eq!(composite(0.0, 0.0), 0.0);
        assert!((composite(1.0, 1.0) - 1.0).abs() < 1e-12);
        assert!((composite(1.0, 0.0) - 0.7).abs() < 1e-12);
        assert!((composite(0.0, 1.0) - 0.3).abs() < 1e-12);
        assert!((composite(2.0, -1.0) - 0.7).abs() < 1e-12, "inputs are clamped");
        assert_eq!(composite(f64::NAN, f64::INFINITY), 0.0);
        for s in [0.0, 0.25, 0.5, 1.0] {
            for i in [0.0, 0.3, 1.0] {
                let c = composite(s, i);
                assert!((0.0..=1.0).contains(&c));
            }
        }
    }
}
