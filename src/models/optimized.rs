//! Unstructured sparse entries: one-shot, calibration-scored magnitude pruning of the dense layers,
//! run by the sparse table's CSC kernel (`kernels::gemm::sparse`). This sits beside
//! [`super::optimize`] (INT8 calibration and 1×8 *block* pruning): unstructured pruning keeps far
//! more accuracy at the same sparsity (no fine-tune needed), and the CSC kernel, which vectorizes
//! over the batch, turns it into speed wherever a layer sees ≥ 8 rows (MLP at batch 64, the
//! transformer's 64 tokens); at batch 1 the sparse table falls back to the dense kernel.
//!
//! Criterion: Wanda (Sun et al., 2023): weight `w[r, j]` scores `|w[r, j]| · ‖x_r‖`, the RMS of input
//! feature `r` over [`super::optimize::CALIBRATION_SAMPLES`] *training* samples, and the layer keeps
//! its `round((1 − s)·k·n)` best-scoring weights (one threshold per layer: measured better here than
//! Wanda's per-output-column quota, e.g. MLP fc1 at 80%: −0.58 pp against −0.67 pp). The RMS factor
//! matters: a weight on a pixel that is always 0 (the digit images' border) is free to drop whatever
//! its magnitude.
//!
//! A `model.forward(&kernels::sparse(), input, batch)` on the result is the sparse entry, as with the
//! block-pruned models: the pruning lives in each layer's [`crate::kernels::DenseWeights`] (`kn` and `packed` are
//! pruned too, so every table computes the same function; `sparse` holds the CSC form).
use super::optimize::{calibration_set, input_rms, CALIBRATION_SAMPLES};
use super::{Dataset, Model};
use crate::events::{self, EventId};
use crate::kernels::{self, gemm, Act};
use crate::{Error, Result};

/// Per-layer sparsity of an unstructured plan: `(layer name, fraction of weights zeroed)`.
pub type Plan = &'static [(&'static str, f64)];

/// The unstructured pruning plan per event: each layer group at the highest sparsity (steps of 5–10%)
/// that keeps the held-out accuracy of the whole plan, one-shot, within 1 percentage point of fp32
/// (the kernel benchmark's budget; the competition's closed division also asks for ≥ 99% prediction
/// agreement on fresh inputs, which the MLP plan, at 98.2–98.8%, misses: see docs/rules.md).
/// Measured natively (`unstructured_sweep` and `unstructured_plan_from_env` in `tests/int8_sparse.rs`):
///
/// | event | plan | fp32 | sparse |
/// |---|---|---|---|
/// | MLP | fc1 80%, fc2 60% | 98.09% | 97.29% (−0.80 pp) |
/// | CNN | fc 75% | 99.16% | 98.41% (−0.75 pp) |
/// | Transformer | every q/k/v/o and FFN layer 50% | 98.65% | 98.00% (−0.65 pp) |
///
/// One step further breaks the budget: MLP fc1 85% −1.25 pp; CNN fc 80% −1.26 pp; transformer FFN
/// 60% −1.50 pp, attention 70% −1.15 pp. The classifier heads (MLP fc3, transformer head) stay dense.
pub fn unstructured_plan(id: EventId) -> Plan {
    const ATTN_FFN_50: Plan = &[
        ("blocks.0.attn.q", 0.5),
        ("blocks.0.attn.k", 0.5),
        ("blocks.0.attn.v", 0.5),
        ("blocks.0.attn.o", 0.5),
        ("blocks.0.ffn.fc1", 0.5),
        ("blocks.0.ffn.fc2", 0.5),
        ("blocks.1.attn.q", 0.5),
        ("blocks.1.attn.k", 0.5),
        ("blocks.1.attn.v", 0.5),
        ("blocks.1.attn.o", 0.5),
        ("blocks.1.ffn.fc1", 0.5),
        ("blocks.1.ffn.fc2", 0.5),
    ];
    match id {
        EventId::MlpSprint => &[("fc1", 0.8), ("fc2", 0.6)],
        EventId::CnnMarathon => &[("fc", 0.75)],
        EventId::TransformerDecathlon => ATTN_FFN_50,
    }
}

