//! A synthetic sequence-classification task that cannot be solved without token order.
//!
//! Each sequence has [`SEQ_LEN`] tokens from a vocabulary of [`VOCAB`]: twelve distractor tokens
//! (`0..=11`) and four marker tokens ([`MARKER_BASE`]`..=15`). Every sequence contains every marker,
//! one to three times each. The label is the marker that appears **first** (`token - MARKER_BASE`).
//!
//! Why this task: the transformer event must show that positional embeddings matter. The token
//! multiset (which markers, how many of each, which distractors) is drawn *before and independently
//! of* the label; the label is then imposed by swapping the first marker with the first occurrence of
//! the label's marker, which keeps the multiset unchanged. So the multiset carries no information at
//! all about the label: any order-blind model (bag of tokens, mean-pooled embeddings, attention
//! without positions) is stuck at chance, 25%. A model that knows positions can solve it exactly
//! (find the earliest marker), and a 2-layer transformer with learned positional embeddings learns
//! that rule. Labels are dealt in shuffled blocks of four, so the classes are balanced.
//!
//! Determinism: the same SplitMix64 generator and per-item seeding as the digits, integers only.

use super::digits::hex;
use super::rng::{block_label, SplitMix64};
use sha2::{Digest, Sha256};

/// Tokens per sequence.
pub const SEQ_LEN: usize = 64;
/// Vocabulary size (token ids `0..16`).
pub const VOCAB: usize = 16;
/// Number of classes (one per marker token).
pub const SEQ_CLASSES: usize = 4;
/// First marker token id; markers are `MARKER_BASE..MARKER_BASE + 4`, distractors are below it.
pub const MARKER_BASE: u8 = (VOCAB - SEQ_CLASSES) as u8;
/// Each marker appears between 1 and this many times in every sequence.
pub const MAX_MARKER_COUNT: u32 = 3;
/// Seed of the training split.
pub const SEQ_TRAIN_SEED: u64 = 0x5EED_5E90_0000_0001;
/// Seed of the held-out test split.
pub const SEQ_TEST_SEED: u64 = 0x5EED_5E90_0000_7E57;
/// Size of the held-out test split (small because the scalar transformer in wasm is slow).
pub const SEQ_TEST_SIZE: usize = 2_000;
/// SHA-256 of [`test_split()`] as computed by [`SeqSet::sha256_hex`], checked on every target.
pub const SEQ_TEST_SHA256: &str = "5f96da7fa1c605c23e5fe0a71b095b82b1649119a5a4fefbd2ae162c1e277739";

const SEQ_STREAM: u64 = 0x5345_5155_454E;

/// A set of labelled token sequences: `tokens` is `n × 64` row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct SeqSet {
    /// Number of sequences.
    pub n: usize,
    /// `n × SEQ_LEN` token ids, each `< VOCAB`.
    pub tokens: Vec<u8>,
    /// `n` labels in `0..SEQ_CLASSES`.
    pub labels: Vec<u8>,
}

impl SeqSet {
    /// Sequences `start..start + count` as `u32` ids (what the embedding kernel takes), clamped at `n`.
    pub fn tokens_u32(&self, start: usize, count: usize) -> Vec<u32> {
        let s = start.min(self.n);
        let e = start.saturating_add(count).min(self.n);
        self.tokens[s * SEQ_LEN..e * SEQ_LEN].iter().map(|&t| t as u32).collect()
    }

    /// SHA-256, lowercase hex, over: `n` as a little-endian `u64`, then the `n` label bytes, then the
    /// `n × 64` token bytes.
    pub fn sha256_hex(&self) -> String {
        let mut h = Sha256::new();
        h.update((self.n as u64).to_le_bytes());
        h.update(&self.labels);
        h.update(&self.tokens);
        hex(&h.finalize())
    }

    /// How many sequences of each class.
    pub fn class_counts(&self) -> [usize; SEQ_CLASSES] {
        let mut c = [0; SEQ_CLASSES];
        for &l in &self.labels {
            c[l as usize % SEQ_CLASSES] += 1;
        }
        c
    }

    /// Accuracy of always answering the most common class (0 for an empty set).
    pub fn majority_rate(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        *self.class_counts().iter().max().unwrap_or(&0) as f64 / self.n as f64
    }
}

/// The task's rule: the class of the first marker token in `tokens`, or `None` if there is none.
pub fn label_of(tokens: &[u8]) -> Option<u8> {
    tokens.iter().find(|&&t| t >= MARKER_BASE).map(|&t| t - MARKER_BASE)
}

/// Writes item `index` of the set with `seed` into `out` (64 tokens) and returns its label.
///
/// # Panics
/// If `out.len() != SEQ_LEN`.
pub fn generate_item(seed: u64, index: u64, out: &mut [u8]) -> u8 {
    assert_eq!(out.len(), SEQ_LEN, "generate_item needs a {SEQ_LEN}-token buffer");
    let label = block_label(seed, index, SEQ_CLASSES as u32);
    let mut r = SplitMix64::for_item(seed, SEQ_STREAM, index);
    // 1. The multiset, independent of the label: each marker 1..=3 times, random distractors.
    let mut pos = 0;
    for m in 0..SEQ_CLASSES as u8 {
        for _ in 0..1 + r.below(MAX_MARKER_COUNT) {
            out[pos] = MARKER_BASE + m;
            pos += 1;
        }
    }
    for t in out[pos..].iter_mut() {
        *t = r.below(MARKER_BASE as u32) as u8;
    }
    // 2. A uniformly random order.
    r.shuffle(out);
    // 3. Impose the label without changing the multiset: swap the first marker with the first
    //    occurrence of the label's marker (which comes later, or is that same first marker).
    let want = MARKER_BASE + label;
    let first = out.iter().position(|&t| t >= MARKER_BASE).expect("every marker is present");
    let target = out.iter().position(|&t| t == want).expect("every marker is present");
    out.swap(first, target);
    label
}

/// `n` sequences from `seed`.
pub fn generate(seed: u64, n: usize) -> SeqSet {
    let mut tokens = vec![0u8; n * SEQ_LEN];
    let mut labels = Vec::with_capacity(n);
    for (i, seq) in tokens.chunks_exact_mut(SEQ_LEN).enumerate() {
        labels.push(generate_item(seed, i as u64, seq));
    }
    SeqSet { n, tokens, labels }
}

/// The training split: the first `n` items of [`SEQ_TRAIN_SEED`].
pub fn train_split(n: usize) -> SeqSet {
    generate(SEQ_TRAIN_SEED, n)
}

/// The held-out test split: [`SEQ_TEST_SIZE`] items of [`SEQ_TEST_SEED`].
pub fn test_split() -> SeqSet {
    generate(SEQ_TEST_SEED, SEQ_TEST_SIZE)
}
