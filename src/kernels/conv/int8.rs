//! INT8 3×3 pad-1 convolution (NCHW): the `conv3x3_int8` slot of the INT8 table.
//!
//! Weights are quantized per output channel and the input per tensor with the layer's calibrated
//! scale ([`Int8Conv`], `kernels::quant`); sums are exact in i32 and each output is requantized with
//! `act_scale · w_scales[co]`, then bias and the fused activation. [`scalar`] is the plain-loop
//! reference (the spec); [`simd128`] computes the same integers through an im2col GEMM on
//! `i32x4_dot_i16x8` and is bit-identical to it (a GELU epilogue aside).
use crate::kernels::quant::{quantize_activations, Int8Conv, Int8ConvFn};
use crate::kernels::{apply_act, Act, Conv3x3Shape};

/// Variant name of the reference.
pub const SCALAR_NAME: &str = "i8_conv3x3__scalar";

/// Reference INT8 3×3 pad-1 convolution (NCHW): quantize the input with the layer's activation scale,
/// integer sums over the in-bounds taps, requantize with `act_scale · w_scales[co]`, add bias,
/// activation. Plain loops: the spec for the SIMD im2col kernel.
pub fn scalar(s: Conv3x3Shape, x: &[f32], w: &Int8Conv, bias: &[f32], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cin, cout, h, w: wd } = s;
    assert!(cin == w.cin && cout == w.cout, "int8 conv weights are {}→{}, shape says {cin}→{cout}", w.cin, w.cout);
    assert!(x.len() >= n * cin * h * wd && out.len() >= n * cout * h * wd && bias.len() >= cout);
    let mut q = vec![0i8; n * cin * h * wd];
    quantize_activations(&x[..n * cin * h * wd], 1.0 / w.act_scale, &mut q);
    for img in 0..n {
        for co in 0..cout {
            let scale = w.act_scale * w.w_scales[co];
            for y in 0..h {
                for xx in 0..wd {
                    let mut acc: i32 = 0;
                    for ci in 0..cin {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let (iy, ix) = (y + ky, xx + kx);
                                if iy >= 1 && iy <= h && ix >= 1 && ix <= wd {
                                    let a = q[((img * cin + ci) * h + iy - 1) * wd + ix - 1] as i32;
                                    acc += a * w.codes[co * cin * 9 + ci * 9 + ky * 3 + kx] as i32;
                                }
                            }
                        }
                    }
                    out[((img * cout + co) * h + y) * wd + xx] = apply_act(act, acc as f32 * scale + bias[co]);
                }
            }
        }
    }
}

/// Every INT8 convolution variant in this build (the reference first).
pub fn variants() -> Vec<(&'static str, Int8ConvFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, Int8ConvFn)> = vec![(SCALAR_NAME, scalar)];
    #[cfg(target_arch = "wasm32")]
    v.push((SIMD_NAME, simd128));
    v
}

#[cfg(target_arch = "wasm32")]
pub use simd::{simd128, SIMD_NAME};

#[cfg(target_arch = "wasm32")]
mod simd {
    use super::{Act, Conv3x3Shape, Int8Conv};
    use crate::kernels::act::simd128::act_v;
    use crate::kernels::gemm::simd128::store_row8;
    use crate::kernels::scratch::with_scratch;
    use core::arch::wasm32::*;
    use std::cell::RefCell;

    /// `$tile::<MR>(…)` with `MR` = `$rows` (1 to 4), as in `kernels::gemm`.
    macro_rules! row_tile {
        ($rows:expr, $tile:ident($($arg:expr),* $(,)?)) => {
            match $rows {
                4 => $tile::<4>($($arg),*),
                3 => $tile::<3>($($arg),*),
                2 => $tile::<2>($($arg),*),
                _ => $tile::<1>($($arg),*),
            }
        };
    }

    /// Variant name of the INT8 convolution.
    pub const SIMD_NAME: &str = "i8_conv3x3__simd128_im2col_dot_4x8";

    thread_local! {
        /// Per-image buffers of the INT8 convolution: zero-bordered input codes, the transposed im2col
        /// matrix, and its packed form.
        static CONV_SCRATCH: RefCell<(Vec<i16>, Vec<i16>, Vec<i16>)> = const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
    }

