//! Reference LayerNorm and softmax. Transcendentals come from `libm` so native and wasm agree.

/// LayerNorm over each row of width `dim`: `(x - mean) / sqrt(var + eps) * gamma + beta`,
/// with the biased variance (as PyTorch and candle compute it).
#[inline(never)]
pub fn f32_layernorm(x: &[f32], rows: usize, dim: usize, gamma: &[f32], beta: &[f32], eps: f32, out: &mut [f32]) {
    assert!(x.len() >= rows * dim && out.len() >= rows * dim && gamma.len() >= dim && beta.len() >= dim);
    for r in 0..rows {
        let row = &x[r * dim..][..dim];
        let mean = row.iter().sum::<f32>() / dim as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / dim as f32;
        let inv = 1.0 / libm::sqrtf(var + eps);
        for i in 0..dim {
            out[r * dim + i] = (row[i] - mean) * inv * gamma[i] + beta[i];
        }
    }
}

/// Numerically stable softmax over each row of width `cols`, in place.
#[inline(never)]
pub fn f32_softmax(x: &mut [f32], cols: usize) {
    if cols == 0 {
        return;
    }
    for row in x.chunks_exact_mut(cols) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = libm::expf(*v - max);
            sum += *v;
        }
        let inv = 1.0 / sum;
        for v in row.iter_mut() {
            *v *= inv;
        }
    }
}
