//! Reference logits for the product's tests: the scalar forward pass on the first
//! [`FIXTURE_SAMPLES`] held-out inputs, written to `tests/fixtures/<event>_logits100.json`.
use anyhow::Result;
use std::path::{Path, PathBuf};
use tinymlperf::events::{self, EventId};
use tinymlperf::format::Package;
use tinymlperf::kernels;
use tinymlperf::models::{Model, EVAL_BATCH};

/// Held-out samples per fixture.
pub const FIXTURE_SAMPLES: usize = 100;

/// The fixture file of an event inside `dir`.
pub fn fixture_path(dir: &Path, id: EventId) -> PathBuf {
    dir.join(format!("{}_logits100.json", id.as_str()))
}

/// Computes the fixture JSON for `package`: `{event, weights_sha256, kernels, samples, classes,
/// logits: [[f32; classes]; samples]}`. Floats are written in shortest round-trip form, so reading
/// them back as `f32` gives the exact computed values.
pub fn fixture_json(id: EventId, package: &Package) -> Result<String> {
    let model = Model::from_package(package)?;
    let data = events::heldout(id);
    let k = kernels::scalar();
    let classes = model.classes();
    let mut rows: Vec<Vec<f32>> = Vec::with_capacity(FIXTURE_SAMPLES);
    // Same batching as the accuracy helper; the scalar kernels make each row independent of the batch.
    let mut start = 0;
    while start < FIXTURE_SAMPLES {
        let count = EVAL_BATCH.min(FIXTURE_SAMPLES - start);
        let logits = model.forward(&k, data.inputs(start, count).as_input(), count)?;
        rows.extend(logits.chunks_exact(classes).map(<[f32]>::to_vec));
        start += count;
    }
    let doc = serde_json::json!({
        "event": id.as_str(),
        "weights_sha256": package.data_sha256(),
        "kernels": k.name,
        "samples": FIXTURE_SAMPLES,
        "classes": classes,
        "logits": rows,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// Writes the fixture for the package at `weights` into `dir`; returns the file written.
pub fn write_fixture(id: EventId, weights: &Path, dir: &Path) -> Result<PathBuf> {
    let bytes = std::fs::read(weights).map_err(|e| anyhow::anyhow!("reading {}: {e}", weights.display()))?;
    let package = Package::parse(&bytes)?;
    std::fs::create_dir_all(dir)?;
    let path = fixture_path(dir, id);
    std::fs::write(&path, fixture_json(id, &package)?)?;
    Ok(path)
}
