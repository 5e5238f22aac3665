//! Fresh inputs drawn at run time, so that nothing an entry memorized about the public splits helps
//! it: a *fresh split* (new digits or sequences from the run's seed, for the accuracy re-check and
//! the output-equivalence check) and an *input stream* for timing in which no two calls ever see the
//! same bytes (digits: a fresh pool, each image re-drawn with a random contrast and dither; sequences:
//! every call a newly generated sequence), in an order the entry cannot predict. The profiler's check
//! batches get the same treatment from an [`InputStream::distinct`] stream: digits that are each drawn
//! once (a pool's re-draws are not independent samples, and its repeats are what a memoizing kernel
//! would feed on), so checking and timing look alike.
use super::rng::{mix64, SplitMix64};
use super::{digits, sequences};

/// Keeps fresh seeds apart from the fixed train and test seeds whatever the run seed is.
const FRESH_DOMAIN: u64 = 0xF8E5_11F8_E511_0000;

/// The seed of a run's fresh data (never equal to a public split's seed).
pub fn fresh_seed(run_seed: u64, stream: u64) -> u64 {
    let s = mix64(run_seed ^ FRESH_DOMAIN ^ mix64(stream));
    if s == digits::DIGITS_TEST_SEED || s == digits::DIGITS_TRAIN_SEED || s == sequences::SEQ_TEST_SEED || s == sequences::SEQ_TRAIN_SEED {
        s ^ 1
    } else {
        s
    }
}

/// `n` fresh digits for the run.
pub fn fresh_digits(run_seed: u64, n: usize) -> digits::DigitSet {
    digits::generate(fresh_seed(run_seed, 1), n)
}

/// `n` fresh sequences for the run.
pub fn fresh_sequences(run_seed: u64, n: usize) -> sequences::SeqSet {
    sequences::generate(fresh_seed(run_seed, 2), n)
}

/// Images in the timing stream's pool.
pub const DIGIT_POOL: usize = 512;

thread_local! {
    /// The last pool generated, by seed: a run's streams (baseline, entry, checks) share one.
    static POOL: std::cell::RefCell<Option<(u64, std::rc::Rc<digits::DigitSet>)>> = const { std::cell::RefCell::new(None) };
}

fn pool_of(seed: u64) -> std::rc::Rc<digits::DigitSet> {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        match &*p {
            Some((s, pool)) if *s == seed => pool.clone(),
            _ => {
                let pool = std::rc::Rc::new(digits::generate(seed, DIGIT_POOL));
                *p = Some((seed, pool.clone()));
                pool
            }
        }
    })
}

/// Timing inputs: every call gets a batch no call has seen before.
pub enum InputStream {
    /// Re-drawn digits.
    Digits {
        /// Fresh images to draw from (shared by every stream of the run).
        pool: std::rc::Rc<digits::DigitSet>,
        /// Random source.
        rng: SplitMix64,
        /// Samples per batch.
        batch: usize,
        /// `Some(next)`: each pool image is drawn once, in order ([`InputStream::distinct`]).
        next: Option<usize>,
    },
    /// Newly generated sequences.
    Sequences {
        /// Seed of the generated items.
        seed: u64,
        /// Next item index.
        next: u64,
        /// Samples per batch.
        batch: usize,
    },
}

impl InputStream {
    /// A digit stream (`pixels = true`) or a sequence stream for `batch`-sample calls; `side`
    /// separates the streams of the two sides of a comparison.
    pub fn new(pixels: bool, run_seed: u64, side: u64, batch: usize) -> Self {
        if pixels {
            InputStream::Digits { pool: pool_of(fresh_seed(run_seed, 3)), rng: SplitMix64::new(fresh_seed(run_seed, 4 + side)), batch, next: None }
        } else {
            InputStream::Sequences { seed: fresh_seed(run_seed, 6 + side), next: 0, batch }
        }
    }

    /// A stream of `n` samples that are all different draws: digits generated for it alone (each drawn
    /// once, with the same contrast and dither as every stream's), or newly generated sequences. For
    /// the check batches, whose agreement and accuracy figures need independent samples. `side` keeps
    /// it apart from the other streams of the run.
    pub fn distinct(pixels: bool, run_seed: u64, side: u64, batch: usize, n: usize) -> Self {
        if pixels {
            let pool = std::rc::Rc::new(digits::generate(fresh_seed(run_seed, 200 + side), n.max(1)));
            InputStream::Digits { pool, rng: SplitMix64::new(fresh_seed(run_seed, 4 + side)), batch, next: Some(0) }
        } else {
            InputStream::new(false, run_seed, side, batch)
        }
    }

    /// The next `n` samples with their labels: `n × 784` pixels or `n × 64` tokens. Every batch an
    /// entry receives, checked or timed, comes from here with the same treatment.
    pub fn next_samples(&mut self, n: usize) -> (crate::models::OwnedInput, Vec<u8>) {
        use crate::models::OwnedInput;
        let mut labels = Vec::with_capacity(n);
        match self {
            InputStream::Digits { .. } => {
                let px = self.draw_pixels(n, &mut labels).unwrap_or_default();
                (OwnedInput::Pixels(px), labels)
            }
            InputStream::Sequences { .. } => {
                let t = self.draw_tokens(n, &mut labels).unwrap_or_default();
                (OwnedInput::Tokens(t), labels)
            }
        }
    }

    /// The next full batch with its labels.
    pub fn next_batch(&mut self) -> (crate::models::OwnedInput, Vec<u8>) {
        let n = match self {
            InputStream::Digits { batch, .. } | InputStream::Sequences { batch, .. } => *batch,
        };
        self.next_samples(n)
    }

    fn draw_pixels(&mut self, n: usize, labels: &mut Vec<u8>) -> Option<Vec<f32>> {
        let InputStream::Digits { pool, rng, next, .. } = self else { return None };
        let mut out = vec![0.0f32; n * digits::IMAGE_PIXELS];
        for img in out.chunks_exact_mut(digits::IMAGE_PIXELS) {
            let src = match next {
                // Past the end it starts over (never reached: the stream is made for its count).
                Some(i) => {
                    *i += 1;
                    (*i - 1) % pool.n
                }
                None => rng.below(pool.n as u32) as usize,
            };
            labels.push(pool.labels[src]);
            let px = &pool.images[src * digits::IMAGE_PIXELS..(src + 1) * digits::IMAGE_PIXELS];
            // Contrast and a ±½-level dither make every image new bytes without moving it off the
            // distribution the models were trained on (a shift costs an MLP ~5 pp of accuracy).
            let contrast = rng.range(0.85, 1.0);
            for (o, &v) in img.iter_mut().zip(px) {
                let d = (rng.uniform() - 0.5) / 255.0;
                *o = (v as f32 / 255.0 * contrast + d).clamp(0.0, 1.0);
            }
        }
        Some(out)
    }

    fn draw_tokens(&mut self, n: usize, labels: &mut Vec<u8>) -> Option<Vec<u32>> {
        let InputStream::Sequences { seed, next, .. } = self else { return None };
        let mut out = Vec::with_capacity(n * sequences::SEQ_LEN);
        let mut seq = [0u8; sequences::SEQ_LEN];
        for _ in 0..n {
            labels.push(sequences::generate_item(*seed, *next, &mut seq));
            *next += 1;
            out.extend(seq.iter().map(|&t| t as u32));
        }
        Some(out)
    }
}
