//! SIMD128 3×3 convolution (stride 1, pad 1): one direct kernel for every channel count, with a
//! register tile of 4 output channels × 8 pixels of one output row (8 f32x4 accumulators; 4 × 4
//! at a row's end).
//!
//! Each image's input planes are first copied into zero-padded planes of row stride `w + 1` (one zero
//! column, which is both a row's right border and the next row's left border) with a zero row above
//! and below, so every tap is an unconditional vector load. A tap `(ci, ky, kx)` of the tile at
//! output `(y, x)` reads the 8 padded inputs starting at `ci·plane + (y + ky)·(w + 1) + x + kx`
//! (one or two loads) and broadcasts the tap's 4 weights, which are packed so they sit side by side
//! (`[group of 4 couts][ci][tap][4]`); its 8 multiply-adds go to 8 independent accumulators. Taps
//! of the border's zeros are computed like any other: adding `0·w` leaves a finite sum unchanged, and
//! the order of the rest (bias, then `ci`, `ky`, `kx`, separate multiply and add) is the reference's,
//! so for finite weights the outputs equal the reference's (up to the sign of a zero sum).
//!
//! A row of width `w` is covered by 8-wide tiles, then, for the 1–7 columns left: an 8-wide tile
//! ending at the row's end (5–7 left, `w ≥ 8`), a 4-wide tile (4 left), or a 4-wide tile ending at
//! the row's end (1–3 left); a tile that ends at the row's end recomputes a few outputs of the
//! previous one (same values, written twice). Rows of 5–7 take two 4-wide tiles; rows narrower
//! than 4 one 4-wide tile written out lane by lane. Outputs go straight to the NCHW output, no unfolded
//! (im2col) copy and no transpose.
//!
//! The tap loop is a loop over a table of input offsets on purpose: fully unrolled, LLVM regroups the
//! multiply-adds by accumulator across taps and keeps every tap's inputs live, which overflows the 16
//! vector registers and spills.
use crate::kernels::act::simd128::act_v;
use crate::kernels::scratch::with_scratch;
use crate::kernels::{Act, Conv3x3Shape};
use core::arch::wasm32::*;
use std::cell::RefCell;

/// Variant name.
pub const NAME: &str = "f32_conv3x3__simd128_direct_4x8";

/// Output channels per tile.
const CO: usize = 4;

thread_local! {
    /// Padded input planes, packed weights and biases, and the tap offset table.
    static SCRATCH: RefCell<(Vec<f32>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Convolution with bias and fused activation.
pub fn f32_conv3x3(s: Conv3x3Shape, input: &[f32], weight: &[f32], bias: &[f32], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cin, cout, h, w } = s;
    assert!(input.len() >= n * cin * h * w && weight.len() >= cout * cin * 9 && bias.len() >= cout);
    assert!(out.len() >= n * cout * h * w, "conv output too small for {s:?}");
    if n == 0 || cout == 0 || h == 0 || w == 0 {
        return;
    }
    let st = w + 1;
    // h + 2 rows, one more zero (read by the last output's last tap), and slack for the over-reads of
    // a 4-wide tile in a row narrower than 4.
    let pl = (h + 2) * st + 1;
    let groups = cout.div_ceil(CO);
    let pad_len = cin * pl + 8;
    let w_len = groups * cin * 9 * CO;
    with_scratch(&SCRATCH, |(buf, offs)| {
        buf.clear();
        buf.resize(pad_len + w_len + groups * CO, 0.0);
        let (pad, rest) = buf.split_at_mut(pad_len);
        let (wp, bp) = rest.split_at_mut(w_len);
        // Weights: [group][ci][tap][4 couts], zero for the missing couts of the last group.
        for co in 0..cout {
            let (gi, c) = (co / CO, co % CO);
            for ci in 0..cin {
                for t in 0..9 {
                    wp[((gi * cin + ci) * 9 + t) * CO + c] = weight[(co * cin + ci) * 9 + t];
                }
            }
            bp[co] = bias[co];
        }
        // Offset of tap (ci, ky, kx) from a tile's top-left input.
        offs.clear();
        offs.extend((0..cin * 9).map(|j| (j / 9) * pl + (j % 9 / 3) * st + j % 3));
        // SAFETY: the buffers are sized above from the same geometry; see `run` for the reads.
        unsafe {
            match w {
                14 => run_w14(s, input, pad, wp, bp, offs, act, out),
                28 => run_w28(s, input, pad, wp, bp, offs, act, out),
                _ => run_any(s, input, pad, wp, bp, offs, act, out),
            }
        }
    });
}

/// Instances of [`run`] with the model's widths as constants (row tiling and copies unrolled).
macro_rules! run_with_width {
    ($name:ident, $w:expr) => {
        #[target_feature(enable = "simd128")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $name(s: Conv3x3Shape, input: &[f32], pad: &mut [f32], wp: &[f32], bp: &[f32], offs: &[usize], act: Act, out: &mut [f32]) {
            run(Conv3x3Shape { w: $w, ..s }, input, pad, wp, bp, offs, act, out)
        }
    };
}
run_with_width!(run_w14, 14);
run_with_width!(run_w28, 28);

#[target_feature(enable = "simd128")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_any(s: Conv3x3Shape, input: &[f32], pad: &mut [f32], wp: &[f32], bp: &[f32], offs: &[usize], act: Act, out: &mut [f32]) {
    run(s, input, pad, wp, bp, offs, act, out)
}

