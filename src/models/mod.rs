//! The three event models. Each `forward(&Kernels, ...)` is pure: no clock, no JS.
