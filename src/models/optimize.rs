//! Turning a reference model into an optimized entry: INT8 calibration and quantization, and
//! magnitude pruning. Both act on the model's dense layers (`Model::linears_mut`), and INT8 also on
//! the CNN's convolutions (`Model::convs_mut`, except [`FP32_CONVS`]); the matching kernel tables
//! (`kernels::int8()`, `kernels::sparse()`) then pick up the new weight forms. Attention, LayerNorm
//! and softmax stay fp32.
use super::{Dataset, Model};
use crate::data::{digits, sequences};
use crate::events::{self, DatasetKind, EventId};
use crate::kernels::{self, gemm, quant, Act, DenseWeights};
use crate::Result;
use std::cell::RefCell;
use std::collections::HashMap;

/// Calibration samples drawn from the *training* split (never the held-out one).
pub const CALIBRATION_SAMPLES: usize = 512;

/// The first `n` training samples of an event's dataset.
pub fn calibration_set(id: EventId, n: usize) -> Dataset {
    match events::spec(id).dataset {
        DatasetKind::Digits => Dataset::Digits(digits::train_split(n)),
        DatasetKind::Sequences => Dataset::Sequences(sequences::train_split(n)),
    }
}

/// What calibration saw at one dense layer's input.
#[derive(Debug, Clone, Default)]
struct InputStats {
    /// Rows seen.
    rows: usize,
    max_abs: f32,
    /// Σ x² per input feature (f64: hundreds of thousands of terms).
    sum_sq: Vec<f64>,
}

thread_local! {
    /// Input statistics per dense layer, keyed by the layer's weight address, while calibrating.
    static SEEN: RefCell<HashMap<usize, InputStats>> = RefCell::new(HashMap::new());
    /// Largest |input| per convolution, keyed by its weight tensor's address, while calibrating.
    static SEEN_CONV: RefCell<HashMap<usize, f32>> = RefCell::new(HashMap::new());
}

/// A scalar-table `conv3x3` that records the largest |input| of each convolution, then computes as
/// the baseline.
fn recording_conv3x3(s: kernels::Conv3x3Shape, x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]) {
    let len = (s.n * s.cin * s.h * s.w).min(x.len());
    SEEN_CONV.with(|t| {
        let mut t = t.borrow_mut();
        let e = t.entry(w.as_ptr() as usize).or_insert(0.0);
        *e = x[..len].iter().fold(*e, |a, v| a.max(v.abs()));
    });
    kernels::conv::scalar::f32_conv3x3(s, x, w, b, act, out)
}

/// A scalar-table `linear` that records each layer's input statistics, then computes as the baseline.
fn recording_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let k = w.k();
    SEEN.with(|t| {
        let mut t = t.borrow_mut();
        let e = t.entry(w as *const DenseWeights as usize).or_default();
        e.sum_sq.resize(k, 0.0);
        e.rows += rows;
        for row in x[..rows * k].chunks_exact(k.max(1)) {
            for (s, &v) in e.sum_sq.iter_mut().zip(row) {
                *s += (v as f64) * (v as f64);
                e.max_abs = e.max_abs.max(v.abs());
            }
        }
    });
    gemm::scalar::f32_linear(rows, x, w, bias, act, out)
}

/// Runs `calib` through the model once and returns what each dense layer's input looked like.
fn observe(model: &Model, calib: &Dataset) -> Result<HashMap<usize, InputStats>> {
    Ok(observe_all(model, calib)?.0)
}

/// [`observe`], plus each convolution's largest |input| (keyed by its weight address). Convolutions
/// run fp32 here (the scalar table has no INT8 convolution), as the reference does.
fn observe_all(model: &Model, calib: &Dataset) -> Result<(HashMap<usize, InputStats>, HashMap<usize, f32>)> {
    SEEN.with(|t| t.borrow_mut().clear());
    SEEN_CONV.with(|t| t.borrow_mut().clear());
    let mut table = kernels::scalar();
    table.linear = recording_linear;
    table.conv3x3 = recording_conv3x3;
    let mut start = 0;
    while start < calib.len() {
        let count = super::EVAL_BATCH.min(calib.len() - start);
        model.forward(&table, calib.inputs(start, count).as_input(), count)?;
        start += count;
    }
    Ok((SEEN.with(|t| std::mem::take(&mut *t.borrow_mut())), SEEN_CONV.with(|t| std::mem::take(&mut *t.borrow_mut()))))
}

fn key(w: &DenseWeights) -> usize {
    w as *const DenseWeights as usize
}

/// RMS of every input feature of every dense layer over `calib`, by layer name (the reference model's
/// statistics: scalar table). Takes `&mut` only to list the layers by name.
pub fn input_rms(model: &mut Model, calib: &Dataset) -> Result<HashMap<String, Vec<f32>>> {
    let seen = observe(model, calib)?;
    let mut out = HashMap::new();
    for (name, l) in model.linears_mut() {
        if let Some(st) = seen.get(&key(&l.weight)) {
            let n = st.rows.max(1) as f64;
            out.insert(name, st.sum_sq.iter().map(|v| (v / n).sqrt() as f32).collect());
        }
    }
    Ok(out)
}

