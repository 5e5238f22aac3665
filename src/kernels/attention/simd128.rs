//! SIMD128 fused multi-head attention, one block of 4 query rows at a time, nothing `seq × seq` ever
//! materialized:
//!
//! 1. `K` is transposed once per call (all heads, 4×4 shuffle blocks) into `width × seq8`, `seq8` the
//!    key count rounded up to 8 with zero columns, so every score tile is a full 4×8.
//! 2. `S = Q_h·K_hᵀ` for the 4 rows with 4×8 register tiles (`head_dim` steps each), raw dot products.
//! 3. The softmax on each row, fused: row max with `pmax` (four chains), `e = 2^((s − max)·scale·log2 e)`
//!    through [`exp2_v_deg4`] four vectors at a time (the `1/√d` scale folded into the exponent's
//!    factor; this step is latency-bound), the row sum; the numerators stay unnormalized.
//! 4. `O = E·V_h` with 4×8 tiles straight from `V`'s head columns, each row scaled by `1/sum` as it is
//!    stored (16 multiplies per row instead of 64).
//!
//! The exponent is clamped at −100, so a score far below its row's max weighs `2^−100·…` instead of
//! an exact 0 (within `F32_APPROX`'s absolute slack; it keeps products with `V` out of denormals).
use crate::kernels::act::simd128::exp2_v_deg4;
use crate::kernels::gemm::simd128::transpose;
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

/// Query rows per block: the tile height.
const ROWS: usize = 4;
/// Key columns per score tile.
const COLS: usize = 8;
/// Lowest exponent (base 2) a softmax numerator gets.
const EXP_FLOOR: f32 = -100.0;

unsafe fn imp(q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]) {
    let AttnShape { seq, heads, head_dim } = s;
    if (seq, heads, head_dim) == (64, 4, 16) {
        imp_64x4x16(q, k, v, out)
    } else {
        imp_any(q, k, v, s, out)
    }
}

/// The transformer's shape with every size a constant, so the compiler unrolls the 16-step score
/// tiles and the row loops and addresses every load at a constant offset.
#[target_feature(enable = "simd128")]
unsafe fn imp_64x4x16(q: &[f32], k: &[f32], v: &[f32], out: &mut [f32]) {
    run(q, k, v, 64, 4, 16, out)
}

#[target_feature(enable = "simd128")]
unsafe fn imp_any(q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]) {
    run(q, k, v, s.seq, s.heads, s.head_dim, out)
}

#[inline(always)]
unsafe fn run(q: &[f32], k: &[f32], v: &[f32], seq: usize, heads: usize, d: usize, out: &mut [f32]) {
    let width = heads * d;
    let seq8 = seq.div_ceil(COLS) * COLS;
    let c = core::f32::consts::LOG2_E / libm::sqrtf(d as f32);
    let mut kt = vec![0.0f32; width * seq8];
    transpose(k.as_ptr(), seq, width, width, kt.as_mut_ptr(), seq8);
    let mut scores = vec![0.0f32; ROWS * seq8];
    let geo = Geo { seq, seq8, d, width, c };
    for h in 0..heads {
        let off = h * d;
        let mut i = 0;
        while i < seq {
            let rows = ROWS.min(seq - i);
            let qp = q.as_ptr().add(i * width + off);
            let kp = kt.as_ptr().add(off * seq8);
            let vp = v.as_ptr().add(off);
            let op = out.as_mut_ptr().add(i * width + off);
            let sc = scores.as_mut_ptr();
            match rows {
                4 => block::<4>(geo, qp, kp, vp, sc, op),
                3 => block::<3>(geo, qp, kp, vp, sc, op),
                2 => block::<2>(geo, qp, kp, vp, sc, op),
                _ => block::<1>(geo, qp, kp, vp, sc, op),
            }
            i += rows;
        }
    }
}

/// Shape facts every block needs.
#[derive(Clone, Copy)]
struct Geo {
    seq: usize,
    seq8: usize,
    d: usize,
    width: usize,
    /// `log2(e)/√d`.
    c: f32,
}

