//! Deterministic datasets: procedural MNIST-like digits, the IDX reader for real MNIST, and the
//! synthetic 64-token sequence task. Nothing is ever downloaded.
