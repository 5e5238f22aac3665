//! SIMD128 fused multi-head attention. Per head, `K_h` is transposed once into a `d × seq` scratch;
//! then for each block of 4 query rows: `S = scale·Q·K_hᵀ` with the GEMM's 4×8 register tiles on
//! strided views (no copy of Q or V), the vector softmax on each row, and `P·V_h` with the same tiles
//! written straight into the head's output columns. The only intermediate is a `4 × seq` score
//! block; nothing `seq × seq` is ever materialized.
use crate::kernels::gemm::simd128::{gemm_strided, Mat, MatMut};
use crate::kernels::norm::simd128::softmax_row;
use crate::kernels::{Act, AttnShape};

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

/// Query rows per block: the GEMM tile height, so each block's `Q·Kᵀ` is one pass of 4×8 tiles.
const ROWS: usize = 4;

#[target_feature(enable = "simd128")]
unsafe fn imp(q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]) {
    let AttnShape { seq, heads, head_dim: d } = s;
    let width = heads * d;
    let scale = 1.0 / libm::sqrtf(d as f32);
    let mut kt = vec![0.0f32; d * seq];
    let mut scores = vec![0.0f32; ROWS * seq];
    for h in 0..heads {
        let off = h * d;
        for j in 0..seq {
            for t in 0..d {
                kt[t * seq + j] = k[j * width + off + t];
            }
        }
        let mut i = 0;
        while i < seq {
            let rows = ROWS.min(seq - i);
            // S = scale · Q_h[i..i+rows] · K_hᵀ   (rows × seq)
            gemm_strided(
                rows,
                d,
                seq,
                Mat { p: q.as_ptr().add(i * width + off), ld: width },
                Mat { p: kt.as_ptr(), ld: seq },
                MatMut { p: scores.as_mut_ptr(), ld: seq },
                None,
                Act::None,
                scale,
            );
            for r in 0..rows {
                softmax_row(&mut scores[r * seq..(r + 1) * seq]);
            }
            // O_h[i..i+rows] = P · V_h   (rows × d)
            gemm_strided(
                rows,
                seq,
                d,
                Mat { p: scores.as_ptr(), ld: seq },
                Mat { p: v.as_ptr().add(off), ld: width },
                MatMut { p: out.as_mut_ptr().add(i * width + off), ld: width },
                None,
                Act::None,
                1.0,
            );
            i += rows;
        }
    }
}
