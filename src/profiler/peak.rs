//! The machine's own arithmetic peak, measured in the same run as the kernels so "% of peak" is a
//! ratio of two figures taken under the same conditions (same browser, same load, same clock).
//!
//! wasm SIMD128 has no fused multiply-add (relaxed-SIMD aside), so a multiply-add is 2 instructions
//! and one f32x4 "madd" is 8 FLOPs, as in the GEMM's inner loop. The f32x4 loop issues independent
//! multiply and add chains (6 each, 14 registers; V8 on x64 has 15 allocatable XMM registers), which
//! keeps every FP pipe busy on cores with 2 or 3 of them. The scalar loop runs 12 `a = a·m + c`
//! chains, which only the scalar baseline is compared with.
use super::{calibrate, Clock};
use serde::Serialize;

/// Chains per loop.
const CHAINS: usize = 12;

/// Peak throughputs, GFLOP/s.
#[derive(Debug, Clone, Serialize)]
pub struct Peak {
    /// f32x4 mul+add peak (0 where SIMD128 is not compiled in, i.e. natively).
    pub f32x4_gflops: f64,
    /// Scalar f32 mul+add peak.
    pub scalar_gflops: f64,
    /// `f32x4.relaxed_madd` peak (2 FLOPs per lane, fused or not), when the page installed the
    /// relaxed-SIMD module (`kernels::gemm::relaxed`); `None` otherwise. "% of peak" figures stay
    /// relative to `f32x4_gflops`, the peak every browser with SIMD128 has.
    pub relaxed_madd_gflops: Option<f64>,
}

/// Scalar chains. The crate is built without `simd128`, so LLVM cannot vectorize this.
#[inline(never)]
fn scalar_loop(iters: u32, seed: f32) -> f32 {
    let m = core::hint::black_box(0.999_999_f32);
    let c = core::hint::black_box(1e-7_f32);
    let mut a = [0.0f32; CHAINS];
    for (i, v) in a.iter_mut().enumerate() {
        *v = seed + i as f32;
    }
    for _ in 0..iters {
        for v in a.iter_mut() {
            *v = *v * m + c;
        }
    }
    a.iter().sum()
}

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
#[inline(never)]
unsafe fn f32x4_loop(iters: u32, seed: f32) -> f32 {
    use core::arch::wasm32::*;
    // 6 multiply chains and 6 add chains, independent of each other: the GEMM inner loop's mix
    // (its products do not depend on its sums), 12 vector ops per step, 14 registers.
    let m = f32x4_splat(core::hint::black_box(0.999_999));
    let c = f32x4_splat(core::hint::black_box(1e-7));
    let mut p: [v128; 6] = core::array::from_fn(|i| f32x4_splat(seed + i as f32));
    let mut s: [v128; 6] = core::array::from_fn(|i| f32x4_splat(seed - i as f32));
    for _ in 0..iters {
        for i in 0..6 {
            p[i] = f32x4_mul(p[i], m);
            s[i] = f32x4_add(s[i], c);
        }
    }
    p.iter().chain(s.iter()).fold(0.0, |acc, v| acc + f32x4_extract_lane::<0>(*v))
}

/// GFLOP/s of `f(iters)` doing `flops_per_iter` per iteration: median of `rounds` calibrated batches.
fn rate(clock: &dyn Clock, flops_per_iter: f64, rounds: usize, f: &dyn Fn(u32) -> f32) -> f64 {
    const ITERS: u32 = 4096;
    let mut sink = 0.0;
    let mut call = || sink += f(ITERS);
    let n = calibrate(clock, &mut call, 5.0);
    let mut rates = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t0 = clock.now_ms();
        for _ in 0..n {
            call();
        }
        let dt = clock.now_ms() - t0;
        rates.push(flops_per_iter * ITERS as f64 * n as f64 / (dt * 1e6));
    }
    core::hint::black_box(sink);
    // The fastest batch is the best estimate of a peak: slower ones were interrupted.
    rates.iter().copied().fold(0.0, f64::max)
}

/// Measures both peaks.
pub fn measure(clock: &dyn Clock, rounds: usize) -> Peak {
    let scalar_gflops = rate(clock, (CHAINS * 2) as f64, rounds, &|n| scalar_loop(n, 1.0));
    #[cfg(target_arch = "wasm32")]
    // SAFETY: simd128 is validated by every browser that runs this module.
    let f32x4_gflops = rate(clock, (12 * 4) as f64, rounds, &|n| unsafe { f32x4_loop(n, 1.0) });
    #[cfg(not(target_arch = "wasm32"))]
    let f32x4_gflops = 0.0;
    #[cfg(target_arch = "wasm32")]
    let relaxed_madd_gflops = crate::kernels::gemm::relaxed::installed().map(|h| rate(clock, (12 * 8) as f64, rounds, &|n| (h.peak)(n, 1.0)));
    #[cfg(not(target_arch = "wasm32"))]
    let relaxed_madd_gflops = None;
    Peak { f32x4_gflops, scalar_gflops, relaxed_madd_gflops }
}
