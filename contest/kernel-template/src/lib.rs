//! A TinyMLPerf custom kernel for MLP Sprint, behind the engine's ABI (docs/custom-kernels.md):
//!
//! - no imports; the module exports its `memory`;
//! - `alloc(bytes) -> ptr`: memory for the engine to write weights and inputs into;
//! - `load_weights(ptr, len) -> status`: `len` bytes of little-endian f32, every tensor of the entry's
//!   package in name order; 0 = ok;
//! - `forward(input_ptr, output_ptr, batch) -> status`: `batch × 784` f32 pixels in, `batch × 10` f32
//!   logits out; 0 = ok.
//!
//! This template is scalar and correct: it passes the accuracy gate and the output-equivalence check
//! as it is. Make `forward` fast (SIMD128 with `core::arch::wasm32`, INT8, sparsity...) and submit the
//! `.wasm` in the page.
//!
//! `--features simd` swaps the dense layers' hot loop for the SIMD128 one in `simd.rs` (an example of
//! such a change; the default build stays scalar).
pub mod mlp;
#[cfg(all(feature = "simd", target_arch = "wasm32"))]
pub mod simd;

use std::cell::RefCell;

thread_local! {
    static MODEL: RefCell<Option<mlp::Mlp>> = const { RefCell::new(None) };
}

/// Reserves `bytes` bytes (4-byte aligned) and returns their address; the memory is never freed.
#[no_mangle]
pub extern "C" fn alloc(bytes: i32) -> i32 {
    mlp::reserve(bytes)
}

/// Loads the weights; status 1 when the byte count is not the MLP's.
#[no_mangle]
pub extern "C" fn load_weights(ptr: i32, len: i32) -> i32 {
    if len < 0 || len % 4 != 0 {
        return 1;
    }
    // SAFETY: the engine wrote `len` bytes at `ptr`, which `alloc` returned (4-byte aligned).
    let values = unsafe { std::slice::from_raw_parts(ptr as *const f32, len as usize / 4) };
    match mlp::Mlp::from_values(values) {
        Some(m) => {
            MODEL.with(|s| *s.borrow_mut() = Some(m));
            0
        }
        None => 1,
    }
}

/// Logits for `batch` images; status 2 before `load_weights`.
#[no_mangle]
pub extern "C" fn forward(input: i32, output: i32, batch: i32) -> i32 {
    let n = batch.max(0) as usize;
    // SAFETY: the engine reserved both buffers with `alloc` for `batch` samples.
    let (x, y) = unsafe { (std::slice::from_raw_parts(input as *const f32, n * mlp::INPUT), std::slice::from_raw_parts_mut(output as *mut f32, n * mlp::CLASSES)) };
    MODEL.with(|s| match &*s.borrow() {
        Some(m) => {
            for (xi, yi) in x.chunks_exact(mlp::INPUT).zip(y.chunks_exact_mut(mlp::CLASSES)) {
                #[cfg(all(feature = "simd", target_arch = "wasm32"))]
                m.forward_one_with(xi, yi, simd::dense);
                #[cfg(not(all(feature = "simd", target_arch = "wasm32")))]
                m.forward_one(xi, yi);
            }
            0
        }
        None => 2,
    })
}
