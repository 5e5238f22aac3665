//! conv kernels: the scalar reference (the spec and baseline), the SIMD128 kernel, and the INT8
//! convolution (its reference and SIMD variant).
pub mod int8;
pub mod scalar;
#[cfg(target_arch = "wasm32")]
pub mod simd128;
