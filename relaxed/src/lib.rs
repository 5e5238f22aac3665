//! Relaxed-SIMD kernels for TinyMLPerf's engine, built as a separate ~1 KB wasm module.
//!
//! Why separate: a module containing any relaxed-SIMD instruction fails to compile in a browser without
//! relaxed SIMD, so the engine's own module never contains one. The page validates a tiny relaxed-SIMD
//! probe once at start-up; only where it passes does it instantiate this module with the engine's
//! memory and install its exports in the engine's kernel table (`kernels::gemm::relaxed`).
//!
//! The ABI is raw pointers into that shared memory. The module owns no memory of its own: it imports
//! the engine's, has no data segments, and its functions keep everything in locals (no shadow stack;
//! scripts/build.sh checks the first two, `tests/e2e/disasm.test.mjs` the instructions).
#![no_std]

#[cfg(target_arch = "wasm32")]
mod kernels;

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
