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
use crate::kernels::{Act, DenseWeights};
use std::sync::OnceLock;

/// Variant name.
pub const NAME: &str = "f32_gemm__relaxed_madd_4x8_packed";

/// The installed module's exports, as raw-pointer calls into this module's memory.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// `(m, k, n, a, packed_b, bias or 0, relu, c)`: `C = act(A·B + bias)`, ReLU when `relu` ≠ 0.
    pub linear: fn(u32, u32, u32, u32, u32, u32, u32, u32),
    /// `(iters, seed) -> sum`: the relaxed multiply-add peak loop, 12 chains (96 FLOPs per iteration).
    pub peak: fn(u32, f32) -> f32,
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();

/// Installs the relaxed module's exports (once; later calls are ignored).
pub fn install(h: Hooks) {
    let _ = HOOKS.set(h);
}

/// The installed exports, if the page found relaxed SIMD and installed them.
pub fn installed() -> Option<Hooks> {
    HOOKS.get().copied()
}

/// The dense layer through the relaxed module, with the [`crate::kernels::LinearFn`] signature. GELU is
/// applied after the product by the SIMD128 GELU kernel (the relaxed module fuses only ReLU).
///
/// Panics if nothing is installed (the table uses it only after [`install`]).
pub fn f32_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
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
