//! The relaxed-SIMD dense layer (`f32x4.relaxed_madd` 4×8 tiles on the packed weights), which lives in
//! a separate module (`relaxed/`, built by scripts/build.sh into `www/pkg-relaxed/tinymlperf_relaxed.wasm`):
//! a module holding any relaxed-SIMD instruction does not compile where relaxed SIMD is missing, so
//! this one never holds one. The page validates a relaxed-SIMD probe once at start-up and, where it
//! passes, instantiates that module on this module's memory and installs its exports here
//! ([`install`], called by `wasm_api::use_relaxed_simd`). From then on [`crate::kernels::best()`]
//! puts [`f32_linear`] in its `linear` slot; until then, and wherever the probe fails, nothing changes.
//!
//! Results: the browser may fuse each multiply-add (one rounding instead of two), so they agree with
//! the scalar reference within [`crate::kernels::tolerance::F32_FUSED`], not bit for bit.
use crate::kernels::quant::Int8Weights;
use crate::kernels::scratch::with_scratch;
use crate::kernels::{Act, DenseWeights};
use core::arch::wasm32::*;
use std::cell::RefCell;
use std::sync::OnceLock;

/// Variant name.
pub const NAME: &str = "f32_gemm__relaxed_madd_4x8_packed";
/// Variant name of the INT8 dense layer.
pub const I8_NAME: &str = "i8_gemm__relaxed_dot_i8x16_i7x16_4x8";

/// The installed module's exports, as raw-pointer calls into this module's memory.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// `(m, k, n, a, packed_b, bias or 0, relu, c)`: `C = act(A·B + bias)`, ReLU when `relu` ≠ 0.
    pub linear: fn(u32, u32, u32, u32, u32, u32, u32, u32),
    /// `(m, kq, n, a_u7, w_quads, acc)`: `acc[m×n] (i32) = A·W` over `4·kq` inputs with
    /// `i32x4.relaxed_dot_i8x16_i7x16_add` (activation codes 0..=127, weights as `Int8Weights::quads`).
    pub i8_dot: fn(u32, u32, u32, u32, u32, u32),
    /// `(iters, seed) -> sum`: the relaxed multiply-add peak loop, 12 chains (96 FLOPs per iteration).
    pub peak: fn(u32, f32) -> f32,
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();
/// INT8 layer calls that took the relaxed dot (not the SIMD128 fallback), for tests and reports.
static DOT_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many INT8 layer calls ran on `i32x4.relaxed_dot_i8x16_i7x16_add` so far.
pub fn dot_calls() -> usize {
    DOT_CALLS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Installs the relaxed module's exports (once; later calls are ignored).
pub fn install(h: Hooks) {
    let _ = HOOKS.set(h);
}

/// The installed exports, if the page found relaxed SIMD and installed them.
pub fn installed() -> Option<Hooks> {
    HOOKS.get().copied()
}

/// Fewer rows than this take the SIMD128 kernel: a call into the relaxed module crosses a JS import, and
/// at batch 1 the relaxed tile measured slower than the SIMD128 one (MLP fc1, 1×784×128: 16.4 against
/// 11.8 µs; from a 4-row tile on it is ahead: 64×784×128, 0.339 against 0.419 ms).
pub const MIN_ROWS: usize = 4;

/// The dense layer through the relaxed module, with the [`crate::kernels::LinearFn`] signature. GELU is
/// applied after the product by the SIMD128 GELU kernel (the relaxed module fuses only ReLU). Fewer than
/// [`MIN_ROWS`] rows run the SIMD128 kernel.
///
/// Panics if nothing is installed (the table uses it only after [`install`]).
pub fn f32_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    if rows < MIN_ROWS {
        return super::simd128::f32_linear(rows, x, w, bias, act, out);
    }
    let h = installed().expect("relaxed-SIMD kernels used before the page installed them");
    let (k, n) = (w.k(), w.n());
    assert!(x.len() >= rows * k && out.len() >= rows * n, "relaxed linear buffers too small for {rows}×{k}×{n}");
    assert!(w.packed.data.len() >= w.packed.panels() * k * super::PANEL);
    if let Some(b) = bias {
        assert!(b.len() >= n, "bias has {} entries, the layer needs {n}", b.len());
    }
    if rows == 0 || n == 0 {
        return;
    }
    // Addresses in this module's memory, which the relaxed module imports (wasm32: pointers are u32).
    let addr = |p: *const f32| p as usize as u32;
    (h.linear)(
        rows as u32,
        k as u32,
        n as u32,
        addr(x.as_ptr()),
        addr(w.packed.data.as_ptr()),
        bias.map_or(0, |b| addr(b.as_ptr())),
        u32::from(act == Act::Relu),
        addr(out.as_mut_ptr()),
    );
    if act == Act::Gelu {
        (crate::kernels::act::simd128::f32_gelu)(&mut out[..rows * n]);
    }
}

