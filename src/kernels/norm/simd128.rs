//! SIMD128 LayerNorm and softmax. Sums are reduced four lanes at a time (reassociated, hence the
//! `F32_REASSOCIATED`/`F32_APPROX` tiers in tests); softmax uses the vector `exp2` approximation.
use crate::kernels::act::simd128::exp2_v;
use core::arch::wasm32::*;

/// Variant name.
pub const LAYERNORM: &str = "f32_layernorm__simd128";
/// Variant name.
pub const SOFTMAX: &str = "f32_softmax__simd128";

#[inline(always)]
pub(crate) unsafe fn hsum(v: v128) -> f32 {
    f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v) + f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v)
}

#[inline(always)]
unsafe fn hmax(v: v128) -> f32 {
    f32x4_extract_lane::<0>(v).max(f32x4_extract_lane::<1>(v)).max(f32x4_extract_lane::<2>(v).max(f32x4_extract_lane::<3>(v)))
}

/// Sum of the four lanes, in every lane.
#[inline(always)]
unsafe fn splat_sum(v: v128) -> v128 {
    let v = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    f32x4_add(v, i32x4_shuffle::<1, 0, 3, 2>(v, v))
}

/// `Σ f(row[i..i+4])` over the row's whole vectors, in four independent chains (a 64-wide row is
/// 16 dependent adds otherwise), reduced into every lane.
#[inline(always)]
unsafe fn row_sum(row: *const f32, d4: usize, f: impl Fn(v128) -> v128) -> v128 {
    let mut acc = [f32x4_splat(0.0); 4];
    let mut i = 0;
    while i + 16 <= d4 {
        for u in 0..4 {
            acc[u] = f32x4_add(acc[u], f(v128_load(row.add(i + 4 * u) as *const v128)));
        }
        i += 16;
    }
    while i < d4 {
        acc[0] = f32x4_add(acc[0], f(v128_load(row.add(i) as *const v128)));
        i += 4;
    }
    splat_sum(f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3])))
}

/// LayerNorm over rows of width `dim` (biased variance, like the reference); the two sums of each
/// row run as four independent chains and reduce by shuffles.
pub fn f32_layernorm(x: &[f32], rows: usize, dim: usize, gamma: &[f32], beta: &[f32], eps: f32, out: &mut [f32]) {
    assert!(x.len() >= rows * dim && out.len() >= rows * dim && gamma.len() >= dim && beta.len() >= dim);
    #[target_feature(enable = "simd128")]
    unsafe fn imp(x: &[f32], rows: usize, dim: usize, gamma: &[f32], beta: &[f32], eps: f32, out: &mut [f32]) {
        let d4 = dim / 4 * 4;
        let dimv = f32x4_splat(dim as f32);
        for r in 0..rows {
            let row = x.as_ptr().add(r * dim);
            let o = out.as_mut_ptr().add(r * dim);
            let mut sum = f32x4_extract_lane::<0>(row_sum(row, d4, |v| v));
            for t in d4..dim {
                sum += *row.add(t);
            }
            let mean = sum / dim as f32;
            let mv = f32x4_splat(mean);
            let mut var = f32x4_extract_lane::<0>(row_sum(row, d4, |v| {
                let d = f32x4_sub(v, mv);
                f32x4_mul(d, d)
            }));
            for t in d4..dim {
                let d = *row.add(t) - mean;
                var += d * d;
            }
            let iv = f32x4_div(f32x4_splat(1.0), f32x4_sqrt(f32x4_add(f32x4_div(f32x4_splat(var), dimv), f32x4_splat(eps))));
            let inv = f32x4_extract_lane::<0>(iv);
            let mut i = 0;
            while i < d4 {
                let d = f32x4_mul(f32x4_sub(v128_load(row.add(i) as *const v128), mv), iv);
                let g = v128_load(gamma.as_ptr().add(i) as *const v128);
                let b = v128_load(beta.as_ptr().add(i) as *const v128);
                v128_store(o.add(i) as *mut v128, f32x4_add(f32x4_mul(d, g), b));
                i += 4;
            }
            for t in d4..dim {
                *o.add(t) = (*row.add(t) - mean) * inv * gamma[t] + beta[t];
            }
        }
    }
    // SAFETY: bounds checked above.
    unsafe { imp(x, rows, dim, gamma, beta, eps, out) }
}

/// Softmax of one row in place: `pmax` for the max, [`exp2_v`] on `(x − max)·log2(e)` (clamped at
/// −126, where the reference's `expf` is below 1e-37 anyway), scalar `libm::expf` for the tail.
#[inline(always)]
pub(crate) unsafe fn softmax_row(row: &mut [f32]) {
    let n = row.len();
    let n4 = n / 4 * 4;
    let p = row.as_mut_ptr();
    let mut m = f32x4_splat(f32::NEG_INFINITY);
    let mut i = 0;
    while i < n4 {
        m = f32x4_pmax(m, v128_load(p.add(i) as *const v128));
        i += 4;
    }
    let mut max = hmax(m);
    for t in n4..n {
        max = max.max(*p.add(t));
    }
    let mv = f32x4_splat(max);
    let (l2e, floor) = (f32x4_splat(core::f32::consts::LOG2_E), f32x4_splat(-126.0));
    let mut s = f32x4_splat(0.0);
    i = 0;
    while i < n4 {
        let x = f32x4_mul(f32x4_sub(v128_load(p.add(i) as *const v128), mv), l2e);
        let e = exp2_v(f32x4_pmax(x, floor));
        v128_store(p.add(i) as *mut v128, e);
        s = f32x4_add(s, e);
        i += 4;
    }
    let mut sum = hsum(s);
    for t in n4..n {
        *p.add(t) = libm::expf(*p.add(t) - max);
        sum += *p.add(t);
    }
    let inv = f32x4_splat(1.0 / sum);
    i = 0;
    while i < n4 {
        v128_store(p.add(i) as *mut v128, f32x4_mul(v128_load(p.add(i) as *const v128), inv));
        i += 4;
    }
    for t in n4..n {
        *p.add(t) *= 1.0 / sum;
    }
}

/// Softmax over each row of width `cols`, in place.
pub fn f32_softmax(x: &mut [f32], cols: usize) {
    if cols == 0 {
        return;
    }
    #[target_feature(enable = "simd128")]
    unsafe fn imp(x: &mut [f32], cols: usize) {
        for row in x.chunks_exact_mut(cols) {
            softmax_row(row);
        }
    }
    // SAFETY: each row is a valid slice.
    unsafe { imp(x, cols) }
}