    /// INT8 3×3 pad-1 convolution (NCHW) through an im2col GEMM, one image at a time:
    /// 1. quantize the image into zero-bordered `(h+2)×(w+2)` planes of i16 codes (vectorized);
    /// 2. build `colᵀ` (`taps × pixels`): each row `(ci, ky, kx)` is `h` contiguous copies of `w` codes
    ///    from the padded plane — the border supplies the padding, no bounds tests;
    /// 3. interleave row pairs into 8-pixel panels of `(tap 2p, tap 2p+1)` pairs (the `Int8Weights` layout,
    ///    with pixels as columns);
    /// 4. `out[co, pixels] = Σ dot(w pair of co, col pairs)`: 4 output channels × 8 pixels per tile, the
    ///    weight pair broadcast, fused requantize + bias + activation, stored straight into NCHW.
    ///
    /// Bit-identical to [`super::scalar`] (GELU aside).
    pub fn simd128(s: Conv3x3Shape, x: &[f32], w: &Int8Conv, bias: &[f32], act: Act, out: &mut [f32]) {
        let Conv3x3Shape { n, cin, cout, h, w: wd } = s;
        assert!(cin == w.cin && cout == w.cout, "int8 conv weights are {}→{}, shape says {cin}→{cout}", w.cin, w.cout);
        assert!(x.len() >= n * cin * h * wd && out.len() >= n * cout * h * wd && bias.len() >= cout, "int8 conv buffers too small for {s:?}");
        assert!(w.pairs.len() >= cout * w.tap_pairs() && w.w_scales.len() >= cout);
        if n == 0 || cout == 0 || h == 0 || wd == 0 {
            return;
        }
        let (taps, np) = (cin * 9, w.tap_pairs());
        let (hp, wp) = (h + 2, wd + 2);
        let pix = h * wd;
        let panels = pix.div_ceil(8);
        let ld = panels * 8;
        with_scratch(&CONV_SCRATCH, |(planes, col, packed)| {
            planes.clear();
            planes.resize(cin * hp * wp + 8, 0);
            // colᵀ: only the tail pixels of each row and the odd-tap pad row must be 0 (the rest is
            // rewritten per image); the packed panels are rewritten whole.
            if col.len() < 2 * np * ld {
                col.resize(2 * np * ld, 0);
            }
            for t in 0..2 * np {
                let from = if t < taps { t * ld + pix } else { t * ld };
                col[from..(t + 1) * ld].fill(0);
            }
            if packed.len() < panels * np * 16 {
                packed.resize(panels * np * 16, 0);
            }
            for img in 0..n {
                let xi = &x[img * cin * pix..(img + 1) * cin * pix];
                let oi = &mut out[img * cout * pix..(img + 1) * cout * pix];
                // SAFETY: buffer sizes set above; every index stays inside them (see `conv_image`).
                unsafe { conv_image(s, xi, w, bias, act, planes, col, packed, oi) }
            }
        });
    }

