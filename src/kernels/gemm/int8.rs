//! INT8 dense layer with wasm SIMD: activations quantized on the fly (vectorized), weights pre-packed
//! as widened i16 pairs ([`Int8Weights`]), `i32x4_dot_i16x8` doing 8 multiply-adds per instruction in
//! 4×8 register tiles, and a fused requantize + bias + activation epilogue. Integer accumulation makes
//! it bit-identical to [`crate::kernels::quant::i8_linear_reference`] (except a GELU epilogue, which
//! uses the vector tanh).
//!
//! Why i16 pairs: wasm SIMD128 has no i8 dot product (relaxed-simd's `i32x4_relaxed_dot_i8x16_i7x16`
//! needs 7-bit operands and is not deterministic across engines), so the i8 codes are widened to i16
//! once, at pack time, and every inner-loop step is two weight loads, one broadcast activation pair
//! per row and one `i32x4_dot_i16x8` + `i32x4_add` per 8 multiply-adds: 22 instructions for a 4×8×2
//! step (64 MACs) against 22 for the fp32 kernel's 4×8×1 (32 MACs). Widening in the loop instead
//! (`i16x8_extend_{low,high}_i8x16` on 16 packed i8) would halve the weight bytes but add an
//! instruction per step, and the kernel is not bandwidth-bound: the largest layer (784×128) is 200 KB
//! as i16, in L2, and each 25 KB panel stays in L1 while a 4-row tile streams it.
//!
//! A dense layer without INT8 weights (not calibrated) falls back to the fp32 packed kernel, so the
//! INT8 table runs any model.
use crate::kernels::act::simd128::act_v;
use crate::kernels::quant::{Int8Weights, QMAX};
use crate::kernels::{Act, DenseWeights};
use super::simd128::store_row8;
use crate::kernels::scratch::with_scratch;
use core::arch::wasm32::*;
use std::cell::RefCell;

/// Variant name.
pub const NAME: &str = "i8_gemm__simd128_dot_4x8";
/// Name of the vectorized activation quantizer.
pub const QUANTIZE_NAME: &str = "i8_quantize__simd128";

/// The INT8 table's `linear` slot.
pub fn i8_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    match &w.int8 {
        Some(q) => i8_linear_packed(rows, x, q, bias, act, out),
        None => super::simd128::f32_linear(rows, x, w, bias, act, out),
    }
}

thread_local! {
    /// Quantized activations of the current call, reused across calls (no allocation per layer).
    static SCRATCH: RefCell<Vec<i16>> = const { RefCell::new(Vec::new()) };
}

/// INT8 dense layer on packed weights.
pub fn i8_linear_packed(rows: usize, x: &[f32], w: &Int8Weights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let (k, n) = (w.k, w.n);
    assert!(x.len() >= rows * k && out.len() >= rows * n, "int8 linear buffers too small for {rows}×{k}×{n}");
    assert!(w.packed.len() >= n.div_ceil(8) * w.pairs() * 16 && w.w_scales.len() >= n);
    if let Some(b) = bias {
        assert!(b.len() >= n);
    }
    if rows == 0 || n == 0 {
        return;
    }
    let kk = 2 * w.pairs();
    with_scratch(&SCRATCH, |qa| {
        if qa.len() < rows * kk {
            qa.resize(rows * kk, 0);
        }
        // SAFETY: bounds checked above; qa holds rows×kk codes.
        unsafe {
            quantize_rows(rows, k, kk, x, 1.0 / w.act_scale, qa);
            gemm(rows, n, kk / 2, qa, w, bias, act, out);
        }
    });
}

/// Vectorized activation quantizer: `out[i] = quantize1(x[i], inv_scale)` for every `i` (round to
/// nearest even, saturate to ±127, NaN → 0), bit-identical to the scalar
/// [`crate::kernels::quant::quantize_activations`].
pub fn quantize_activations(x: &[f32], inv_scale: f32, out: &mut [i8]) {
    assert!(out.len() >= x.len(), "quantize: {} outputs for {} inputs", out.len(), x.len());
    #[target_feature(enable = "simd128")]
    unsafe fn imp(x: &[f32], inv: f32, out: &mut [i8]) {
        let c = QConsts::new(inv);
        let (src, dst) = (x.as_ptr(), out.as_mut_ptr());
        let mut i = 0;
        while i + 16 <= x.len() {
            let a = i16x8_narrow_i32x4(c.q4(v128_load(src.add(i) as *const v128)), c.q4(v128_load(src.add(i + 4) as *const v128)));
            let b = i16x8_narrow_i32x4(c.q4(v128_load(src.add(i + 8) as *const v128)), c.q4(v128_load(src.add(i + 12) as *const v128)));
            v128_store(dst.add(i) as *mut v128, i8x16_narrow_i16x8(a, b));
            i += 16;
        }
        while i < x.len() {
            *dst.add(i) = crate::kernels::quant::quantize1(*src.add(i), inv);
            i += 1;
        }
    }
    // SAFETY: out holds at least x.len() values.
    unsafe { imp(x, inv_scale, out) }
}

/// Constants of the quantizer.
#[derive(Clone, Copy)]
pub(crate) struct QConsts {
    inv: v128,
    lo: v128,
    hi: v128,
    magic: v128,
}

/// 1.5·2²³: adding it to a float of magnitude < 2²² rounds to an integer (ties to even, the default
/// rounding mode) and leaves that integer in the low mantissa bits.
const MAGIC: f32 = 12_582_912.0;

impl QConsts {
    #[inline(always)]
    pub(crate) fn new(inv: f32) -> Self {
        QConsts { inv: f32x4_splat(inv), lo: f32x4_splat(-QMAX), hi: f32x4_splat(QMAX), magic: f32x4_splat(MAGIC) }
    }

