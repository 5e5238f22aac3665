//! Timing: one clock owned by the runner (`performance.now()` in wasm, `Instant` natively),
//! calibration, interleaved runs and statistics.
pub mod clock;
pub mod benchmark;
pub mod competition;
pub mod environment;
pub mod kernel_bench;
pub mod peak;
pub mod per_layer;
pub mod runner;
pub mod stats;
pub use clock::{Clock, HostClock};
pub use competition::{CompetitionProfiler, PairedTiming, SideStats};
pub use environment::Environment;
pub use runner::{calibrate, compare, Comparison, RunConfig};
