//! Reference multi-head self-attention (no mask): for each head `h`,
//! `out_h = softmax(Q_h K_hᵀ / sqrt(d)) V_h`, with `Q, K, V, out` all `seq × (heads·head_dim)` and head
//! `h` occupying columns `h·d .. (h+1)·d`.
use crate::kernels::AttnShape;

/// Scalar reference attention; materializes one `seq`-long score row at a time.
#[inline(never)]
pub fn f32_attention(q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]) {
    let AttnShape { seq, heads, head_dim: d } = s;
    let width = heads * d;
    assert!(q.len() >= seq * width && k.len() >= seq * width && v.len() >= seq * width && out.len() >= seq * width);
    let scale = 1.0 / libm::sqrtf(d as f32);
    let mut scores = vec![0.0f32; seq];
    for h in 0..heads {
        let off = h * d;
        for i in 0..seq {
            for j in 0..seq {
                let mut dot = 0.0;
                for t in 0..d {
                    dot += q[i * width + off + t] * k[j * width + off + t];
                }
                scores[j] = dot * scale;
            }
            super::super::norm::scalar::f32_softmax(&mut scores, seq);
            for t in 0..d {
                let mut acc = 0.0;
                for j in 0..seq {
                    acc += scores[j] * v[j * width + off + t];
                }
                out[i * width + off + t] = acc;
            }
        }
    }
}
