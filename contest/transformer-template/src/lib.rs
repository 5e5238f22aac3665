//! A TinyMLPerf custom kernel for Transformer Decathlon, behind the engine's ABI
//! (docs/custom-kernels.md):
//!
//! - no imports; the module exports its `memory`;
//! - `alloc(bytes) -> ptr`: memory for the engine to write weights and inputs into;
//! - `load_weights(ptr, len) -> status`: `len` bytes of little-endian f32, every tensor of the entry's
//!   package in name order (see `Transformer::from_values`); 0 = ok;
//! - `forward(input_ptr, output_ptr, batch) -> status`: `batch × 64` u32 token ids in (each below 16),
//!   `batch × 4` f32 logits out; 0 = ok. The engine calls it with batch 1 (one sequence per call).
//!
//! This template is scalar and correct: it computes what the engine's scalar reference computes, in
//! the same order, so it passes the accuracy gate and the output-equivalence check as it is. Make
//! `forward` fast (SIMD128 with `core::arch::wasm32`, INT8, fused attention...) and submit the `.wasm`
//! in the page.
//!
//! `--features simd` swaps the matrix product for the SIMD128 one in `simd.rs` (an example of such a
//! change; the default build stays scalar).
pub mod transformer;
#[cfg(all(feature = "simd", target_arch = "wasm32"))]
pub mod simd;

use std::cell::RefCell;

thread_local! {
    static MODEL: RefCell<Option<transformer::Transformer>> = const { RefCell::new(None) };
}

/// Reserves `bytes` bytes (4-byte aligned) and returns their address; the memory is never freed.
#[no_mangle]
pub extern "C" fn alloc(bytes: i32) -> i32 {
    transformer::reserve(bytes)
}

/// Loads the weights; status 1 when the byte count is not the transformer's.
#[no_mangle]
pub extern "C" fn load_weights(ptr: i32, len: i32) -> i32 {
    if len < 0 || len % 4 != 0 {
        return 1;
    }
    // SAFETY: the engine wrote `len` bytes at `ptr`, which `alloc` returned (4-byte aligned).
    let values = unsafe { std::slice::from_raw_parts(ptr as *const f32, len as usize / 4) };
    match transformer::Transformer::from_values(values) {
        Some(m) => {
            MODEL.with(|s| *s.borrow_mut() = Some(m));
            0
        }
        None => 1,
    }
}

/// Logits for `batch` sequences; status 2 before `load_weights`, 3 for a token id not below 16.
#[no_mangle]
pub extern "C" fn forward(input: i32, output: i32, batch: i32) -> i32 {
    let n = batch.max(0) as usize;
    // SAFETY: the engine reserved both buffers with `alloc` for `batch` samples.
    let (x, y) = unsafe { (std::slice::from_raw_parts(input as *const u32, n * transformer::SEQ), std::slice::from_raw_parts_mut(output as *mut f32, n * transformer::CLASSES)) };
    MODEL.with(|s| match &*s.borrow() {
        Some(m) => {
            for (xi, yi) in x.chunks_exact(transformer::SEQ).zip(y.chunks_exact_mut(transformer::CLASSES)) {
                #[cfg(all(feature = "simd", target_arch = "wasm32"))]
                let done = m.forward_one_with(xi, yi, simd::gemm);
                #[cfg(not(all(feature = "simd", target_arch = "wasm32")))]
                let done = m.forward_one(xi, yi);
                if done.is_none() {
                    return 3;
                }
            }
            0
        }
        None => 2,
    })
}
