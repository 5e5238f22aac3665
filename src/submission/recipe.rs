//! Built-in recipes: the page's way to make an entry without leaving the browser. A recipe turns the
//! event's reference package into an entry package (pruned, quantized, or both) that goes through
//! exactly the same validation and scoring as an uploaded one.
use crate::events::{self, EventId};
use crate::format::{META_DESCRIPTION, META_KERNELS, META_RECIPE};
use crate::models::{optimize, optimized};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Highest sparsity the slider offers.
pub const MAX_SPARSITY: f64 = 0.95;

/// A built-in recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// The event.
    pub event: EventId,
    /// Quantize every dense layer to INT8 (per-channel weights, calibrated activation scale).
    #[serde(default)]
    pub quantize: bool,
    /// Fraction of weights to prune (unstructured, Wanda scores) in the event's prunable layers
    /// (`models::optimized::unstructured_plan`; classifier heads stay dense). 0 = no pruning.
    #[serde(default)]
    pub sparsity: f64,
    /// `scalar` for the baseline kernels; otherwise (`simd128` or absent) the fast table for what the
    /// recipe made: `int8` when quantized, `sparse` when pruned, else `simd128`.
    #[serde(default)]
    pub kernels: Option<String>,
}

impl Recipe {
    /// Plain words for the description field.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.sparsity > 0.0 {
            parts.push(format!("unstructured pruning to {:.0}% (Wanda scores, one-shot)", self.sparsity * 100.0));
        }
        if self.quantize {
            parts.push("INT8 quantization (per-channel weights, calibrated activations)".into());
        }
        match self.kernels.as_deref() {
            Some("scalar") => parts.push("scalar kernels".into()),
            _ => parts.push("SIMD128 kernels".into()),
        }
        format!("Built-in recipe: {}", parts.join(" + "))
    }
}

/// Builds the recipe's package bytes.
pub fn build_recipe(r: &Recipe) -> Result<Vec<u8>> {
    if !(0.0..=MAX_SPARSITY).contains(&r.sparsity) {
        return Err(Error::format("recipe", format!("sparsity {} must be between 0 and {MAX_SPARSITY}", r.sparsity)));
    }
    let (mut model, mut package) = events::load_model(r.event)?;
    let calib = optimize::calibration_set(r.event, optimize::CALIBRATION_SAMPLES);
    if r.sparsity > 0.0 {
        let plan: Vec<(&str, f64)> = optimized::unstructured_plan(r.event).iter().map(|(l, _)| (*l, r.sparsity)).collect();
        optimized::prune_unstructured(&mut model, &calib, &plan)?;
    }
    if r.quantize {
        optimize::quantize_int8(&mut model, &calib)?;
    }
    model.store_linears(&mut package)?;
    // `scalar` keeps the scalar table even when quantized or pruned: it asked for it. Otherwise the
    // fast table that reads what the recipe made: INT8 layers, sparse layers, or plain SIMD128.
    let kernels = match r.kernels.as_deref() {
        Some("scalar") => "scalar",
        Some("simd128") | None if r.quantize => "int8",
        Some("simd128") | None if r.sparsity > 0.0 => "sparse",
        Some("simd128") | None => "simd128",
        Some(k) => {
            super::entry_model::table(k)?;
            k
        }
    };
    package.set_meta(META_KERNELS, kernels);
    package.set_meta(META_RECIPE, serde_json::to_string(r).map_err(|e| Error::format("recipe", e.to_string()))?);
    package.set_meta(META_DESCRIPTION, r.describe());
    // The trainer's accuracy figures describe the reference weights, not these.
    for k in [crate::format::META_HELDOUT_ACCURACY, crate::format::META_HELDOUT_CORRECT] {
        package.metadata_mut().remove(k);
    }
    package.to_bytes()
}

