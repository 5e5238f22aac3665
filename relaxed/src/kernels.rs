//! The exported kernels. Each mirrors a SIMD128 kernel of the engine with `f32x4.relaxed_madd` in place
//! of `f32x4.add(f32x4.mul(..))`: the engine may fuse the multiply-add (one rounding) or not, so results
//! agree with the scalar reference within `kernels::tolerance::F32_FUSED`, not bit for bit.
use core::arch::wasm32::*;

/// Columns per packed panel (the engine's `kernels::gemm::PANEL`).
const PANEL: usize = 8;

/// Runs `$tile::<MR>(i, p, args…)` over every 4-row block `i` (the last one shorter, its row count a
/// constant) and every 8-column panel `p` of an `m×n` output: both entry points' outer loops.
macro_rules! each_tile {
    ($m:expr, $n:expr, $tile:ident($($arg:expr),*)) => {{
        let (m, panels) = ($m, ($n).div_ceil(PANEL));
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(4);
            for p in 0..panels {
                match rows {
                    4 => $tile::<4>(i, p, $($arg),*),
                    3 => $tile::<3>(i, p, $($arg),*),
                    2 => $tile::<2>(i, p, $($arg),*),
                    _ => $tile::<1>(i, p, $($arg),*),
                }
            }
            i += rows;
        }
    }};
}

/// `C[m×n] = act(A[m×k]·B + bias)` with `B` in the engine's packed layout (`ceil(n/8)` panels of
/// `k×8` floats, the last zero-padded). `bias` may be null; `relu` ≠ 0 applies ReLU (NaN passes).
///
/// # Safety
/// The pointers must cover `m×k`, the packed panels, `n` and `m×n` floats of the shared memory.
#[no_mangle]
#[target_feature(enable = "simd128,relaxed-simd")]
pub unsafe extern "C" fn f32_linear_packed(m: u32, k: u32, n: u32, a: *const f32, b: *const f32, bias: *const f32, relu: u32, c: *mut f32) {
    let (m, k, n) = (m as usize, k as usize, n as usize);
    each_tile!(m, n, tile(k, n, a, b, bias, relu != 0, c));
}

#[inline(always)]
unsafe fn lane_or_zero(p: *const f32, j: usize, n: usize) -> f32 {
    if j < n {
        *p.add(j)
    } else {
        0.0
    }
}

#[inline(always)]
unsafe fn bias_vec(bias: *const f32, j: usize, n: usize) -> v128 {
    if bias.is_null() {
        f32x4_splat(0.0)
    } else if j + 4 <= n {
        v128_load(bias.add(j) as *const v128)
    } else {
        f32x4(lane_or_zero(bias, j, n), lane_or_zero(bias, j + 1, n), lane_or_zero(bias, j + 2, n), lane_or_zero(bias, j + 3, n))
    }
}

/// Stores the first `cols` (≤ 4 stored whole) lanes of `v` at `dst`, bit for bit (f32 or i32 lanes).
#[inline(always)]
unsafe fn store4<T>(dst: *mut T, cols: usize, v: v128) {
    let dst = dst as *mut i32;
    if cols >= 4 {
        v128_store(dst as *mut v128, v);
        return;
    }
    if cols > 0 {
        *dst = i32x4_extract_lane::<0>(v);
    }
    if cols > 1 {
        *dst.add(1) = i32x4_extract_lane::<1>(v);
    }
    if cols > 2 {
        *dst.add(2) = i32x4_extract_lane::<2>(v);
    }
}

