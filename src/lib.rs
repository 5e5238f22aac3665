//! # TinyMLPerf for the browser
//!
//! An ML-systems optimization competition that runs in the visitor's browser. This crate holds all the
//! logic: kernels (a scalar reference beside SIMD128 fast paths), the event models, deterministic
//! datasets, the profiler and the scorer. `wasm_api` is the only module that touches wasm-bindgen.
//!
//! ```
//! use tinymlperf::kernels::{self, Act, GemmShape};
//! let (m, k, n) = (2, 3, 2);
//! let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // k x n
//! let mut c = [0.0; 4];
//! (kernels::scalar().gemm)(GemmShape { m, k, n }, &a, &b, None, Act::None, &mut c);
//! assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
//! ```
//!
//! Modules: [`kernels`] (ops and the kernel table), [`data`] (generators, IDX reader),
//! [`models`], [`format`] (safetensors packages), [`profiler`] (clock, runner, stats), [`events`].
#![deny(missing_docs)]

pub mod data;
pub mod error;
pub mod events;
pub mod format;
pub mod kernels;
pub mod models;
pub mod profiler;
pub mod scoring;
pub mod submission;
pub mod leaderboard;
#[cfg(target_arch = "wasm32")]
pub mod wasm_api;

pub use error::{check_len, Error, Result};
pub use kernels::{Act, Kernels};
