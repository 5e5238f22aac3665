//! Training data: the event's training split (or real MNIST), served as shuffled candle batches.
use anyhow::{bail, Result};
use candle_core::{Device, Tensor};
use std::path::Path;
use tinymlperf::data::digits::{self, DigitSet, IMAGE_PIXELS};
use tinymlperf::data::idx::{load_mnist_dir, MnistSplit};
use tinymlperf::data::rng::SplitMix64;
use tinymlperf::data::sequences::{self, SeqSet, SEQ_LEN};
use tinymlperf::events::{self, DatasetKind, EventId};

/// A training set for one event.
pub enum TrainSet {
    /// Digit images.
    Digits(DigitSet),
    /// Token sequences.
    Sequences(SeqSet),
}

impl TrainSet {
    /// The event's training split of `n` samples: generated digits, real MNIST from `mnist_dir`
    /// (the first `n` of its training file), or generated sequences.
    pub fn load(id: EventId, n: usize, mnist_dir: Option<&Path>) -> Result<(Self, &'static str)> {
        Ok(match (events::spec(id).dataset, mnist_dir) {
            (DatasetKind::Digits, None) => (TrainSet::Digits(digits::train_split(n)), "procedural-digits"),
            (DatasetKind::Digits, Some(dir)) => {
                let mut set = load_mnist_dir(dir, MnistSplit::Train)?;
                let n = n.min(set.n);
                set.images.truncate(n * IMAGE_PIXELS);
                set.labels.truncate(n);
                set.n = n;
                (TrainSet::Digits(set), "mnist")
            }
            (DatasetKind::Sequences, None) => (TrainSet::Sequences(sequences::train_split(n)), "procedural-sequences"),
            (DatasetKind::Sequences, Some(_)) => bail!("--mnist-dir only applies to the digit events"),
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            TrainSet::Digits(d) => d.n,
            TrainSet::Sequences(s) => s.n,
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inputs and `u32` labels for the samples at `idx`. Pixels are converted exactly as the product
    /// does (`DigitSet::image_f32`), so training and scoring see bit-identical inputs.
    pub fn batch(&self, idx: &[usize], device: &Device) -> Result<(Tensor, Tensor)> {
        let b = idx.len();
        match self {
            TrainSet::Digits(d) => {
                let mut x = Vec::with_capacity(b * IMAGE_PIXELS);
                for &i in idx {
                    x.extend(d.image_f32(i));
                }
                let y: Vec<u32> = idx.iter().map(|&i| d.labels[i] as u32).collect();
                Ok((Tensor::from_vec(x, (b, IMAGE_PIXELS), device)?, Tensor::from_vec(y, b, device)?))
            }
            TrainSet::Sequences(s) => {
                let mut x = Vec::with_capacity(b * SEQ_LEN);
                for &i in idx {
                    x.extend(s.tokens_u32(i, 1));
                }
                let y: Vec<u32> = idx.iter().map(|&i| s.labels[i] as u32).collect();
                Ok((Tensor::from_vec(x, (b, SEQ_LEN), device)?, Tensor::from_vec(y, b, device)?))
            }
        }
    }
}

/// The sample order of epoch `epoch`: a Fisher-Yates shuffle from a stream derived from the training
/// seed and the epoch, so each epoch's order is reproducible on its own.
pub fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::for_item(seed, 0x5348_5546, epoch as u64);
    rng.shuffle(&mut order);
    order
}
