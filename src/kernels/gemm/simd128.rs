//! SIMD128 GEMM: a 4×8 register-blocked micro-kernel (8 f32x4 accumulators), fused bias + activation
//! epilogue, and narrower tiles (4-wide, then scalar) for the column tail.
//!
//! Only this module is compiled with `simd128`; the crate as a whole is not, so the scalar reference
//! stays scalar (checked by the disassembly test in `tests/e2e/disasm.test.mjs`).
use crate::kernels::act::simd128::act_v;
use crate::kernels::{apply_act, Act, GemmShape};
use core::arch::wasm32::*;

/// Variant name, `dtype_op__isa_tile`.
pub const NAME: &str = "f32_gemm__simd128_4x8";

/// Safe entry point with the [`crate::kernels::GemmFn`] signature.
pub fn f32_gemm(s: GemmShape, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let GemmShape { m, k, n } = s;
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "gemm buffers too small for {s:?}");
    if let Some(bb) = bias {
        assert!(bb.len() >= n, "bias has {} entries, gemm needs {n}", bb.len());
    }
    // SAFETY: bounds are checked above; every load/store below stays inside them.
    unsafe { gemm_impl(m, k, n, a, b, bias, act, c) }
}

#[target_feature(enable = "simd128")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_impl(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let bias = bias.map(|b| b.as_ptr());
    gemm_strided(m, k, n, Mat { p: a.as_ptr(), ld: k }, Mat { p: b.as_ptr(), ld: n }, MatMut { p: c.as_mut_ptr(), ld: n }, bias, act, 1.0);
}

/// A read-only row-major matrix view: element (r, c) at `p + r·ld + c`.
#[derive(Clone, Copy)]
pub(crate) struct Mat {
    pub p: *const f32,
    pub ld: usize,
}

/// A writable row-major matrix view.
#[derive(Clone, Copy)]
pub(crate) struct MatMut {
    pub p: *mut f32,
    pub ld: usize,
}

/// `C = act(scale·(A·B) + bias)` on strided views; the 4×8 / 4-wide / scalar-tail tiling of
/// [`f32_gemm`]. With `scale = 1` the per-output operation order equals the reference's.
/// Used directly by the fused attention (Q·Kᵀ and P·V on one head's columns).
///
/// # Safety
/// The views must cover `m×k`, `k×n` and `m×n` elements at their strides, `bias` (if any) `n`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_strided(m: usize, k: usize, n: usize, a: Mat, b: Mat, c: MatMut, bias: Option<*const f32>, act: Act, scale: f32) {
    let mut i = 0;
    while i < m {
        let mr = (m - i).min(4);
        let a_i = Mat { p: a.p.add(i * a.ld), ld: a.ld };
        let c_i = MatMut { p: c.p.add(i * c.ld), ld: c.ld };
        row_tile!(mr, rows(k, n, a_i, b, c_i, bias, act, scale));
        i += mr;
    }
}

