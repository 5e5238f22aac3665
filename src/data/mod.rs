//! Deterministic datasets: procedural MNIST-like digits, the IDX reader for real MNIST, and the
//! synthetic 64-token sequence task. Nothing is ever downloaded.
//!
//! - [`digits`]: 28×28 `u8` handwritten-looking digits, generated from a seed. The held-out
//!   [`digits::test_split`] is pinned by [`digits::DIGITS_TEST_SHA256`] on every target.
//! - [`idx`]: reads (and, for tests, writes) the IDX files real MNIST ships in, gzipped or not,
//!   into the same [`DigitSet`], so every model and benchmark runs on either source.
//! - [`sequences`]: "which marker comes first" over 64 tokens, a task that needs positional
//!   information, pinned by [`sequences::SEQ_TEST_SHA256`].
//! - [`rng`]: the SplitMix64 generator behind all of them.
//!
//! Why generators rather than files: the browser page must score a model on held-out data with no
//! download, and scoring must agree bit for bit with the native training run. Every item is
//! generated from `(seed, index)` alone, so splits of any size share their prefix and a single item
//! can be regenerated on its own.

pub mod digits;
pub mod fresh;
pub mod idx;
pub mod rng;
pub mod sequences;

pub use digits::{DigitSet, DigitStyle, IMAGE_PIXELS, IMAGE_SIDE};
pub use idx::MnistSplit;
pub use sequences::SeqSet;
