//! SIMD128 activations and the vector `exp`/`tanh` approximations shared by softmax, GELU and attention.
//!
//! `exp_v`: Cephes-style range reduction `x = n·ln2 + r`, `|r| ≤ ln2/2`, a degree-6 polynomial for
//! `e^r`, and `2^n` built in the exponent bits. Inputs are clamped to [-87.3, 88.7] (results stay
//! finite and normal). Measured max relative error against `libm::expf` over [-87, 88]: see
//! `tests/kernels.rs::exp_tanh_approximation_error` (≤ 2e-7, i.e. about 2 ulp).
//!
//! `tanh_v(x) = sign(x)·(1 − 2/(e^{2|x|} + 1))`: max absolute error 1.1e-7 (same test; bound 3e-7);
//! relative error is larger only where tanh is near 0, which GELU multiplies by `x` and damps.
//!
//! The hot paths (GELU in the FFN's epilogue, the attention's softmax) use the cheaper [`exp2_v`]:
//! `2^t` for `t` already clamped, rounding `t` to `n + r` by adding and subtracting `1.5·2^23`
//! (no `nearest`, no float→int conversion: `n` is read from the low mantissa bits), a degree-5
//! minimax polynomial for `2^r` on [-½, ½] and `2^n` shifted into the exponent field. Max relative
//! error 1.9e-7 (see `tests/kernels.rs::exp2_gelu_approximation_error`). All clamps use
//! `pmin`/`pmax` (one instruction each; `f32x4.min/max` are several, for their NaN rules), with the
//! argument first so a NaN passes through.
//!
//! [`gelu_v`] uses `0.5·x·(1 + tanh(u)) = x / (1 + e^{−2u})`: one [`exp2_v`] and one division. Against
//! the f64 formula over [-40, 40]: max absolute error 5.2e-7, max relative error 7.6e-6 (in the far
//! negative tail, from rounding the exponent itself; under 1e-6 where |GELU| > 1e-3).
use super::scalar::{gelu1, relu1};
use crate::kernels::Act;
use core::arch::wasm32::*;

/// Variant names, `dtype_op__isa`.
pub const RELU: &str = "f32_relu__simd128";
/// See [`RELU`].
pub const GELU: &str = "f32_gelu__simd128";

/// e^x for four lanes (see module docs for the error bound).
#[inline(always)]
pub unsafe fn exp_v(x: v128) -> v128 {
    let x = f32x4_max(f32x4_min(x, f32x4_splat(88.376_26)), f32x4_splat(-87.3));
    // n = round(x / ln2)
    let n = f32x4_nearest(f32x4_mul(x, f32x4_splat(core::f32::consts::LOG2_E)));
    // r = x − n·ln2 in two steps (Cody–Waite) for accuracy.
    let r = f32x4_sub(x, f32x4_mul(n, f32x4_splat(0.693_359_4)));
    let r = f32x4_sub(r, f32x4_mul(n, f32x4_splat(-2.121_944_4e-4)));
    // e^r ≈ 1 + r + r²·P(r), Cephes expf coefficients.
    let mut p = f32x4_splat(1.987_569_1e-4);
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.398_199_9e-3));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(8.333_452e-3));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(4.166_579_6e-2));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.666_666_5e-1));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(0.5));
    let r2 = f32x4_mul(r, r);
    let er = f32x4_add(f32x4_add(f32x4_mul(p, r2), r), f32x4_splat(1.0));
    // 2^n: add n to the exponent field.
    let pow2n = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(n), i32x4_splat(127)), 23);
    f32x4_mul(er, pow2n)
}

/// tanh for four lanes.
#[inline(always)]
pub unsafe fn tanh_v(x: v128) -> v128 {
    let ax = f32x4_abs(x);
    let e = exp_v(f32x4_add(ax, ax));
    let t = f32x4_sub(f32x4_splat(1.0), f32x4_div(f32x4_splat(2.0), f32x4_add(e, f32x4_splat(1.0))));
    // Copy the sign of x onto t.
    v128_or(t, v128_and(x, f32x4_splat(-0.0)))
}

/// `2^t` for four lanes, `t` in [-126, 126] (callers clamp; see module docs). Max relative error 1.9e-7.
#[inline(always)]
pub unsafe fn exp2_v(t: v128) -> v128 {
    // j = t + 1.5·2^23 rounds t to the nearest integer n, held in j's low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    let j = f32x4_add(t, f32x4_splat(MAGIC));
    let n = f32x4_sub(j, f32x4_splat(MAGIC));
    let r = f32x4_sub(t, n);
    // 2^r on [-1/2, 1/2]: 1 + r·(c1 + r·(c2 + r·(c3 + r·(c4 + r·c5)))), relative minimax.
    let mut p = f32x4_splat(1.326_472_4e-3);
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(9.671_513e-3));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(5.550_733_6e-2));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(2.402_224_2e-1));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(6.931_47e-1));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.0));
    // 2^n: (j's bits << 23) keeps exactly n << 23 (the constant's bits shift out); add the bias.
    let pow2n = i32x4_add(i32x4_shl(j, 23), i32x4_splat(127 << 23));
    f32x4_mul(p, pow2n)
}