#[inline(always)]
unsafe fn load_bias(bias: Option<*const f32>, j: usize) -> v128 {
    match bias {
        Some(bp) => v128_load(bp.add(j) as *const v128),
        None => f32x4_splat(0.0),
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows<const MR: usize>(k: usize, n: usize, a: Mat, b: Mat, c: MatMut, bias: Option<*const f32>, act: Act, scale: f32) {
    let sv = f32x4_splat(scale);
    let scaled = scale != 1.0;
    let mut j = 0;
    // 8-wide column blocks: MR×2 accumulators.
    while j + 8 <= n {
        let mut acc0 = [f32x4_splat(0.0); MR];
        let mut acc1 = [f32x4_splat(0.0); MR];
        if !scaled {
            acc0 = [load_bias(bias, j); MR];
            acc1 = [load_bias(bias, j + 4); MR];
        }
        for p in 0..k {
            let brow = b.p.add(p * b.ld + j);
            let w0 = v128_load(brow as *const v128);
            let w1 = v128_load(brow.add(4) as *const v128);
            for r in 0..MR {
                let av = f32x4_splat(*a.p.add(r * a.ld + p));
                acc0[r] = f32x4_add(acc0[r], f32x4_mul(av, w0));
                acc1[r] = f32x4_add(acc1[r], f32x4_mul(av, w1));
            }
        }
        for r in 0..MR {
            let (mut v0, mut v1) = (acc0[r], acc1[r]);
            if scaled {
                v0 = f32x4_add(f32x4_mul(v0, sv), load_bias(bias, j));
                v1 = f32x4_add(f32x4_mul(v1, sv), load_bias(bias, j + 4));
            }
            v128_store(c.p.add(r * c.ld + j) as *mut v128, act_v(act, v0));
            v128_store(c.p.add(r * c.ld + j + 4) as *mut v128, act_v(act, v1));
        }
        j += 8;
    }
    // 4-wide column block.
    if j + 4 <= n {
        let mut acc = [if scaled { f32x4_splat(0.0) } else { load_bias(bias, j) }; MR];
        for p in 0..k {
            let w0 = v128_load(b.p.add(p * b.ld + j) as *const v128);
            for r in 0..MR {
                acc[r] = f32x4_add(acc[r], f32x4_mul(f32x4_splat(*a.p.add(r * a.ld + p)), w0));
            }
        }
        for r in 0..MR {
            let mut v = acc[r];
            if scaled {
                v = f32x4_add(f32x4_mul(v, sv), load_bias(bias, j));
            }
            v128_store(c.p.add(r * c.ld + j) as *mut v128, act_v(act, v));
        }
        j += 4;
    }
    // Scalar tail (< 4 columns): the scalar twin, same accumulation order as the reference.
    while j < n {
        for r in 0..MR {
            let b0 = bias.map_or(0.0, |bp| *bp.add(j));
            let mut s = if scaled { 0.0 } else { b0 };
            for p in 0..k {
                s += *a.p.add(r * a.ld + p) * *b.p.add(p * b.ld + j);
            }
            if scaled {
                s = s * scale + b0;
            }
            *c.p.add(r * c.ld + j) = apply_act(act, s);
        }
        j += 1;
    }
}

/// Stores one 8-wide output row segment: both vectors when all 8 columns are real, else through a
/// scratch so only the first `cols` reach `dst` (the last panel of a padded layout).
///
/// # Safety
/// `dst` must be valid for `cols` (≤ 8) writes.
#[inline(always)]
pub(crate) unsafe fn store_row8(dst: *mut f32, cols: usize, y0: v128, y1: v128) {
    if cols == 8 {
        v128_store(dst as *mut v128, y0);
        v128_store(dst.add(4) as *mut v128, y1);
    } else {
        let mut t = [0.0f32; 8];
        v128_store(t.as_mut_ptr() as *mut v128, y0);
        v128_store(t.as_mut_ptr().add(4) as *mut v128, y1);
        core::ptr::copy_nonoverlapping(t.as_ptr(), dst, cols);
    }
}

/// Variant name of the packed-B kernel.
pub const PACKED_NAME: &str = "f32_gemm__simd128_4x8_packed";

/// `C = act(A·B + bias)` with `B` pre-packed ([`super::PackedB`]): 4×8 tiles, B read sequentially,
/// the last panel's padding computed and discarded. Same per-output accumulation order as the
/// reference (bias, then k = 0, 1, ...), so results are bit-identical to it.
pub fn f32_gemm_packed(m: usize, a: &[f32], b: &super::PackedB, bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let (k, n) = (b.k, b.n);
    assert!(a.len() >= m * k && c.len() >= m * n, "packed gemm buffers too small for {m}×{k}×{n}");
    assert!(b.data.len() >= b.panels() * k * super::PANEL);
    if let Some(bb) = bias {
        assert!(bb.len() >= n, "bias has {} entries, gemm needs {n}", bb.len());
    }
    // SAFETY: bounds checked above; the kernel writes only the n valid columns of C.
    unsafe { packed_impl(m, k, n, a, b, bias, act, c) }
}

#[target_feature(enable = "simd128")]
#[allow(clippy::too_many_arguments)]
unsafe fn packed_impl(m: usize, k: usize, n: usize, a: &[f32], b: &super::PackedB, bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let mut i = 0;
    while i < m {
        let mr = (m - i).min(4);
        for p in 0..b.panels() {
            row_tile!(mr, panel_tile(i, p, k, n, a, b, bias, act, c));
        }
        i += mr;
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn panel_tile<const MR: usize>(i: usize, p: usize, k: usize, n: usize, a: &[f32], b: &super::PackedB, bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let j = p * super::PANEL;
    let cols = (n - j).min(super::PANEL);
    let (b0, b1) = match bias {
        Some(bb) if cols == super::PANEL => (v128_load(bb.as_ptr().add(j) as *const v128), v128_load(bb.as_ptr().add(j + 4) as *const v128)),
        Some(bb) => {
            let mut t = [0.0f32; 8];
            t[..cols].copy_from_slice(&bb[j..j + cols]);
            (v128_load(t.as_ptr() as *const v128), v128_load(t.as_ptr().add(4) as *const v128))
        }
        None => (f32x4_splat(0.0), f32x4_splat(0.0)),
    };
    let mut acc0 = [b0; MR];
    let mut acc1 = [b1; MR];
    let ap = a.as_ptr().add(i * k);
    let mut bp = b.data.as_ptr().add(p * k * super::PANEL);
    for q in 0..k {
        let w0 = v128_load(bp as *const v128);
        let w1 = v128_load(bp.add(4) as *const v128);
        bp = bp.add(super::PANEL);
        for r in 0..MR {
            let av = f32x4_splat(*ap.add(r * k + q));
            acc0[r] = f32x4_add(acc0[r], f32x4_mul(av, w0));
            acc1[r] = f32x4_add(acc1[r], f32x4_mul(av, w1));
        }
    }
    let cp = c.as_mut_ptr().add(i * n + j);
    for r in 0..MR {
        store_row8(cp.add(r * n), cols, act_v(act, acc0[r]), act_v(act, acc1[r]));
    }
}

/// The fast dense layer: the packed 4×8 kernel on the panel copy of the weights.
pub fn f32_linear(rows: usize, x: &[f32], w: &crate::kernels::DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    f32_gemm_packed(rows, x, &w.packed, bias, act, out)
}

/// `dst[c·ldd + r] = src[r·lds + c]` for an `r_n × c_n` source: 4×4 blocks through shuffles, then the
/// edges one value at a time. Shared by the sparse GEMM (activations to and from column-major) and
/// attention (Kᵀ).
#[inline(always)]
pub(crate) unsafe fn transpose(src: *const f32, r_n: usize, c_n: usize, lds: usize, dst: *mut f32, ldd: usize) {
    let (r4, c4) = (r_n / 4 * 4, c_n / 4 * 4);
    let mut r = 0;
    while r < r4 {
        let mut c = 0;
        while c < c4 {
            let s = src.add(r * lds + c);
            let a = v128_load(s as *const v128);
            let b = v128_load(s.add(lds) as *const v128);
            let cc = v128_load(s.add(2 * lds) as *const v128);
            let d = v128_load(s.add(3 * lds) as *const v128);
            let ab_lo = i32x4_shuffle::<0, 4, 1, 5>(a, b);
            let ab_hi = i32x4_shuffle::<2, 6, 3, 7>(a, b);
            let cd_lo = i32x4_shuffle::<0, 4, 1, 5>(cc, d);
            let cd_hi = i32x4_shuffle::<2, 6, 3, 7>(cc, d);
            let t = dst.add(c * ldd + r);
            v128_store(t as *mut v128, i64x2_shuffle::<0, 2>(ab_lo, cd_lo));
            v128_store(t.add(ldd) as *mut v128, i64x2_shuffle::<1, 3>(ab_lo, cd_lo));
            v128_store(t.add(2 * ldd) as *mut v128, i64x2_shuffle::<0, 2>(ab_hi, cd_hi));
            v128_store(t.add(3 * ldd) as *mut v128, i64x2_shuffle::<1, 3>(ab_hi, cd_hi));
            c += 4;
        }
        for c in c4..c_n {
            for rr in r..r + 4 {
                *dst.add(c * ldd + rr) = *src.add(rr * lds + c);
            }
        }
        r += 4;
    }
    for rr in r4..r_n {
        for c in 0..c_n {
            *dst.add(c * ldd + rr) = *src.add(rr * lds + c);
        }
    }
}
