//! A TinyMLPerf custom kernel for CNN Marathon, behind the engine's ABI (docs/custom-kernels.md):
//!
//! - no imports; the module exports its `memory`;
//! - `alloc(bytes) -> ptr`: memory for the engine to write weights and inputs into;
//! - `load_weights(ptr, len) -> status`: `len` bytes of little-endian f32, every tensor of the entry's
//!   package in name order (`conv1.bias`, `conv1.weight`, `conv2.bias`, `conv2.weight`, `fc.bias`,
//!   `fc.weight`); 0 = ok;
//! - `forward(input_ptr, output_ptr, batch) -> status`: `batch × 784` f32 pixels in (one 28×28 channel
//!   per image, row-major), `batch × 10` f32 logits out; 0 = ok. The engine calls it with batch 16.
//!
//! This template is scalar and correct: it computes what the engine's scalar reference computes, in
//! the same order, so it passes the accuracy gate and the output-equivalence check as it is. Make
//! `forward` fast (SIMD128 with `core::arch::wasm32`, INT8, a better loop order...) and submit the
//! `.wasm` in the page.
//!
//! `--features simd` swaps the convolutions for the SIMD128 one in `simd.rs` (an example of such
//! a change; the default build stays scalar).
pub mod cnn;
#[cfg(all(feature = "simd", target_arch = "wasm32"))]
pub mod simd;

use std::cell::RefCell;

thread_local! {
    static MODEL: RefCell<Option<cnn::Cnn>> = const { RefCell::new(None) };
}

/// Reserves `bytes` bytes (4-byte aligned) and returns their address; the memory is never freed.
#[no_mangle]
pub extern "C" fn alloc(bytes: i32) -> i32 {
    cnn::reserve(bytes)
}

/// Loads the weights; status 1 when the byte count is not the CNN's.
#[no_mangle]
pub extern "C" fn load_weights(ptr: i32, len: i32) -> i32 {
    if len < 0 || len % 4 != 0 {
        return 1;
    }
    // SAFETY: the engine wrote `len` bytes at `ptr`, which `alloc` returned (4-byte aligned).
    let values = unsafe { std::slice::from_raw_parts(ptr as *const f32, len as usize / 4) };
    match cnn::Cnn::from_values(values) {
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
    let (x, y) = unsafe { (std::slice::from_raw_parts(input as *const f32, n * cnn::INPUT), std::slice::from_raw_parts_mut(output as *mut f32, n * cnn::CLASSES)) };
    MODEL.with(|s| match &*s.borrow() {
        Some(m) => {
            for (xi, yi) in x.chunks_exact(cnn::INPUT).zip(y.chunks_exact_mut(cnn::CLASSES)) {
                #[cfg(all(feature = "simd", target_arch = "wasm32"))]
                m.forward_one_with(xi, yi, simd::conv3x3_relu);
                #[cfg(not(all(feature = "simd", target_arch = "wasm32")))]
                m.forward_one(xi, yi);
            }
            0
        }
        None => 2,
    })
}