/// Max of the four lanes, in every lane (`pmax`, so NaN handling is the comparison's).
#[inline(always)]
unsafe fn splat_max(m: v128) -> v128 {
    let m = f32x4_pmax(m, i32x4_shuffle::<2, 3, 0, 1>(m, m));
    f32x4_pmax(m, i32x4_shuffle::<1, 0, 3, 2>(m, m))
}

/// Sum of the four lanes, in every lane.
#[inline(always)]
unsafe fn splat_sum(s: v128) -> v128 {
    let s = f32x4_add(s, i32x4_shuffle::<2, 3, 0, 1>(s, s));
    f32x4_add(s, i32x4_shuffle::<1, 0, 3, 2>(s, s))
}

/// An `MR × 8` product tile, two f32x4 accumulators a row: `Σ_t a[r·lda + t] · b[t·ldb .. t·ldb + 8]`
/// for `t < n`. The scores (Q·Kᵀ) and the output (E·V) are both this tile.
#[inline(always)]
unsafe fn tile_mr8<const MR: usize>(a: *const f32, lda: usize, b: *const f32, ldb: usize, n: usize) -> ([v128; MR], [v128; MR]) {
    let mut acc0 = [f32x4_splat(0.0); MR];
    let mut acc1 = [f32x4_splat(0.0); MR];
    let mut bp = b;
    for t in 0..n {
        let w0 = v128_load(bp as *const v128);
        let w1 = v128_load(bp.add(4) as *const v128);
        bp = bp.add(ldb);
        for r in 0..MR {
            let x = v128_load32_splat(a.add(r * lda + t) as *const u32);
            acc0[r] = f32x4_add(acc0[r], f32x4_mul(x, w0));
            acc1[r] = f32x4_add(acc1[r], f32x4_mul(x, w1));
        }
    }
    (acc0, acc1)
}

