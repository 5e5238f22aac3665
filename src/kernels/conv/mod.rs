//! conv kernels: the scalar reference (the spec and baseline).
pub mod scalar;