    /// One image of [`simd128`] (steps 1–4 of its docs).
    #[target_feature(enable = "simd128")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn conv_image(s: Conv3x3Shape, xi: &[f32], w: &Int8Conv, bias: &[f32], act: Act, planes: &mut [i16], col: &mut [i16], packed: &mut [i16], oi: &mut [f32]) {
        let Conv3x3Shape { cin, cout, h, w: wd, .. } = s;
        let (taps, np) = (cin * 9, w.tap_pairs());
        let (hp, wp) = (h + 2, wd + 2);
        let pix = h * wd;
        let panels = pix.div_ceil(8);
        // 1. Codes into the interiors of the padded planes (borders stay 0).
        for ci in 0..cin {
            for y in 0..h {
                let src = &xi[(ci * h + y) * wd..][..wd];
                let dst = (ci * hp + y + 1) * wp + 1;
                crate::kernels::gemm::int8::quantize_row(src, 1.0 / w.act_scale, &mut planes[dst..dst + wd]);
            }
        }
        // 2. colᵀ rows, stride panels·8 (tail pixels and the odd-tap pad row stay 0).
        let ld = panels * 8;
        for t in 0..taps {
            let (ci, ky, kx) = (t / 9, (t % 9) / 3, t % 3);
            for y in 0..h {
                let src = (ci * hp + y + ky) * wp + kx;
                debug_assert!(src + wd <= planes.len() && t * ld + (y + 1) * wd <= col.len());
                copy_codes(planes.as_ptr().add(src), col.as_mut_ptr().add(t * ld + y * wd), wd);
            }
        }
        // 3. Pair-interleave into panels.
        interleave(np, panels, col, packed);
        // 4. GEMM + epilogue.
        conv_gemm(cout, np, panels, pix, w, packed, bias, act, oi);
    }

    /// Copies `len` i16 from `src` to `dst` with v128 moves: 8 at a time, the last 8 overlapping the
    /// previous ones (so nothing past `len` is touched); scalar below 8.
    #[inline(always)]
    unsafe fn copy_codes(src: *const i16, dst: *mut i16, len: usize) {
        if len < 8 {
            for i in 0..len {
                *dst.add(i) = *src.add(i);
            }
            return;
        }
        let mut i = 0;
        while i + 8 <= len {
            v128_store(dst.add(i) as *mut v128, v128_load(src.add(i) as *const v128));
            i += 8;
        }
        if i < len {
            v128_store(dst.add(len - 8) as *mut v128, v128_load(src.add(len - 8) as *const v128));
        }
    }

    /// `packed[(q·np + p)·16 + 2c + e] = col[(2p + e)·ld + 8q + c]`.
    #[target_feature(enable = "simd128")]
    unsafe fn interleave(np: usize, panels: usize, col: &[i16], packed: &mut [i16]) {
        let ld = panels * 8;
        let (cp, pp) = (col.as_ptr(), packed.as_mut_ptr());
        for q in 0..panels {
            for p in 0..np {
                let a = v128_load(cp.add(2 * p * ld + 8 * q) as *const v128);
                let b = v128_load(cp.add((2 * p + 1) * ld + 8 * q) as *const v128);
                let d = pp.add((q * np + p) * 16);
                v128_store(d as *mut v128, i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(a, b));
                v128_store(d.add(8) as *mut v128, i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(a, b));
            }
        }
    }

    #[target_feature(enable = "simd128")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn conv_gemm(cout: usize, np: usize, panels: usize, pix: usize, w: &Int8Conv, packed: &[i16], bias: &[f32], act: Act, out: &mut [f32]) {
        let mut co = 0;
        while co < cout {
            let mr = (cout - co).min(4);
            for q in 0..panels {
                row_tile!(mr, conv_tile(co, q, np, pix, w, packed, bias, act, out));
            }
            co += mr;
        }
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn conv_tile<const MR: usize>(co: usize, q: usize, np: usize, pix: usize, w: &Int8Conv, packed: &[i16], bias: &[f32], act: Act, out: &mut [f32]) {
        let mut acc0 = [i32x4_splat(0); MR];
        let mut acc1 = [i32x4_splat(0); MR];
        let mut bp = packed.as_ptr().add(q * np * 16);
        let wp = w.pairs.as_ptr().add(co * np);
        for p in 0..np {
            let b0 = v128_load(bp as *const v128);
            let b1 = v128_load(bp.add(8) as *const v128);
            bp = bp.add(16);
            for r in 0..MR {
                let a = i32x4_splat(*wp.add(r * np + p));
                acc0[r] = i32x4_add(acc0[r], i32x4_dot_i16x8(a, b0));
                acc1[r] = i32x4_add(acc1[r], i32x4_dot_i16x8(a, b1));
            }
        }
        let j = q * 8;
        let cols = (pix - j).min(8);
        for r in 0..MR {
            let s = f32x4_splat(w.act_scale * w.w_scales[co + r]);
            let b = f32x4_splat(bias[co + r]);
            let y0 = act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(acc0[r]), s), b));
            let y1 = act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(acc1[r]), s), b));
            let dst = out.as_mut_ptr().add((co + r) * pix + j);
            store_row8(dst, cols, y0, y1);
        }
    }
}