/// Copies `w` floats (vector steps, the last one ending at `w` when `w ≥ 4`).
#[inline(always)]
unsafe fn copy_row(dst: *mut f32, src: *const f32, w: usize) {
    if w >= 4 {
        let mut i = 0;
        while i + 4 < w {
            v128_store(dst.add(i) as *mut v128, v128_load(src.add(i) as *const v128));
            i += 4;
        }
        v128_store(dst.add(w - 4) as *mut v128, v128_load(src.add(w - 4) as *const v128));
    } else {
        for i in 0..w {
            *dst.add(i) = *src.add(i);
        }
    }
}

#[inline(always)]
unsafe fn epi(act: Act, v: v128) -> v128 {
    match act {
        Act::None => v,
        // `x < 0 ? 0 : x`, the reference's rule (NaN passes through), in one instruction.
        Act::Relu => f32x4_pmax(v, f32x4_splat(0.0)),
        // Out of line, so the tile epilogues stay small enough to unroll (accumulators in registers).
        _ => act_out_of_line(act, v),
    }
}

#[inline(never)]
#[target_feature(enable = "simd128")]
unsafe fn act_out_of_line(act: Act, v: v128) -> v128 {
    act_v(act, v)
}

/// One tile: `V` vectors (4·V pixels) × 4 output channels, bias-initialized, over every tap.
/// `acc[c][v]` holds channel `c`, pixels `4v..4v + 4`.
#[inline(always)]
unsafe fn tile<const V: usize>(ip: *const f32, offs: &[usize], wg: *const f32, bg: &[v128; CO]) -> [[v128; V]; CO] {
    let mut acc: [[v128; V]; CO] = core::array::from_fn(|c| [bg[c]; V]);
    for (j, &off) in offs.iter().enumerate() {
        let p = ip.add(off);
        let x: [v128; V] = core::array::from_fn(|v| v128_load(p.add(4 * v) as *const v128));
        let wk = wg.add(j * CO);
        for c in 0..CO {
            let wv = v128_load32_splat(wk.add(c) as *const u32);
            for v in 0..V {
                acc[c][v] = f32x4_add(acc[c][v], f32x4_mul(x[v], wv));
            }
        }
    }
    acc
}

/// Stores a tile's `nc` channels (of 4) at `o` (channel stride `cs`), activation applied; only the
/// first `cols` pixels when `cols < 4·V`.
#[inline(always)]
unsafe fn store<const V: usize>(acc: [[v128; V]; CO], act: Act, o: *mut f32, cs: usize, nc: usize, cols: usize) {
    if nc == CO && cols == 4 * V {
        for c in 0..CO {
            for v in 0..V {
                v128_store(o.add(c * cs + 4 * v) as *mut v128, epi(act, acc[c][v]));
            }
        }
    } else {
        // Through a stack copy, channel by channel (the last group's missing channels, or a row
        // narrower than 4).
        let mut t = [[0.0f32; 8]; CO];
        for c in 0..CO {
            for v in 0..V {
                v128_store(t[c].as_mut_ptr().add(4 * v) as *mut v128, epi(act, acc[c][v]));
            }
        }
        for (c, tc) in t.iter().enumerate().take(nc) {
            core::ptr::copy_nonoverlapping(tc.as_ptr(), o.add(c * cs), cols.min(4 * V));
        }
    }
}

/// The convolution over padded planes; see the module docs.
///
/// # Safety
/// `pad` holds `cin` planes of `(h + 2)·(w + 1) + 1` floats and 8 more; `wp`, `bp` and `offs` are
/// laid out by [`f32_conv3x3`]; `input` and `out` hold the shape's `n` images.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn run(s: Conv3x3Shape, input: &[f32], pad: &mut [f32], wp: &[f32], bp: &[f32], offs: &[usize], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cin, cout, h, w } = s;
    let st = w + 1;
    let pl = (h + 2) * st + 1;
    let hw = h * w;
    let pad = pad.as_mut_ptr();
    for b in 0..n {
        for ci in 0..cin {
            for y in 0..h {
                copy_row(pad.add(ci * pl + (y + 1) * st + 1), input.as_ptr().add(((b * cin + ci) * h + y) * w), w);
            }
        }
        for gi in 0..cout.div_ceil(CO) {
            let wg = wp.as_ptr().add(gi * cin * 9 * CO);
            let bg: [v128; CO] = core::array::from_fn(|c| f32x4_splat(bp[gi * CO + c]));
            let nc = CO.min(cout - gi * CO);
            let og = out.as_mut_ptr().add((b * cout + gi * CO) * hw);
            for y in 0..h {
                let ip = pad.add(y * st) as *const f32;
                let o = og.add(y * w);
                let mut x = 0;
                while x + 8 <= w {
                    store(tile::<2>(ip.add(x), offs, wg, &bg), act, o.add(x), hw, nc, 8);
                    x += 8;
                }
                let rem = w - x;
                if rem > 4 && w >= 8 {
                    store(tile::<2>(ip.add(w - 8), offs, wg, &bg), act, o.add(w - 8), hw, nc, 8);
                } else if rem >= 4 {
                    store(tile::<1>(ip.add(x), offs, wg, &bg), act, o.add(x), hw, nc, 4);
                    if rem > 4 {
                        store(tile::<1>(ip.add(w - 4), offs, wg, &bg), act, o.add(w - 4), hw, nc, 4);
                    }
                } else if rem > 0 && w >= 4 {
                    store(tile::<1>(ip.add(w - 4), offs, wg, &bg), act, o.add(w - 4), hw, nc, 4);
                } else if rem > 0 {
                    store(tile::<1>(ip, offs, wg, &bg), act, o, hw, nc, w);
                }
            }
        }
    }
}
