//! Scalar-versus-best timing of one GEMM shape: the pipeline's thin vertical slice (the page calls
//! it through `wasm_api::gemm_demo`). Checks the fast path against the reference before timing it.
use super::{compare, Clock, RunConfig};
use crate::kernels::{self, Act, GemmShape};
use serde::Serialize;

/// What the page shows for one GEMM shape.
#[derive(Debug, Clone, Serialize)]
pub struct GemmReport {
    /// Rows of A.
    pub m: usize,
    /// Inner dimension.
    pub k: usize,
    /// Columns of B.
    pub n: usize,
    /// Variant timed as the baseline.
    pub baseline_variant: String,
    /// Variant timed as the candidate.
    pub candidate_variant: String,
    /// Median ms per call, baseline.
    pub baseline_ms: f64,
    /// Median ms per call, candidate.
    pub candidate_ms: f64,
    /// GFLOP/s of the baseline at its median.
    pub baseline_gflops: f64,
    /// GFLOP/s of the candidate at its median.
    pub candidate_gflops: f64,
    /// Median per-round speedup.
    pub speedup: f64,
    /// Largest |candidate − reference| over the output.
    pub max_abs_diff: f32,
    /// Which global scope the clock read (`window`, `worker`, `node`, `native`).
    pub clock_scope: String,
    /// Measured clock step in ms.
    pub clock_resolution_ms: f64,
}

/// Deterministic pseudo-random values in [-1, 1) (xorshift), so runs are comparable.
pub fn seeded_values(seed: u64, len: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Times the scalar GEMM against the best table's GEMM on `shape` (bias + ReLU epilogue).
pub fn gemm_scalar_vs_best(clock: &Clock, shape: GemmShape, cfg: RunConfig) -> GemmReport {
    let GemmShape { m, k, n } = shape;
    let a = seeded_values(1, m * k);
    let b = seeded_values(2, k * n);
    let bias = seeded_values(3, n);
    let (base, best) = (kernels::scalar(), kernels::best());
    let mut c0 = vec![0.0; m * n];
    let mut c1 = vec![0.0; m * n];
    (base.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c0);
    (best.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c1);
    let max_abs_diff = c0.iter().zip(&c1).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    let cmp = compare(
        clock,
        cfg,
        &mut || (base.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c0),
        &mut || (best.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c1),
    );
    let gflops = |ms: f64| shape.flops() as f64 / (ms * 1e6);
    let variant = |k: &kernels::Kernels| k.names.iter().find(|(s, _)| *s == "gemm").map_or("?", |e| e.1).to_string();
    GemmReport {
        m,
        k,
        n,
        baseline_variant: variant(&base),
        candidate_variant: variant(&best),
        baseline_ms: cmp.baseline.median_ms,
        candidate_ms: cmp.candidate.median_ms,
        baseline_gflops: gflops(cmp.baseline.median_ms),
        candidate_gflops: gflops(cmp.candidate.median_ms),
        speedup: cmp.speedup,
        max_abs_diff,
        clock_scope: clock.scope().to_string(),
        clock_resolution_ms: clock.resolution_ms(),
    }
}