/// Prunes the named layers unstructured (Wanda scores, one threshold per layer) to the given sparsities and
/// gives them their sparse form. Returns `(layer, achieved density)`. Unknown names are an error that
/// lists the model's layers.
pub fn prune_unstructured(model: &mut Model, calib: &Dataset, plan: &[(&str, f64)]) -> Result<Vec<(String, f64)>> {
    let rms = input_rms(model, calib)?;
    let mut layers = model.linears_mut();
    let mut out = Vec::new();
    for &(want, sparsity) in plan {
        let l = super::find_layer(&mut layers, want)?;
        let w = &mut l.weight;
        let (k, n) = (w.k(), w.n());
        gemm::sparse::prune_unstructured_scored(k, n, &mut w.kn, sparsity, rms.get(want).map(Vec::as_slice), false);
        w.packed = gemm::PackedB::pack(k, n, &w.kn);
        let s = gemm::sparse::SparseWeights::from_dense(k, n, &w.kn);
        out.push((want.to_string(), s.density()));
        w.sparse = Some(s);
    }
    Ok(out)
}

/// The unstructured sparse entry of an event: the reference model pruned one-shot under
/// [`unstructured_plan`], calibrated on the first [`CALIBRATION_SAMPLES`] training samples.
pub fn unstructured_model(id: EventId) -> Result<Model> {
    let (mut model, _) = events::load_model(id)?;
    prune_unstructured(&mut model, &calibration_set(id, CALIBRATION_SAMPLES), unstructured_plan(id))?;
    Ok(model)
}

/// The CNN with its second convolution *and* its classifier in INT8 (conv1, 1 input channel and 20%
/// of the FLOPs, stays fp32): conv2 runs as an im2col INT8 GEMM (`kernels::quant::Int8Conv`,
/// `kernels::gemm::int8::i8_conv3x3`), the classifier through the table's `linear` slot on INT8
/// weights. Activation scales are max-abs over [`CALIBRATION_SAMPLES`] training samples.
///
/// Built from the event's package (the canonical [`super::Cnn`] keeps its convolutions private);
/// `forward` computes the same function as the reference CNN up to quantization.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Cnn {
    conv1_w: Vec<f32>,
    conv1_b: Vec<f32>,
    conv2: kernels::quant::Int8Conv,
    conv2_b: Vec<f32>,
    fc: super::Linear,
}

impl Int8Cnn {
    /// Loads the CNN's package and calibrates both INT8 layers on `calib`.
    pub fn from_package(p: &crate::format::Package, calib: &Dataset) -> Result<Self> {
        use super::Cnn;
        let [c1, c2] = Cnn::CHANNELS;
        let conv1_w = p.tensor("conv1.weight", &[c1, 1, 3, 3])?.to_vec();
        let conv1_b = p.tensor("conv1.bias", &[c1])?.to_vec();
        let conv2_w = p.tensor("conv2.weight", &[c2, c1, 3, 3])?.to_vec();
        let conv2_b = p.tensor("conv2.bias", &[c2])?.to_vec();
        let fc = super::Linear::from_package(p, "fc", Cnn::FLAT, Cnn::CLASSES)?;
        // Calibration: run the fp32 path (scalar table) and record the inputs' max |x|.
        let mut m = Int8Cnn { conv1_w, conv1_b, conv2: kernels::quant::Int8Conv::new(c1, c2, &conv2_w, 1.0), conv2_b, fc };
        let table = kernels::scalar();
        let (mut max2, mut max_fc) = (0.0f32, 0.0f32);
        let mut start = 0;
        while start < calib.len() {
            let count = super::EVAL_BATCH.min(calib.len() - start);
            let x = match calib.inputs(start, count) {
                super::OwnedInput::Pixels(x) => x,
                super::OwnedInput::Tokens(_) => return Err(Error::format("calibration set", "the CNN takes pixels")),
            };
            let p1 = m.stage1(&table, &x, count);
            max2 = p1.iter().fold(max2, |a, v| a.max(v.abs()));
            let mut a2 = vec![0.0; count * c2 * 196];
            (table.conv3x3)(kernels::Conv3x3Shape { n: count, cin: c1, cout: c2, h: 14, w: 14 }, &p1, &conv2_w, &m.conv2_b, Act::Relu, &mut a2);
            let mut p2 = vec![0.0; count * Cnn::FLAT];
            (table.maxpool2)(count * c2, 14, 14, &a2, &mut p2);
            max_fc = p2.iter().fold(max_fc, |a, v| a.max(v.abs()));
            start += count;
        }
        m.conv2 = kernels::quant::Int8Conv::new(c1, c2, &conv2_w, kernels::quant::scale_for(max2));
        m.fc.weight.quantize(kernels::quant::scale_for(max_fc));
        Ok(m)
    }

