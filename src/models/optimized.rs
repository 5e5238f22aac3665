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
use crate::kernels::gemm;
use crate::Result;

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
