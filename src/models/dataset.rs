//! A labelled held-out set for any event, and accuracy measured in bounded-memory batches.
use super::{argmax_rows, Input, Model};
use crate::data::{digits::DigitSet, sequences::SeqSet};
use crate::kernels::Kernels;
use crate::{Error, Result};

/// Samples per forward call in [`accuracy`]: large enough for the GEMMs to be efficient, small enough
/// that the transformer's activations (64 tokens × 256 FFN width per sample) stay around 4 MiB.
pub const EVAL_BATCH: usize = 64;

/// The data an event is scored on.
#[derive(Debug, Clone, PartialEq)]
pub enum Dataset {
    /// 28×28 digit images (MLP Sprint, CNN Marathon).
    Digits(DigitSet),
    /// 64-token sequences (Transformer Decathlon).
    Sequences(SeqSet),
}

/// One batch of inputs, owned; borrow it as an [`Input`] with [`OwnedInput::as_input`].
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedInput {
    /// `count × 784` pixels in `[0, 1]`.
    Pixels(Vec<f32>),
    /// `count × 64` token ids.
    Tokens(Vec<u32>),
}

impl OwnedInput {
    /// The batch padded to `batch` samples by repeating its first sample (an empty batch stays empty).
    pub fn padded(self, batch: usize) -> Self {
        fn pad<T: Copy>(mut v: Vec<T>, per: usize, batch: usize) -> Vec<T> {
            if v.len() >= per {
                let first: Vec<T> = v[..per].to_vec();
                while v.len() < batch * per {
                    v.extend_from_slice(&first);
                }
            }
            v
        }
        match self {
            OwnedInput::Pixels(p) => OwnedInput::Pixels(pad(p, crate::data::digits::IMAGE_PIXELS, batch)),
            OwnedInput::Tokens(t) => OwnedInput::Tokens(pad(t, crate::data::sequences::SEQ_LEN, batch)),
        }
    }

    /// Borrows the batch for [`Model::forward`].
    pub fn as_input(&self) -> Input<'_> {
        match self {
            OwnedInput::Pixels(p) => Input::Pixels(p),
            OwnedInput::Tokens(t) => Input::Tokens(t),
        }
    }
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Dataset::Digits(d) => d.n,
            Dataset::Sequences(s) => s.n,
        }
    }

    /// True when the set has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One label per sample.
    pub fn labels(&self) -> &[u8] {
        match self {
            Dataset::Digits(d) => &d.labels,
            Dataset::Sequences(s) => &s.labels,
        }
    }

    /// Samples `start..start + count` (clamped at the end) as model input.
    pub fn inputs(&self, start: usize, count: usize) -> OwnedInput {
        match self {
            Dataset::Digits(d) => OwnedInput::Pixels(d.batch_f32(start, count)),
            Dataset::Sequences(s) => OwnedInput::Tokens(s.tokens_u32(start, count)),
        }
    }
}

/// Number of samples of `data` whose argmax logit equals the label, evaluated in batches of `batch`.
pub fn count_correct(model: &Model, k: &Kernels, data: &Dataset, batch: usize) -> Result<usize> {
    if batch == 0 {
        return Err(Error::Limit { what: "evaluation batch size".into(), got: 0, limit: 1 });
    }
    let labels = data.labels();
    let mut correct = 0;
    let mut start = 0;
    while start < data.len() {
        let count = batch.min(data.len() - start);
        let logits = model.forward(k, data.inputs(start, count).as_input(), count)?;
        let preds = argmax_rows(&logits, model.classes());
        correct += preds.iter().zip(&labels[start..start + count]).filter(|(p, &l)| **p == l as usize).count();
        start += count;
    }
    Ok(correct)
}

/// Fraction of `data` classified correctly, in batches of [`EVAL_BATCH`]. An empty set gives 0.
pub fn accuracy(model: &Model, k: &Kernels, data: &Dataset) -> Result<f64> {
    let correct = count_correct(model, k, data, EVAL_BATCH)?;
    Ok(if data.is_empty() { 0.0 } else { correct as f64 / data.len() as f64 })
}
