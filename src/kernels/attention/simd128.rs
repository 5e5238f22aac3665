//! SIMD128 fused multi-head attention. Per head: `K_h` is transposed once into a `d × seq` scratch so
//! a query's scores come out four keys at a time; the score row (`seq` floats, the only intermediate)
//! goes through the vector softmax; `P·V_h` accumulates `d` outputs in vectors with `p_j` broadcast.
//! Nothing `seq × seq` is ever materialized.
use crate::kernels::norm::simd128::softmax_row;
use crate::kernels::AttnShape;
use core::arch::wasm32::*;

/// Variant name.
pub const NAME: &str = "f32_attention__simd128_fused";

/// Multi-head self-attention, same contract as the scalar reference.
pub fn f32_attention(q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]) {
    let AttnShape { seq, heads, head_dim: d } = s;
    let width = heads * d;
    assert!(q.len() >= seq * width && k.len() >= seq * width && v.len() >= seq * width && out.len() >= seq * width);
    if seq == 0 || d == 0 {
        return;
    }
    // SAFETY: bounds checked above.
    unsafe { imp(q, k, v, s, out) }
}

#[target_feature(enable = "simd128")]
unsafe fn imp(q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]) {
    let AttnShape { seq, heads, head_dim: d } = s;
    let width = heads * d;
    let scale = 1.0 / libm::sqrtf(d as f32);
    let seq4 = seq / 4 * 4;
    let d4 = d / 4 * 4;
    let mut kt = vec![0.0f32; d * seq];
    let mut scores = vec![0.0f32; seq];
    for h in 0..heads {
        let off = h * d;
        for j in 0..seq {
            for t in 0..d {
                kt[t * seq + j] = k[j * width + off + t];
            }
        }
        for i in 0..seq {
            let qi = q.as_ptr().add(i * width + off);
            // scores[j] = scale · q_i · k_j, four keys per step.
            let mut j = 0;
            while j < seq4 {
                let mut acc = f32x4_splat(0.0);
                for t in 0..d {
                    acc = f32x4_add(acc, f32x4_mul(f32x4_splat(*qi.add(t)), v128_load(kt.as_ptr().add(t * seq + j) as *const v128)));
                }
                v128_store(scores.as_mut_ptr().add(j) as *mut v128, f32x4_mul(acc, f32x4_splat(scale)));
                j += 4;
            }
            while j < seq {
                let mut acc = 0.0;
                for t in 0..d {
                    acc += *qi.add(t) * kt[t * seq + j];
                }
                scores[j] = acc * scale;
                j += 1;
            }
            softmax_row(&mut scores);
            // out_i = Σ_j p_j · v_j over this head's d columns.
            let o = out.as_mut_ptr().add(i * width + off);
            let mut t = 0;
            while t < d4 {
                let mut acc = f32x4_splat(0.0);
                for (jj, &p) in scores.iter().enumerate() {
                    acc = f32x4_add(acc, f32x4_mul(f32x4_splat(p), v128_load(v.as_ptr().add(jj * width + off + t) as *const v128)));
                }
                v128_store(o.add(t) as *mut v128, acc);
                t += 4;
            }
            while t < d {
                let mut acc = 0.0;
                for (jj, &p) in scores.iter().enumerate() {
                    acc += p * v[jj * width + off + t];
                }
                *o.add(t) = acc;
                t += 1;
            }
        }
    }
}