/// One block of `MR` query rows of one head: scores, softmax numerators, `E·V` scaled by `1/sum`.
///
/// `q`: the block's first Q row at the head's columns (stride `width`); `kt`: the head's `d × seq8`
/// slice of Kᵀ; `v`: V at the head's columns (stride `width`); `sc`: `ROWS × seq8` scratch; `out`:
/// the block's first output row at the head's columns.
#[inline(always)]
unsafe fn block<const MR: usize>(g: Geo, q: *const f32, kt: *const f32, v: *const f32, sc: *mut f32, out: *mut f32) {
    let Geo { seq, seq8, d, width, c } = g;
    // 1. Raw scores, MR × seq8.
    let mut j = 0;
    while j < seq8 {
        let (acc0, acc1) = tile_mr8::<MR>(q, width, kt.add(j), seq8, d);
        for r in 0..MR {
            v128_store(sc.add(r * seq8 + j) as *mut v128, acc0[r]);
            v128_store(sc.add(r * seq8 + j + 4) as *mut v128, acc1[r]);
        }
        j += COLS;
    }
    // 2. Softmax numerators in place; `inv[r]` = 1/sum in every lane.
    let n4 = seq / 4 * 4;
    let rem = seq - n4;
    // Lanes < rem of the last, partial vector are real keys.
    let lane = i32x4(0, 1, 2, 3);
    let tail_mask = i32x4_lt(lane, i32x4_splat(rem as i32));
    let neg_inf = f32x4_splat(f32::NEG_INFINITY);
    let (cv, floor) = (f32x4_splat(c), f32x4_splat(EXP_FLOOR));
    let mut inv = [f32x4_splat(0.0); MR];
    for r in 0..MR {
        let row = sc.add(r * seq8);
        // Four independent max chains, then the rest of the row.
        let (mut m, mut m1, mut m2, mut m3) = (neg_inf, neg_inf, neg_inf, neg_inf);
        let mut i = 0;
        while i + 16 <= n4 {
            m = f32x4_pmax(m, v128_load(row.add(i) as *const v128));
            m1 = f32x4_pmax(m1, v128_load(row.add(i + 4) as *const v128));
            m2 = f32x4_pmax(m2, v128_load(row.add(i + 8) as *const v128));
            m3 = f32x4_pmax(m3, v128_load(row.add(i + 12) as *const v128));
            i += 16;
        }
        m = f32x4_pmax(f32x4_pmax(m, m1), f32x4_pmax(m2, m3));
        while i < n4 {
            m = f32x4_pmax(m, v128_load(row.add(i) as *const v128));
            i += 4;
        }
        if rem > 0 {
            m = f32x4_pmax(m, v128_bitselect(v128_load(row.add(n4) as *const v128), neg_inf, tail_mask));
        }
        let mx = splat_max(m);
        // Four vectors in flight: the exp is a chain of dependent operations.
        let mut sums = [f32x4_splat(0.0); 4];
        i = 0;
        while i + 16 <= n4 {
            let mut e = [f32x4_splat(0.0); 4];
            for u in 0..4 {
                let x = f32x4_mul(f32x4_sub(v128_load(row.add(i + 4 * u) as *const v128), mx), cv);
                e[u] = exp2_v_deg4(f32x4_pmax(x, floor));
            }
            for u in 0..4 {
                v128_store(row.add(i + 4 * u) as *mut v128, e[u]);
                sums[u] = f32x4_add(sums[u], e[u]);
            }
            i += 16;
        }
        let mut s0 = f32x4_add(sums[0], sums[2]);
        let s1 = f32x4_add(sums[1], sums[3]);
        while i < n4 {
            let x0 = f32x4_mul(f32x4_sub(v128_load(row.add(i) as *const v128), mx), cv);
            let e0 = exp2_v_deg4(f32x4_pmax(x0, floor));
            v128_store(row.add(i) as *mut v128, e0);
            s0 = f32x4_add(s0, e0);
            i += 4;
        }
        if rem > 0 {
            let x0 = f32x4_mul(f32x4_sub(v128_load(row.add(n4) as *const v128), mx), cv);
            let e0 = v128_and(exp2_v_deg4(f32x4_pmax(x0, floor)), tail_mask);
            v128_store(row.add(n4) as *mut v128, e0);
            s0 = f32x4_add(s0, e0);
        }
        inv[r] = f32x4_div(f32x4_splat(1.0), splat_sum(f32x4_add(s0, s1)));
    }
    // 3. O = E·V / sum, MR × d.
    let mut jj = 0;
    while jj + 8 <= d {
        let (acc0, acc1) = tile_mr8::<MR>(sc, seq8, v.add(jj), width, seq);
        for r in 0..MR {
            v128_store(out.add(r * width + jj) as *mut v128, f32x4_mul(acc0[r], inv[r]));
            v128_store(out.add(r * width + jj + 4) as *mut v128, f32x4_mul(acc1[r], inv[r]));
        }
        jj += 8;
    }
    if jj + 4 <= d {
        let mut acc = [f32x4_splat(0.0); MR];
        let mut vp = v.add(jj);
        for p in 0..seq {
            let w0 = v128_load(vp as *const v128);
            vp = vp.add(width);
            for r in 0..MR {
                acc[r] = f32x4_add(acc[r], f32x4_mul(v128_load32_splat(sc.add(r * seq8 + p) as *const u32), w0));
            }
        }
        for r in 0..MR {
            v128_store(out.add(r * width + jj) as *mut v128, f32x4_mul(acc[r], inv[r]));
        }
        jj += 4;
    }
    while jj < d {
        for r in 0..MR {
            let mut acc = 0.0f32;
            for p in 0..seq {
                acc += *sc.add(r * seq8 + p) * *v.add(p * width + jj);
            }
            *out.add(r * width + jj) = acc * f32x4_extract_lane::<0>(inv[r]);
        }
        jj += 1;
    }
}