    /// Four values → four i32 codes in [-127, 127]. All single instructions on x64 and arm64:
    /// multiply, zero the NaN lanes, clamp in float (so no saturating conversion is needed),
    /// round-and-convert by the magic-number add, subtract the magic's bit pattern.
    #[inline(always)]
    pub(crate) unsafe fn q4(&self, v: v128) -> v128 {
        let v = f32x4_mul(v, self.inv);
        let v = v128_and(v, f32x4_eq(v, v));
        let v = f32x4_pmin(self.hi, f32x4_pmax(self.lo, v));
        i32x4_sub(f32x4_add(v, self.magic), self.magic)
    }
}

/// f32 → i16 codes in [-127, 127], row stride `kk` (k padded to even, the pad code 0).
#[target_feature(enable = "simd128")]
unsafe fn quantize_rows(rows: usize, k: usize, kk: usize, x: &[f32], inv: f32, qa: &mut [i16]) {
    let c = QConsts::new(inv);
    for r in 0..rows {
        let src = x.as_ptr().add(r * k);
        let dst = qa.as_mut_ptr().add(r * kk);
        let mut i = 0;
        while i + 8 <= k {
            let a = c.q4(v128_load(src.add(i) as *const v128));
            let b = c.q4(v128_load(src.add(i + 4) as *const v128));
            v128_store(dst.add(i) as *mut v128, i16x8_narrow_i32x4(a, b));
            i += 8;
        }
        if i < k {
            quantize_row(&x[r * k + i..(r + 1) * k], inv, &mut qa[r * kk + i..r * kk + k]);
        }
        if k < kk {
            *dst.add(k) = 0;
        }
    }
}

#[target_feature(enable = "simd128")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm(rows: usize, n: usize, pairs: usize, qa: &[i16], w: &Int8Weights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let mut i = 0;
    while i < rows {
        let mr = (rows - i).min(4);
        for p in 0..n.div_ceil(8) {
            row_tile!(mr, tile(i, p, n, pairs, qa, w, bias, act, out));
        }
        i += mr;
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const MR: usize>(i: usize, p: usize, n: usize, pairs: usize, qa: &[i16], w: &Int8Weights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let kk = 2 * pairs;
    let mut acc0 = [i32x4_splat(0); MR];
    let mut acc1 = [i32x4_splat(0); MR];
    let mut wp = w.packed.as_ptr().add(p * pairs * 16);
    let ap = qa.as_ptr().add(i * kk);
    for pair in 0..pairs {
        let w0 = v128_load(wp as *const v128);
        let w1 = v128_load(wp.add(8) as *const v128);
        wp = wp.add(16);
        for r in 0..MR {
            // The activation pair (a[2p], a[2p+1]) as one i32, broadcast: dot lanes pair it with
            // (w[2p, j], w[2p+1, j]).
            let a = v128_load32_splat(ap.add(r * kk + 2 * pair) as *const u32);
            acc0[r] = i32x4_add(acc0[r], i32x4_dot_i16x8(a, w0));
            acc1[r] = i32x4_add(acc1[r], i32x4_dot_i16x8(a, w1));
        }
    }
    // Epilogue: y = acc·(scale_a·scale_w[j]) + bias[j], activation.
    let j = p * 8;
    let cols = (n - j).min(8);
    let mut sw = [0.0f32; 8];
    let mut bb = [0.0f32; 8];
    sw[..cols].copy_from_slice(&w.w_scales[j..j + cols]);
    if let Some(b) = bias {
        bb[..cols].copy_from_slice(&b[j..j + cols]);
    }
    let sa = f32x4_splat(w.act_scale);
    let s0 = f32x4_mul(sa, v128_load(sw.as_ptr() as *const v128));
    let s1 = f32x4_mul(sa, v128_load(sw.as_ptr().add(4) as *const v128));
    let (b0, b1) = (v128_load(bb.as_ptr() as *const v128), v128_load(bb.as_ptr().add(4) as *const v128));
    for r in 0..MR {
        let y0 = act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(acc0[r]), s0), b0));
        let y1 = act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(acc1[r]), s1), b1));
        let dst = out.as_mut_ptr().add((i + r) * n + j);
        store_row8(dst, cols, y0, y1);
    }
}

/// One row of f32 → i16 codes (vectorized, same rule as [`quantize_activations`]).
#[target_feature(enable = "simd128")]
pub(crate) unsafe fn quantize_row(src: &[f32], inv: f32, dst: &mut [i16]) {
    let c = QConsts::new(inv);
    let (sp, dp) = (src.as_ptr(), dst.as_mut_ptr());
    let len = src.len().min(dst.len());
    let mut i = 0;
    while i + 8 <= len {
        let a = c.q4(v128_load(sp.add(i) as *const v128));
        let b = c.q4(v128_load(sp.add(i + 4) as *const v128));
        v128_store(dp.add(i) as *mut v128, i16x8_narrow_i32x4(a, b));
        i += 8;
    }
    if i < len {
        // Tail through the vector path on a zero-padded copy (no scalar `rintf` calls).
        let mut t = [0.0f32; 8];
        t[..len - i].copy_from_slice(&src[i..len]);
        let mut o = [0i16; 8];
        let a = c.q4(v128_load(t.as_ptr() as *const v128));
        let b = c.q4(v128_load(t.as_ptr().add(4) as *const v128));
        v128_store(o.as_mut_ptr() as *mut v128, i16x8_narrow_i32x4(a, b));
        dst[i..len].copy_from_slice(&o[..len - i]);
    }
}