/// `2^t` like [`exp2_v`] with a degree-4 polynomial evaluated in Estrin's form (a shorter dependency
/// chain: the attention's softmax is latency-bound). Max relative error 2.9e-6, for softmax weights
/// compared at `F32_APPROX`.
#[inline(always)]
pub unsafe fn exp2_v_deg4(t: v128) -> v128 {
    const MAGIC: f32 = 12_582_912.0;
    let j = f32x4_add(t, f32x4_splat(MAGIC));
    let n = f32x4_sub(j, f32x4_splat(MAGIC));
    let r = f32x4_sub(t, n);
    // (1 + c1·r) + r²·((c2 + c3·r) + c4·r²), relative minimax on [-1/2, 1/2].
    let r2 = f32x4_mul(r, r);
    let lo = f32x4_add(f32x4_mul(r, f32x4_splat(0.693_124_2)), f32x4_splat(1.0));
    let hi = f32x4_add(f32x4_mul(r, f32x4_splat(0.055_906_43)), f32x4_splat(0.240_240_99));
    let hi = f32x4_add(hi, f32x4_mul(r2, f32x4_splat(0.009_582_851)));
    let p = f32x4_add(lo, f32x4_mul(r2, hi));
    let pow2n = i32x4_add(i32x4_shl(j, 23), i32x4_splat(127 << 23));
    f32x4_mul(p, pow2n)
}

/// GELU (tanh form) for four lanes: `x / (1 + 2^v)` with `v = −2u·log2(e)`, `u` the tanh argument.
/// `v` is clamped to ±126, where the quotient is `x` (to the last bit) or below `|x|·2^−126`.
#[inline(always)]
pub unsafe fn gelu_v(x: v128) -> v128 {
    // −2·√(2/π)·log2(e) and −2·√(2/π)·0.044715·log2(e).
    const A: f32 = -2.302_208_2;
    const B: f32 = -0.102_943_24;
    let x2 = f32x4_mul(x, x);
    let v = f32x4_mul(x, f32x4_add(f32x4_splat(A), f32x4_mul(f32x4_splat(B), x2)));
    let v = f32x4_pmax(f32x4_pmin(v, f32x4_splat(126.0)), f32x4_splat(-126.0));
    f32x4_div(x, f32x4_add(f32x4_splat(1.0), exp2_v(v)))
}

/// ReLU for four lanes, same rule as the scalar `relu1` (NaN passes through).
#[inline(always)]
pub unsafe fn relu_v(x: v128) -> v128 {
    v128_bitselect(f32x4_splat(0.0), x, f32x4_lt(x, f32x4_splat(0.0)))
}

/// A fused epilogue activation on four lanes (GELU through [`gelu_v`], so GEMM/conv epilogues with
/// GELU compare with the reference at the `F32_APPROX` tier).
#[inline(always)]
pub unsafe fn act_v(act: Act, v: v128) -> v128 {
    match act {
        Act::None => v,
        Act::Relu => relu_v(v),
        Act::Gelu => gelu_v(v),
    }
}

/// Applies `f` to whole vectors and `tail` (the scalar twin) to the last `len % 4` values.
#[inline(always)]
unsafe fn map(x: &mut [f32], f: unsafe fn(v128) -> v128, tail: fn(f32) -> f32) {
    let n4 = x.len() / 4 * 4;
    let p = x.as_mut_ptr();
    let mut i = 0;
    while i < n4 {
        v128_store(p.add(i) as *mut v128, f(v128_load(p.add(i) as *const v128)));
        i += 4;
    }
    for v in &mut x[n4..] {
        *v = tail(*v);
    }
}

/// ReLU in place.
pub fn f32_relu(x: &mut [f32]) {
    #[target_feature(enable = "simd128")]
    unsafe fn imp(x: &mut [f32]) {
        map(x, relu_v, relu1)
    }
    // SAFETY: `map` stays within `x`.
    unsafe { imp(x) }
}

/// GELU in place. The scalar tail uses the exact `gelu1`; tests compare with [`super::super::tolerance::F32_APPROX`].
pub fn f32_gelu(x: &mut [f32]) {
    #[target_feature(enable = "simd128")]
    unsafe fn imp(x: &mut [f32]) {
        map(x, gelu_v, gelu1)
    }
    // SAFETY: `map` stays within `x`.
    unsafe { imp(x) }
}
