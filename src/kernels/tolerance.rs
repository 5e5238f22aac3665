//! Named tolerance tiers for comparing a fast kernel with the scalar reference. Tests and benchmarks
//! use these names, never a stray literal.

/// `|got − want| ≤ abs + rel·|want|`, with NaN matching only NaN and infinities matching exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Absolute slack.
    pub abs: f32,
    /// Slack relative to the reference value.
    pub rel: f32,
}

/// Same operations in the same order as the reference (e.g. the SIMD GEMM, which accumulates each
/// output in k order with separate multiply and add): results must be bit-identical.
pub const F32_EXACT: Tolerance = Tolerance { abs: 0.0, rel: 0.0 };
/// Reassociated f32 sums (tree reductions, blocked k loops): a few ulps per term.
pub const F32_REASSOCIATED: Tolerance = Tolerance { abs: 1e-5, rel: 1e-5 };
/// `f32x4.relaxed_madd`, which the browser may fuse (one rounding per multiply-add instead of two): the
/// same order of operations as the reference, each step rounded once or twice — a few ulps per term.
pub const F32_FUSED: Tolerance = Tolerance { abs: 1e-5, rel: 1e-5 };
/// Polynomial approximations of exp/tanh inside softmax, GELU and LayerNorm.
pub const F32_APPROX: Tolerance = Tolerance { abs: 1e-4, rel: 1e-4 };

/// Whole-model logits, fast table against the baseline: a few `F32_APPROX` steps (GELU/softmax/exp
/// approximations) compounded through two transformer blocks, and reassociated or fused sums.
pub const MODEL_LOGITS: Tolerance = Tolerance { abs: 2e-3, rel: 1e-3 };

impl Tolerance {
    /// Whether `got` is within tolerance of `want`.
    pub fn accepts(&self, got: f32, want: f32) -> bool {
        if want.is_nan() || got.is_nan() {
            return want.is_nan() && got.is_nan();
        }
        if want.is_infinite() || got.is_infinite() {
            return got == want;
        }
        (got - want).abs() <= self.abs + self.rel * want.abs()
    }

    /// First index where `got` and `want` disagree, with both values; `None` if all agree.
    pub fn first_mismatch(&self, got: &[f32], want: &[f32]) -> Option<(usize, f32, f32)> {
        if got.len() != want.len() {
            return Some((got.len().min(want.len()), f32::NAN, f32::NAN));
        }
        got.iter().zip(want).enumerate().find(|(_, (g, w))| !self.accepts(**g, **w)).map(|(i, (g, w))| (i, *g, *w))
    }
}