/// Convolutions that stay fp32 in an INT8 entry: the CNN's first one (1 input channel, 9 taps per
/// output: too short a dot product for the INT8 im2col kernel to beat the fp32 one).
pub const FP32_CONVS: &[&str] = &["conv1"];

/// Calibrates per-tensor activation scales (max-abs over `calib`) and quantizes every dense layer's
/// and every convolution's (but [`FP32_CONVS`]) weights per output channel. Returns
/// `(layer, activation scale)` pairs, convolutions first.
pub fn quantize_int8(model: &mut Model, calib: &Dataset) -> Result<Vec<(String, f32)>> {
    let (seen, seen_conv) = observe_all(model, calib)?;
    let mut scales = Vec::new();
    for (name, c) in model.convs_mut() {
        if FP32_CONVS.contains(&name.as_str()) {
            continue;
        }
        let s = quant::scale_for(seen_conv.get(&(c.weight.as_ptr() as usize)).copied().unwrap_or(0.0));
        c.quantize(s);
        scales.push((name, s));
    }
    for (name, l) in model.linears_mut() {
        let s = quant::scale_for(seen.get(&key(&l.weight)).map_or(0.0, |st| st.max_abs));
        l.weight.quantize(s);
        scales.push((name, s));
    }
    Ok(scales)
}

/// Prunes the named dense layers in 1×8 blocks to the given sparsities, scoring each block by its
/// weight norm times its input's RMS over `calib` (training data, [`input_rms`]); returns each pruned layer's achieved
/// block density. Unknown names are an error that lists the model's layers.
pub fn prune(model: &mut Model, calib: &Dataset, plan: &[(&str, f64)]) -> Result<Vec<(String, f64)>> {
    let rms = input_rms(model, calib)?;
    let mut layers = model.linears_mut();
    let mut out = Vec::new();
    for &(want, sparsity) in plan {
        let l = super::find_layer(&mut layers, want)?;
        l.weight.prune_blocks(sparsity, rms.get(want).map(Vec::as_slice));
        out.push((want.to_string(), l.weight.sparse.as_ref().map_or(1.0, |s| s.block_density())));
    }
    Ok(out)
}

/// The pruning plan of the shipped sparse entry per event: the dense layers that hold most of the
/// FLOPs. MLP and transformer: fine-tuned under this plan (`events::sparse_weights`; one-shot pruning
/// of the transformer's FFN loses 2 pp already at 30%). CNN: one-shot, at the highest sparsity that
/// keeps held-out accuracy within 1 percentage point (`examples/prune_sweep.rs`; figures in README).
pub fn default_prune_plan(id: EventId) -> &'static [(&'static str, f64)] {
    match id {
        EventId::MlpSprint => &[("fc1", 0.85), ("fc2", 0.5)],
        EventId::CnnMarathon => &[("fc", 0.6)],
        EventId::TransformerDecathlon => &[("blocks.0.ffn.fc1", 0.5), ("blocks.0.ffn.fc2", 0.5), ("blocks.1.ffn.fc1", 0.5), ("blocks.1.ffn.fc2", 0.5)],
    }
}

/// Gives the named layers their block-sparse form from the zeros already in their weights (a sparse
/// entry's package, fine-tuned with the pruned blocks held at zero). Returns each layer's block density.
pub fn sparsify(model: &mut Model, layers: &[&str]) -> Result<Vec<(String, f64)>> {
    let mut all = model.linears_mut();
    let mut out = Vec::new();
    for &want in layers {
        let l = super::find_layer(&mut all, want)?;
        let s = gemm::sparse::SparseWeights::from_dense(l.weight.k(), l.weight.n(), &l.weight.kn);
        out.push((want.to_string(), s.block_density()));
        l.weight.sparse = Some(s);
    }
    Ok(out)
}

/// The INT8 entry of an event: the reference model with every dense layer (and the CNN's second
/// convolution) quantized, activation
/// scales calibrated on the first [`CALIBRATION_SAMPLES`] training samples.
pub fn int8_model(id: EventId) -> Result<Model> {
    let (mut model, _) = events::load_model(id)?;
    quantize_int8(&mut model, &calibration_set(id, CALIBRATION_SAMPLES))?;
    Ok(model)
}

/// The sparse entry of an event: the committed fine-tuned sparse package where there is one, else the
/// reference model pruned one-shot under [`default_prune_plan`].
pub fn sparse_model(id: EventId) -> Result<Model> {
    let plan = default_prune_plan(id);
    match events::sparse_weights(id) {
        Some(bytes) => {
            let mut model = Model::from_package(&crate::format::Package::parse(bytes)?)?;
            let layers: Vec<&str> = plan.iter().map(|(l, _)| *l).collect();
            sparsify(&mut model, &layers)?;
            Ok(model)
        }
        None => {
            let (mut model, _) = events::load_model(id)?;
            prune(&mut model, &calibration_set(id, CALIBRATION_SAMPLES), plan)?;
            Ok(model)
        }
    }
}