#[inline(always)]
unsafe fn act(v: v128, relu: bool) -> v128 {
    if relu {
        // Lanes below zero become 0; NaN compares false and passes through, as in the reference.
        v128_bitselect(f32x4_splat(0.0), v, f32x4_lt(v, f32x4_splat(0.0)))
    } else {
        v
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const MR: usize>(i: usize, p: usize, k: usize, n: usize, a: *const f32, b: *const f32, bias: *const f32, relu: bool, c: *mut f32) {
    let j = p * PANEL;
    let cols = (n - j).min(PANEL);
    let (b0, b1) = (bias_vec(bias, j, n), bias_vec(bias, j + 4, n));
    let mut acc0 = [b0; MR];
    let mut acc1 = [b1; MR];
    let ap = a.add(i * k);
    let mut bp = b.add(p * k * PANEL);
    for q in 0..k {
        let w0 = v128_load(bp as *const v128);
        let w1 = v128_load(bp.add(4) as *const v128);
        bp = bp.add(PANEL);
        for r in 0..MR {
            let av = f32x4_splat(*ap.add(r * k + q));
            acc0[r] = f32x4_relaxed_madd(av, w0, acc0[r]);
            acc1[r] = f32x4_relaxed_madd(av, w1, acc1[r]);
        }
    }
    for r in 0..MR {
        let dst = c.add((i + r) * n + j);
        store4(dst, cols, act(acc0[r], relu));
        if cols > 4 {
            store4(dst.add(4), cols - 4, act(acc1[r], relu));
        }
    }
}

/// The relaxed multiply-add peak loop: `iters` rounds of 12 independent `f32x4.relaxed_madd` chains
/// (96 FLOPs a round counting the multiply and the add; 12 chains cover a 4-cycle FMA latency on 2
/// ports with room to spare), measured like the engine's f32x4 peak loop (`profiler::peak`). Returns a lane sum so the work cannot be dropped.
#[no_mangle]
#[target_feature(enable = "simd128,relaxed-simd")]
pub unsafe extern "C" fn peak_madd(iters: u32, seed: f32) -> f32 {
    let x = f32x4_splat(seed);
    let y = f32x4_splat(0.999_999);
    let mut acc = [f32x4(seed, 0.5, 0.25, 0.125); 12];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = f32x4_relaxed_madd(*v, y, x);
        }
    }
    let mut s = f32x4_splat(0.0);
    for v in acc {
        s = f32x4_add(s, v);
    }
    f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s) + f32x4_extract_lane::<2>(s) + f32x4_extract_lane::<3>(s)
}

/// Integer part of an INT8 dense layer with `i32x4.relaxed_dot_i8x16_i7x16_add`:
/// `acc[m×n] = A·W` over `4·kq` inputs, `A` as u7 activation codes (0..=127, row stride `4·kq`,
/// zero-padded), `W` as i8 codes in the engine's quad layout (`quant::Int8Weights::quads`: per panel of
/// 8 columns and per 4 inputs, 32 bytes — columns 0–3 then 4–7, each column's 4 inputs together).
/// The activation is the 7-bit operand, so the result is the exact integer dot product on every engine
/// (relaxed only where that operand's top bit is set); the caller guarantees 0 ≤ codes ≤ 127 and
/// applies the float epilogue itself.
///
/// # Safety
/// The pointers must cover `m×4kq` bytes, `ceil(n/8)×kq×32` bytes and `m×n` i32 of the shared memory.
#[no_mangle]
#[target_feature(enable = "simd128,relaxed-simd")]
pub unsafe extern "C" fn i8_dot_quads(m: u32, kq: u32, n: u32, a: *const u8, w: *const i8, acc: *mut i32) {
    let (m, kq, n) = (m as usize, kq as usize, n as usize);
    each_tile!(m, n, dot_tile(kq, n, a, w, acc));
}

#[inline(always)]
unsafe fn dot_tile<const MR: usize>(i: usize, p: usize, kq: usize, n: usize, a: *const u8, w: *const i8, acc: *mut i32) {
    let j = p * PANEL;
    let cols = (n - j).min(PANEL);
    let stride = 4 * kq;
    let mut acc0 = [i32x4_splat(0); MR];
    let mut acc1 = [i32x4_splat(0); MR];
    let ap = a.add(i * stride);
    let mut wp = w.add(p * kq * 32);
    for q in 0..kq {
        let w0 = v128_load(wp as *const v128);
        let w1 = v128_load(wp.add(16) as *const v128);
        wp = wp.add(32);
        for r in 0..MR {
            // Four consecutive activation codes of row r, in every lane.
            let x = v128_load32_splat(ap.add(r * stride + 4 * q) as *const u32);
            acc0[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w0, x, acc0[r]);
            acc1[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w1, x, acc1[r]);
        }
    }
    for r in 0..MR {
        let dst = acc.add((i + r) * n + j);
        store4(dst, cols, acc0[r]);
        if cols > 4 {
            store4(dst.add(4), cols - 4, acc1[r]);
        }
    }
}
