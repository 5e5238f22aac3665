//! SIMD128 GEMM: a 4×8 register-blocked micro-kernel (8 f32x4 accumulators), fused bias + activation
//! epilogue, and narrower tiles (4-wide, then scalar) for the column tail.
//!
//! Only this module is compiled with `simd128`; the crate as a whole is not, so the scalar reference
//! stays scalar (checked by the disassembly test in `tests/wasm_disasm.rs`).
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
    let mut i = 0;
    while i < m {
        let mr = (m - i).min(4);
        match mr {
            4 => rows::<4>(i, k, n, a, b, bias, act, c),
            3 => rows::<3>(i, k, n, a, b, bias, act, c),
            2 => rows::<2>(i, k, n, a, b, bias, act, c),
            _ => rows::<1>(i, k, n, a, b, bias, act, c),
        }
        i += mr;
    }
}

#[inline(always)]
unsafe fn act_v(act: Act, v: v128) -> v128 {
    match act {
        Act::None => v,
        // Same rule as the scalar `relu1`: zero where x < 0, else x (NaN passes through).
        Act::Relu => v128_bitselect(f32x4_splat(0.0), v, f32x4_lt(v, f32x4_splat(0.0))),
        Act::Gelu => {
            // GELU stays exact here (rare in GEMM epilogues of these models): lane-wise scalar twin.
            f32x4(
                apply_act(act, f32x4_extract_lane::<0>(v)),
                apply_act(act, f32x4_extract_lane::<1>(v)),
                apply_act(act, f32x4_extract_lane::<2>(v)),
                apply_act(act, f32x4_extract_lane::<3>(v)),
            )
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows<const MR: usize>(i: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act, c: &mut [f32]) {
    let ap = a.as_ptr().add(i * k);
    let bp = b.as_ptr();
    let cp = c.as_mut_ptr().add(i * n);
    let mut j = 0;
    // 8-wide column blocks: MR×2 accumulators.
    while j + 8 <= n {
        let (b0, b1) = match bias {
            Some(bb) => (v128_load(bb.as_ptr().add(j) as *const v128), v128_load(bb.as_ptr().add(j + 4) as *const v128)),
            None => (f32x4_splat(0.0), f32x4_splat(0.0)),
        };
        let mut acc0 = [b0; MR];
        let mut acc1 = [b1; MR];
        for p in 0..k {
            let brow = bp.add(p * n + j);
            let w0 = v128_load(brow as *const v128);
            let w1 = v128_load(brow.add(4) as *const v128);
            for r in 0..MR {
                let av = f32x4_splat(*ap.add(r * k + p));
                acc0[r] = f32x4_add(acc0[r], f32x4_mul(av, w0));
                acc1[r] = f32x4_add(acc1[r], f32x4_mul(av, w1));
            }
        }
        for r in 0..MR {
            v128_store(cp.add(r * n + j) as *mut v128, act_v(act, acc0[r]));
            v128_store(cp.add(r * n + j + 4) as *mut v128, act_v(act, acc1[r]));
        }
        j += 8;
    }
    // 4-wide column block.
    if j + 4 <= n {
        let b0 = match bias {
            Some(bb) => v128_load(bb.as_ptr().add(j) as *const v128),
            None => f32x4_splat(0.0),
        };
        let mut acc = [b0; MR];
        for p in 0..k {
            let w0 = v128_load(bp.add(p * n + j) as *const v128);
            for r in 0..MR {
                acc[r] = f32x4_add(acc[r], f32x4_mul(f32x4_splat(*ap.add(r * k + p)), w0));
            }
        }
        for r in 0..MR {
            v128_store(cp.add(r * n + j) as *mut v128, act_v(act, acc[r]));
        }
        j += 4;
    }
    // Scalar tail (< 4 columns): the scalar twin, same accumulation order as the reference.
    while j < n {
        for r in 0..MR {
            let mut s = bias.map_or(0.0, |bb| bb[j]);
            for p in 0..k {
                s += *ap.add(r * k + p) * *bp.add(p * n + j);
            }
            *cp.add(r * n + j) = apply_act(act, s);
        }
        j += 1;
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
            match mr {
                4 => panel_tile::<4>(i, p, k, n, a, b, bias, act, c),
                3 => panel_tile::<3>(i, p, k, n, a, b, bias, act, c),
                2 => panel_tile::<2>(i, p, k, n, a, b, bias, act, c),
                _ => panel_tile::<1>(i, p, k, n, a, b, bias, act, c),
            }
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
        let (v0, v1) = (act_v(act, acc0[r]), act_v(act, acc1[r]));
        if cols == super::PANEL {
            v128_store(cp.add(r * n) as *mut v128, v0);
            v128_store(cp.add(r * n + 4) as *mut v128, v1);
        } else {
            let mut t = [0.0f32; 8];
            v128_store(t.as_mut_ptr() as *mut v128, v0);
            v128_store(t.as_mut_ptr().add(4) as *mut v128, v1);
            core::ptr::copy_nonoverlapping(t.as_ptr(), cp.add(r * n), cols);
        }
    }
}

/// The fast dense layer: the packed 4×8 kernel on the panel copy of the weights.
pub fn f32_linear(rows: usize, x: &[f32], w: &crate::kernels::DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    f32_gemm_packed(rows, x, &w.packed, bias, act, out)
}