    /// The INT8 CNN of the CNN Marathon event.
    pub fn for_event() -> Result<Self> {
        let (_, p) = events::load_model(EventId::CnnMarathon)?;
        Self::from_package(&p, &calibration_set(EventId::CnnMarathon, CALIBRATION_SAMPLES))
    }

    /// conv1 + ReLU + max-pool (fp32, through the table).
    fn stage1(&self, k: &kernels::Kernels, x: &[f32], batch: usize) -> Vec<f32> {
        let c1 = super::Cnn::CHANNELS[0];
        let mut a1 = vec![0.0; batch * c1 * 784];
        (k.conv3x3)(kernels::Conv3x3Shape { n: batch, cin: 1, cout: c1, h: 28, w: 28 }, x, &self.conv1_w, &self.conv1_b, Act::Relu, &mut a1);
        let mut p1 = vec![0.0; batch * c1 * 196];
        (k.maxpool2)(batch * c1, 28, 28, &a1, &mut p1);
        p1
    }

    /// Logits (`batch × 10`). conv2 runs the fastest INT8 convolution of this build (SIMD in wasm,
    /// the reference natively); the classifier runs `k.linear`, INT8 under `kernels::int8()`.
    pub fn forward(&self, k: &kernels::Kernels, input: &[f32], batch: usize) -> Result<Vec<f32>> {
        use super::Cnn;
        crate::check_len("CNN input (batch × 1×28×28 pixels)", input, batch * Cnn::INPUT)?;
        let [c1, c2] = Cnn::CHANNELS;
        let p1 = self.stage1(k, input, batch);
        let conv = kernels::quant::conv_variants().last().expect("the reference is always there").1;
        let mut a2 = vec![0.0; batch * c2 * 196];
        conv(kernels::Conv3x3Shape { n: batch, cin: c1, cout: c2, h: 14, w: 14 }, &p1, &self.conv2, &self.conv2_b, Act::Relu, &mut a2);
        let mut p2 = vec![0.0; batch * Cnn::FLAT];
        (k.maxpool2)(batch * c2, 14, 14, &a2, &mut p2);
        Ok(self.fc.apply(k, &p2, batch, Act::None))
    }

    /// Fraction of `data` classified correctly (batches of [`super::EVAL_BATCH`]).
    pub fn accuracy(&self, k: &kernels::Kernels, data: &Dataset) -> Result<f64> {
        let labels = data.labels();
        let (mut correct, mut start) = (0, 0);
        while start < data.len() {
            let count = super::EVAL_BATCH.min(data.len() - start);
            let x = match data.inputs(start, count) {
                super::OwnedInput::Pixels(x) => x,
                super::OwnedInput::Tokens(_) => return Err(Error::format("data set", "the CNN takes pixels")),
            };
            let logits = self.forward(k, &x, count)?;
            let preds = super::argmax_rows(&logits, super::Cnn::CLASSES);
            correct += preds.iter().zip(&labels[start..start + count]).filter(|(p, &l)| **p == l as usize).count();
            start += count;
        }
        Ok(if data.is_empty() { 0.0 } else { correct as f64 / data.len() as f64 })
    }
}
