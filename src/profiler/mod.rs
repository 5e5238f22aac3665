//! Timing: one clock owned by the runner (`performance.now()` in wasm, `Instant` natively),
//! calibration, interleaved runs and statistics.
pub mod clock;
pub mod kernel_bench;
pub mod peak;
pub mod runner;
pub mod stats;
pub use clock::Clock;
pub use runner::{calibrate, compare, Comparison, RunConfig};
