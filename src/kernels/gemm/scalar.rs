//! Reference GEMM: `C[m×n] = act(A[m×k]·B[k×n] + bias)`, plain loops, the spec for every fast path.
use crate::kernels::{apply_act, Act, GemmShape};

/// The scalar reference GEMM. Accumulates each output in order `k = 0, 1, ...` in f32.
#[inline(never)]
pub fn f32_gemm(s: GemmShape, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let GemmShape { m, k, n } = s;
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "gemm buffers too small for {s:?}");
    for i in 0..m {
        for j in 0..n {
            let mut acc = bias.map_or(0.0, |bb| bb[j]);
            for p in 0..k {
                acc += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = apply_act(act, acc);
        }
    }
}

/// The baseline dense layer: the reference GEMM on the row-major weights.
pub fn f32_linear(rows: usize, x: &[f32], w: &crate::kernels::DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    f32_gemm(GemmShape { m: rows, k: w.k(), n: w.n() }, x, &w.kn, bias, act, out)
}