thread_local! {
    /// Activation codes (u7, rows × 4·kq) and i32 accumulators of the current INT8 call, reused.
    static I8_SCRATCH: RefCell<(Vec<i8>, Vec<i32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The INT8 table's `linear` slot with the relaxed dot product: layers without INT8 weights take the
/// relaxed fp32 path.
pub fn i8_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    match &w.int8 {
        Some(q) => i8_linear_packed(rows, x, q, bias, act, out),
        None => f32_linear(rows, x, w, bias, act, out),
    }
}

/// INT8 dense layer: activations quantized exactly as the reference does; where every code is
/// non-negative (inputs after ReLU, pixels), `i32x4.relaxed_dot_i8x16_i7x16_add` with the activations
/// as its 7-bit operand — 16 multiply-adds per instruction, exact on every engine — then the SIMD128
/// kernel's requantize epilogue, so results are bit-identical to `quant::i8_linear_reference`. A layer
/// with a negative input code (e.g. after LayerNorm) runs the SIMD128 INT8 kernel instead.
pub fn i8_linear_packed(rows: usize, x: &[f32], w: &Int8Weights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let h = installed().expect("relaxed-SIMD kernels used before the page installed them");
    let (k, n) = (w.k, w.n);
    assert!(x.len() >= rows * k && out.len() >= rows * n, "int8 linear buffers too small for {rows}×{k}×{n}");
    let kq = k.div_ceil(4);
    assert!(w.quads.len() >= n.div_ceil(super::PANEL) * kq * 32 && w.w_scales.len() >= n);
    if let Some(b) = bias {
        assert!(b.len() >= n, "bias has {} entries, the layer needs {n}", b.len());
    }
    if rows == 0 || n == 0 {
        return;
    }
    let done = with_scratch(&I8_SCRATCH, |(qa, acc)| {
        let stride = 4 * kq;
        qa.clear();
        qa.resize(rows * stride, 0);
        let inv = 1.0 / w.act_scale;
        for r in 0..rows {
            super::int8::quantize_activations(&x[r * k..(r + 1) * k], inv, &mut qa[r * stride..r * stride + k]);
        }
        // SAFETY: qa holds rows·stride codes.
        if unsafe { any_negative(qa) } {
            return false;
        }
        acc.clear();
        acc.resize(rows * n, 0);
        let addr = |p: *const u8| p as usize as u32;
        (h.i8_dot)(rows as u32, kq as u32, n as u32, addr(qa.as_ptr() as *const u8), addr(w.quads.as_ptr() as *const u8), addr(acc.as_mut_ptr() as *const u8));
        // SAFETY: acc holds rows·n values, out at least as many, scales and bias n (checked above).
        unsafe { requantize(rows, n, acc, w, bias, act, out) };
        DOT_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        true
    });
    if !done {
        super::int8::i8_linear_packed(rows, x, w, bias, act, out);
    }
}

/// Whether any code is negative (the relaxed dot's 7-bit operand must not be).
#[target_feature(enable = "simd128")]
unsafe fn any_negative(q: &[i8]) -> bool {
    let mut lo = i8x16_splat(0);
    let mut i = 0;
    while i + 16 <= q.len() {
        lo = i8x16_min(lo, v128_load(q.as_ptr().add(i) as *const v128));
        i += 16;
    }
    i8x16_bitmask(lo) != 0 || q[i..].iter().any(|&c| c < 0)
}

/// `out = act(acc · (act_scale · w_scale[j]) + bias[j])` with the SIMD128 INT8 kernel's vector
/// operations (column tails through a padded vector), so every value matches it bit for bit.
#[target_feature(enable = "simd128")]
#[allow(clippy::too_many_arguments)]
unsafe fn requantize(rows: usize, n: usize, acc: &[i32], w: &Int8Weights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let sa = f32x4_splat(w.act_scale);
    let mut j = 0;
    while j < n {
        let cols = (n - j).min(4);
        let (mut sw, mut bb) = ([0.0f32; 4], [0.0f32; 4]);
        sw[..cols].copy_from_slice(&w.w_scales[j..j + cols]);
        if let Some(b) = bias {
            bb[..cols].copy_from_slice(&b[j..j + cols]);
        }
        let s = f32x4_mul(sa, v128_load(sw.as_ptr() as *const v128));
        let b = v128_load(bb.as_ptr() as *const v128);
        for r in 0..rows {
            let src = acc.as_ptr().add(r * n + j);
            let a = if cols == 4 {
                v128_load(src as *const v128)
            } else {
                let mut t = [0i32; 4];
                t[..cols].copy_from_slice(core::slice::from_raw_parts(src, cols));
                v128_load(t.as_ptr() as *const v128)
            };
            let y = crate::kernels::act::simd128::act_v(act, f32x4_add(f32x4_mul(f32x4_convert_i32x4(a), s), b));
            let dst = out.as_mut_ptr().add(r * n + j);
            if cols == 4 {
                v128_store(dst as *mut v128, y);
            } else {
                let mut t = [0.0f32; 4];
                v128_store(t.as_mut_ptr() as *mut v128, y);
                core::ptr::copy_nonoverlapping(t.as_ptr(), dst, cols);
            }
        }
        j += 4;
    }
}
