//! Dense f32 GEMM: the scalar reference and the SIMD128 register-blocked kernel.
pub mod scalar;
#[cfg(target_arch = "wasm32")]
pub mod simd128;
