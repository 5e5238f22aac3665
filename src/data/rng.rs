//! The one PRNG behind every generated dataset: SplitMix64, with float helpers that are bit-exact on
//! every target.
//!
//! Why our own generator: the datasets' SHA-256 hashes are recorded constants that the native and the
//! wasm32 test suites both check, so every random draw must be the same integer on both targets. A
//! crate PRNG could change its stream in a minor release; these twenty lines never will.
//!
//! Why the float helpers are safe: uniform draws are built from 24 random bits (exactly representable
//! in `f32`), and the normal draw uses `libm` (pure Rust, the same code on every target) rather than the
//! platform's `sin`/`log`, whose last bit differs between glibc, musl and browsers.

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit counter passed through a strong mixing function.
/// Every seed, including 0, gives a full-period, well-mixed stream.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

/// The SplitMix64 finalizer, also used to derive independent per-item seeds from `(seed, index)`.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for a run: 53 bits (exact as a JS number) from the host's randomness.
pub fn host_seed() -> u64 {
    #[cfg(target_arch = "wasm32")]
    let r = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    #[cfg(not(target_arch = "wasm32"))]
    let r = {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        crate::data::rng::mix64(t ^ (&t as *const u64 as u64))
    };
    r & ((1 << 53) - 1)
}

impl SplitMix64 {
    /// A generator whose stream is fully determined by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The generator for item `index` of the dataset with `seed`, with a `stream` tag so that two
    /// uses of the same `(seed, index)` (say, the label shuffle and the image itself) do not share draws.
    /// Items are independent, so any one can be generated without generating the ones before it.
    pub fn for_item(seed: u64, stream: u64, index: u64) -> Self {
        let a = mix64(seed ^ 0x6A09_E667_F3BC_C908);
        let b = mix64(a ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        SplitMix64::new(mix64(b ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)))
    }

    /// Next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)` with 24-bit resolution (every value exactly representable).
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[lo, hi)`.
    #[inline]
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in `0..n` (`n > 0`), by 128-bit multiply-shift (Lemire), which has no
    /// platform-dependent parts and a bias below 2⁻⁶⁰ for the small `n` used here.
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u32
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f32) -> bool {
        self.uniform() < p
    }

    /// Standard normal draw (Box–Muller with `libm`, so bit-identical on every target).
    pub fn normal(&mut self) -> f32 {
        // u1 in (0, 1]: never 0, so the log is finite.
        let u1 = ((self.next_u64() >> 40) + 1) as f32 * (1.0 / 16_777_216.0);
        let u2 = self.uniform();
        libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(core::f32::consts::TAU * u2)
    }

    /// Normal draw with mean `mu` and standard deviation `sd`, clipped to `mu ± clip`.
    pub fn normal_clipped(&mut self, mu: f32, sd: f32, clip: f32) -> f32 {
        (mu + sd * self.normal()).clamp(mu - clip, mu + clip)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u32 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// The label of item `index` when labels are dealt in shuffled blocks of `classes`: every block of
/// `classes` consecutive items holds each class exactly once, so any prefix of a split is balanced to
/// within one item per class, and the order within a block is random (no `index % classes` pattern
/// for a model to exploit).
pub fn block_label(seed: u64, index: u64, classes: u32) -> u8 {
    let block = index / classes as u64;
    let mut perm: Vec<u8> = (0..classes as u8).collect();
    SplitMix64::for_item(seed, 0x4C41_4245_4C53, block).shuffle(&mut perm);
    perm[(index % classes as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference stream of SplitMix64 seeded with 0 (from the original paper's C code).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn block_labels_are_balanced() {
        let mut counts = [0usize; 10];
        for i in 0..1000 {
            counts[block_label(7, i, 10) as usize] += 1;
        }
        assert_eq!(counts, [100; 10]);
    }
}
