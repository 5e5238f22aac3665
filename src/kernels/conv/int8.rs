//! INT8 3×3 pad-1 convolution (NCHW): the `conv3x3_int8` slot of the INT8 table.
//!
//! Weights are quantized per output channel and the input per tensor with the layer's calibrated
//! scale ([`Int8Conv`], `kernels::quant`); sums are exact in i32 and each output is requantized with
//! `act_scale · w_scales[co]`, then bias and the fused activation. [`scalar`] is the plain-loop
//! reference (the spec); [`simd128`] computes the same integers with `i32x4_dot_i16x8` on
//! channel-innermost input codes (no im2col) and is bit-identical to it (a GELU epilogue aside).
use crate::kernels::quant::{quantize_activations, Int8Conv, Int8ConvFn};
use crate::kernels::{apply_act, Act, Conv3x3Shape};

/// Variant name of the reference.
pub const SCALAR_NAME: &str = "i8_conv3x3__scalar";

/// Reference INT8 3×3 pad-1 convolution (NCHW): quantize the input with the layer's activation scale,
/// integer sums over the in-bounds taps, requantize with `act_scale · w_scales[co]`, add bias,
/// activation. Plain loops: the spec for the SIMD im2col kernel. Never inlined (the SIMD kernel's
/// fallback calls it): its code, and the SIMD kernel's, stay the same in every module built from this
/// crate, whatever else each module holds (tests/e2e/disasm.test.mjs).
#[inline(never)]
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
    use crate::kernels::gemm::int8::{quantize_row, QConsts};
    use crate::kernels::scratch::with_scratch;
    use core::arch::wasm32::*;
    use std::cell::RefCell;

    /// Variant name.
    pub const SIMD_NAME: &str = "i8_conv3x3__simd128_nhwc_dot_4x8";

    /// Per-call buffers: the zero-bordered channel-innermost input codes of one image, one quantized
    /// row, each output pixel's window corner in the grid, and the requantize scales
    /// (`act_scale · w_scales[co]`) then biases, both padded to a multiple of 8 channels.
    type Scratch = (Vec<i16>, Vec<i16>, Vec<u32>, Vec<f32>);

    thread_local! {
        /// See [`Scratch`].
        static SCRATCH: RefCell<Scratch> = const { RefCell::new((Vec::new(), Vec::new(), Vec::new(), Vec::new())) };
    }

    /// INT8 3×3 pad-1 convolution (NCHW in and out), one image at a time, with no im2col:
    /// 1. quantize the image (vectorized) into a zero-bordered `(h+2)×(w+2)` grid of pixels, each
    ///    holding its `cin` codes (padded to even) contiguously as i16 — so the two codes of an input
    ///    channel pair at any pixel are one i32, and the border supplies the padding;
    /// 2. for 4 consecutive output pixels × 8 output channels, for each tap and channel pair: one
    ///    broadcast load of each pixel's code pair, two loads of the packed weight pairs
    ///    ([`Int8Conv::packed`]) and `i32x4_dot_i16x8` + add into 8 i32x4 accumulators (64
    ///    multiply-adds per 22 instructions, as the INT8 dense kernel);
    /// 3. requantize + bias + activation on the 4×8 tile, transpose it to channel-major and store 4
    ///    pixels per output channel straight into NCHW.
    ///
    /// Bit-identical to [`super::scalar`] (a GELU epilogue aside): the same exact i32 sums, the same
    /// f32 `acc · (act_scale · w_scale) + bias`.
    pub fn simd128(s: Conv3x3Shape, x: &[f32], w: &Int8Conv, bias: &[f32], act: Act, out: &mut [f32]) {
        let Conv3x3Shape { n, cin, cout, h, w: wd } = s;
        assert!(cin == w.cin && cout == w.cout, "int8 conv weights are {}→{}, shape says {cin}→{cout}", w.cin, w.cout);
        assert!(x.len() >= n * cin * h * wd && out.len() >= n * cout * h * wd && bias.len() >= cout, "int8 conv buffers too small for {s:?}");
        let cs = 2 * w.channel_pairs();
        assert!(w.packed.len() >= cout.div_ceil(8) * 9 * cs * 8 && w.w_scales.len() >= cout);
        if n == 0 || cout == 0 || h == 0 || wd == 0 {
            return;
        }
        let pix = h * wd;
        with_scratch(&SCRATCH, |(grid, row, pos, sb)| {
            // Borders and the odd-channel pad stay 0 across images (only interiors are rewritten).
            grid.clear();
            grid.resize((h + 2) * (wd + 2) * cs, 0);
            row.resize(wd, 0);
            pos.clear();
            for y in 0..h {
                pos.extend((0..wd).map(|xx| ((y * (wd + 2) + xx) * cs) as u32));
            }
            let cpad = cout.div_ceil(8) * 8;
            sb.clear();
            sb.resize(2 * cpad, 0.0);
            for co in 0..cout {
                sb[co] = w.act_scale * w.w_scales[co];
                sb[cpad + co] = bias[co];
            }
            let tab = Tables { pos, sb, cpad };
            for img in 0..n {
                let xi = &x[img * cin * pix..(img + 1) * cin * pix];
                let oi = &mut out[img * cout * pix..(img + 1) * cout * pix];
                // SAFETY: the grid holds (h+2)×(w+2)×cs codes, `row` w; every index below stays inside
                // them and inside `oi` (see `image`).
                unsafe { image(s, cs, xi, w, bias, act, &tab, grid, row, oi) }
            }
        });
    }

    /// Per-call tables shared by every image (see [`Scratch`]).
    struct Tables<'a> {
        pos: &'a [u32],
        sb: &'a [f32],
        cpad: usize,
    }

    /// One image of [`simd128`] (steps 1–3 of its docs).
    #[target_feature(enable = "simd128")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn image(s: Conv3x3Shape, cs: usize, xi: &[f32], w: &Int8Conv, bias: &[f32], act: Act, tab: &Tables, grid: &mut [i16], row: &mut [i16], oi: &mut [f32]) {
        let Conv3x3Shape { cin, cout, h, w: wd, .. } = s;
        let wp = wd + 2;
        let pix = h * wd;
        let inv = 1.0 / w.act_scale;
        // 1. Codes, channel-innermost, into the grid's interior.
        let g = grid.as_mut_ptr();
        if cs == 8 && wd >= 8 {
            // 7–8 channels: 8 pixels of every channel quantized at once, transposed 8×8 in registers
            // and stored as 8 pixels of 8 codes (the last chunk of a row overlaps the one before).
            let c = QConsts::new(inv);
            for y in 0..h {
                let mut x0 = 0;
                loop {
                    let mut v = [i16x8_splat(0); 8];
                    for (ci, vc) in v.iter_mut().enumerate().take(cin) {
                        let src = xi.as_ptr().add((ci * h + y) * wd + x0);
                        *vc = i16x8_narrow_i32x4(c.q4(v128_load(src as *const v128)), c.q4(v128_load(src.add(4) as *const v128)));
                    }
                    let dst = g.add(((y + 1) * wp + x0 + 1) * 8);
                    for (j, px) in transpose8(v).into_iter().enumerate() {
                        v128_store(dst.add(j * 8) as *mut v128, px);
                    }
                    if x0 + 8 == wd {
                        break;
                    }
                    x0 = (x0 + 8).min(wd - 8);
                }
            }
        } else {
            for ci in 0..cin {
                for y in 0..h {
                    quantize_row(&xi[(ci * h + y) * wd..][..wd], inv, row);
                    let dst = g.add(((y + 1) * wp + 1) * cs + ci);
                    for (xx, &c) in row.iter().enumerate() {
                        *dst.add(xx * cs) = c;
                    }
                }
            }
        }
        // 2–3. Tiles of 4 pixels × 8 output channels. `offs[j]`: where step j = (tap, channel pair)
        // of the packed weights reads its code pair, from a window's top-left corner (in i16).
        let cp = cs / 2;
        let mut offs = [0u32; 9 * 64];
        let steps = 9 * cp;
        if steps > offs.len() {
            // More than 128 input channels: not a shape of these models; the reference computes it.
            super::scalar(Conv3x3Shape { n: 1, ..s }, xi, w, bias, act, oi);
            return;
        }
        for g in 0..9 {
            for p in 0..cp {
                offs[g * cp + p] = (((g / 3) * wp + g % 3) * cs + 2 * p) as u32;
            }
        }
        let offs = &offs[..steps];
        for q in 0..cout.div_ceil(8) {
            let mut p0 = 0;
            while p0 < pix {
                let mr = (pix - p0).min(4);
                if cp == 4 {
                    // 7–8 input channels (the CNN's conv2): taps and channel pairs unrolled, every
                    // load at a constant offset from one of 3 row addresses per pixel.
                    match mr {
                        4 => tile_c::<4, 4>(q, p0, wp, pix, grid, tab, w, act, oi),
                        3 => tile_c::<3, 4>(q, p0, wp, pix, grid, tab, w, act, oi),
                        2 => tile_c::<2, 4>(q, p0, wp, pix, grid, tab, w, act, oi),
                        _ => tile_c::<1, 4>(q, p0, wp, pix, grid, tab, w, act, oi),
                    }
                    p0 += mr;
                    continue;
                }
                match mr {
                    4 => tile::<4>(q, p0, pix, grid, offs, tab, w, act, oi),
                    3 => tile::<3>(q, p0, pix, grid, offs, tab, w, act, oi),
                    2 => tile::<2>(q, p0, pix, grid, offs, tab, w, act, oi),
                    _ => tile::<1>(q, p0, pix, grid, offs, tab, w, act, oi),
                }
                p0 += mr;
            }
        }
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile<const MR: usize>(q: usize, p0: usize, pix: usize, grid: &[i16], offs: &[u32], tab: &Tables, w: &Int8Conv, act: Act, oi: &mut [f32]) {
        // Top-left corner of each pixel's 3×3 window in the padded grid.
        let mut base = [grid.as_ptr(); MR];
        for (r, b) in base.iter_mut().enumerate() {
            *b = grid.as_ptr().add(*tab.pos.get_unchecked(p0 + r) as usize);
        }
        let mut acc0 = [i32x4_splat(0); MR];
        let mut acc1 = [i32x4_splat(0); MR];
        let mut wq = w.packed.as_ptr().add(q * offs.len() * 16);
        for &o in offs {
            let w0 = v128_load(wq as *const v128);
            let w1 = v128_load(wq.add(8) as *const v128);
            wq = wq.add(16);
            for r in 0..MR {
                let a = v128_load32_splat(base[r].add(o as usize) as *const u32);
                acc0[r] = i32x4_add(acc0[r], i32x4_dot_i16x8(a, w0));
                acc1[r] = i32x4_add(acc1[r], i32x4_dot_i16x8(a, w1));
            }
        }
        epilogue::<MR>(q, p0, pix, acc0, acc1, w.cout, tab, act, oi);
    }

    /// [`tile`] with `CP` channel pairs known at compile time.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile_c<const MR: usize, const CP: usize>(q: usize, p0: usize, wp: usize, pix: usize, grid: &[i16], tab: &Tables, w: &Int8Conv, act: Act, oi: &mut [f32]) {
        let cs = 2 * CP;
        let mut base = [grid.as_ptr(); MR];
        for (r, b) in base.iter_mut().enumerate() {
            *b = grid.as_ptr().add(*tab.pos.get_unchecked(p0 + r) as usize);
        }
        let mut acc0 = [i32x4_splat(0); MR];
        let mut acc1 = [i32x4_splat(0); MR];
        let wq0 = w.packed.as_ptr().add(q * 9 * CP * 16);
        for ky in 0..3 {
            let mut rows = [grid.as_ptr(); MR];
            for r in 0..MR {
                rows[r] = base[r].add(ky * wp * cs);
            }
            let wq = wq0.add(ky * 3 * CP * 16);
            for kx in 0..3 {
                for p in 0..CP {
                    let j = kx * CP + p;
                    let w0 = v128_load(wq.add(j * 16) as *const v128);
                    let w1 = v128_load(wq.add(j * 16 + 8) as *const v128);
                    for r in 0..MR {
                        let a = v128_load32_splat(rows[r].add(kx * cs + 2 * p) as *const u32);
                        acc0[r] = i32x4_add(acc0[r], i32x4_dot_i16x8(a, w0));
                        acc1[r] = i32x4_add(acc1[r], i32x4_dot_i16x8(a, w1));
                    }
                }
            }
        }
        epilogue::<MR>(q, p0, pix, acc0, acc1, w.cout, tab, act, oi);
    }

    /// Requantize + bias + activation of one tile, stored into NCHW.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn epilogue<const MR: usize>(q: usize, p0: usize, pix: usize, acc0: [v128; MR], acc1: [v128; MR], cout: usize, tab: &Tables, act: Act, oi: &mut [f32]) {
        // y = acc·(scale_a·scale_w[co]) + bias[co], activation; lanes are output channels.
        let c0 = q * 8;
        let chans = (cout - c0).min(8);
        let (sp, bp) = (tab.sb.as_ptr().add(c0), tab.sb.as_ptr().add(tab.cpad + c0));
        let (s0, s1) = (v128_load(sp as *const v128), v128_load(sp.add(4) as *const v128));
        let (b0, b1) = (v128_load(bp as *const v128), v128_load(bp.add(4) as *const v128));
        let z = f32x4_splat(0.0);
        let (mut y0, mut y1) = ([z; 4], [z; 4]);
        for r in 0..MR {
            y0[r] = act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(acc0[r]), s0), b0));
            y1[r] = act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(acc1[r]), s1), b1));
        }
        let dst = oi.as_mut_ptr().add(c0 * pix + p0);
        store_block::<MR>(dst, pix, chans.min(4), y0);
        if chans > 4 {
            store_block::<MR>(dst.add(4 * pix), pix, chans - 4, y1);
        }
    }

    /// 8×8 transpose of i16 lanes: `v[c]` holds 8 pixels of channel `c`; the result, 8 channels of
    /// each pixel.
    #[inline(always)]
    unsafe fn transpose8(v: [v128; 8]) -> [v128; 8] {
        let lo = |a, b| i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(a, b);
        let hi = |a, b| i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(a, b);
        let a = [lo(v[0], v[1]), hi(v[0], v[1]), lo(v[2], v[3]), hi(v[2], v[3]), lo(v[4], v[5]), hi(v[4], v[5]), lo(v[6], v[7]), hi(v[6], v[7])];
        let l32 = |a, b| i32x4_shuffle::<0, 4, 1, 5>(a, b);
        let h32 = |a, b| i32x4_shuffle::<2, 6, 3, 7>(a, b);
        let b = [l32(a[0], a[2]), h32(a[0], a[2]), l32(a[1], a[3]), h32(a[1], a[3]), l32(a[4], a[6]), h32(a[4], a[6]), l32(a[5], a[7]), h32(a[5], a[7])];
        let l64 = |a, b| i64x2_shuffle::<0, 2>(a, b);
        let h64 = |a, b| i64x2_shuffle::<1, 3>(a, b);
        [l64(b[0], b[4]), h64(b[0], b[4]), l64(b[1], b[5]), h64(b[1], b[5]), l64(b[2], b[6]), h64(b[2], b[6]), l64(b[3], b[7]), h64(b[3], b[7])]
    }

    /// Stores a block of `MR` pixels × 4 channels (`y[r]` = pixel `r`'s 4 channels) as the first `chans`
    /// channel rows of NCHW (row stride `pix`), transposing it in registers.
    #[inline(always)]
    unsafe fn store_block<const MR: usize>(dst: *mut f32, pix: usize, chans: usize, y: [v128; 4]) {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(y[0], y[1]);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(y[0], y[1]);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(y[2], y[3]);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(y[2], y[3]);
        let cols = [i32x4_shuffle::<0, 1, 4, 5>(t0, t2), i32x4_shuffle::<2, 3, 6, 7>(t0, t2), i32x4_shuffle::<0, 1, 4, 5>(t1, t3), i32x4_shuffle::<2, 3, 6, 7>(t1, t3)];
        for (c, &v) in cols.iter().enumerate().take(chans) {
            let d = dst.add(c * pix);
            if MR == 4 {
                v128_store(d as *mut v128, v);
            } else {
                let mut t = [0.0f32; 4];
                v128_store(t.as_mut_ptr() as *mut v128, v);
                core::ptr::copy_nonoverlapping(t.as_ptr(), d, MR);
            }
        }
    }
}
