//! act kernels: the scalar reference (the spec and baseline).
pub mod scalar;
#[cfg(target_arch = "wasm32")]
pub mod simd128;
