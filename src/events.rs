//! The three events as data: id, model, input shape, dataset, accuracy threshold, and the committed
//! reference weights. With the default feature `embedded-weights` the weights are inside the binary
//! (native tools, tests); the page's build leaves them out, and its worker hands each file to
//! [`provide_weights`] when an event first needs it, checked against the SHA-256 recorded at build time.
//!
//! ```
//! use tinymlperf::events::{self, EventId};
//! let id: EventId = "mlp_sprint".parse().unwrap();
//! assert_eq!(events::spec(id).classes, 10);
//! assert!("mlp_marathon".parse::<EventId>().unwrap_err().to_string().contains("cnn_marathon"));
//! ```
use crate::data::{digits, sequences};
use crate::format::{Package, META_EVENT, META_HELDOUT_ACCURACY, META_HELDOUT_CORRECT, META_HELDOUT_TOTAL};
use crate::models::{Cnn, Dataset, Mlp, Model, Transformer};
use crate::{Error, Result};

/// An event of the competition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventId {
    /// MLP Sprint: a 3-layer MLP on 28×28 digits.
    MlpSprint,
    /// CNN Marathon: a 2-conv CNN on 28×28 digits.
    CnnMarathon,
    /// Transformer Decathlon: a 2-block encoder on 64-token sequences.
    TransformerDecathlon,
}

impl EventId {
    /// Every event, in display order.
    pub const ALL: [EventId; 3] = [EventId::MlpSprint, EventId::CnnMarathon, EventId::TransformerDecathlon];

    /// The stable string id (`mlp_sprint`, `cnn_marathon`, `transformer_decathlon`), used in file names,
    /// URLs and package metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            EventId::MlpSprint => "mlp_sprint",
            EventId::CnnMarathon => "cnn_marathon",
            EventId::TransformerDecathlon => "transformer_decathlon",
        }
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventId {
    type Err = Error;
    /// Parses a string id; [`Error::Unknown`] lists the known ids.
    fn from_str(s: &str) -> Result<Self> {
        EventId::ALL.into_iter().find(|e| e.as_str() == s).ok_or_else(|| Error::Unknown {
            kind: "event",
            name: s.into(),
            known: EventId::ALL.map(EventId::as_str).join(", "),
        })
    }
}

/// Which generated data set an event is scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// Procedural digits, held-out split [`digits::test_split`] (10,000 images).
    Digits,
    /// Synthetic sequences, held-out split [`sequences::test_split`] (2,000 sequences).
    Sequences,
}

/// Static description of one event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventSpec {
    /// Stable id.
    pub id: EventId,
    /// Human title.
    pub title: &'static str,
    /// Canonical architecture string (matches the package's `architecture` metadata).
    pub architecture: &'static str,
    /// Shape of one input sample (`[784]` pixels, `[1, 28, 28]` image, `[64]` token ids).
    pub input_shape: &'static [usize],
    /// Number of output classes.
    pub classes: usize,
    /// Held-out data set.
    pub dataset: DatasetKind,
    /// Minimum held-out accuracy a submission must keep (a fraction, e.g. 0.97).
    pub accuracy_threshold: f64,
    /// Samples per timed forward call.
    pub default_batch: usize,
}

static EVENTS: [EventSpec; 3] = [
    EventSpec {
        id: EventId::MlpSprint,
        title: "MLP Sprint",
        architecture: Mlp::ARCHITECTURE,
        input_shape: &[784],
        classes: Mlp::CLASSES,
        dataset: DatasetKind::Digits,
        accuracy_threshold: 0.97,
        // 64 rows makes each layer a real GEMM (64×784×128) rather than a matrix-vector product.
        default_batch: 64,
    },
    EventSpec {
        id: EventId::CnnMarathon,
        title: "CNN Marathon",
        architecture: Cnn::ARCHITECTURE,
        input_shape: &[1, 28, 28],
        classes: Cnn::CLASSES,
        dataset: DatasetKind::Digits,
        accuracy_threshold: 0.98,
        default_batch: 16,
    },
    EventSpec {
        id: EventId::TransformerDecathlon,
        title: "Transformer Decathlon",
        architecture: Transformer::ARCHITECTURE,
        input_shape: &[64],
        classes: Transformer::CLASSES,
        dataset: DatasetKind::Sequences,
        accuracy_threshold: 0.97,
        // One sequence already gives 64-row GEMMs; latency of a single request is what is timed.
        default_batch: 1,
    },
];

/// Every event, in display order.
pub fn events() -> &'static [EventSpec] {
    &EVENTS
}

/// The spec of one event.
pub fn spec(id: EventId) -> &'static EventSpec {
    EVENTS.iter().find(|e| e.id == id).expect("every EventId has a spec")
}

/// One committed weights file as recorded at build time (`build.rs`): what the page can show and check
/// before, or without, downloading it.
#[derive(Debug)]
pub struct WeightsFile {
    /// File stem: `mlp_sprint`, `mlp_sprint_sparse`, …; served as `weights/<name>.safetensors`.
    pub name: &'static str,
    /// Size in bytes.
    pub bytes: usize,
    /// Lowercase hex SHA-256 of the whole file.
    pub sha256: &'static str,
    /// The safetensors header (JSON: tensor shapes, dtypes and the package metadata).
    header: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/weights_catalog.rs"));

/// Every committed weights file (`weights/*.safetensors`), as recorded at build time.
pub fn weights_files() -> &'static [WeightsFile] {
    &FILES
}

fn weights_file(name: &str) -> Result<(usize, &'static WeightsFile)> {
    FILES.iter().enumerate().find(|(_, f)| f.name == name).ok_or_else(|| Error::Unknown {
        kind: "weights file",
        name: name.into(),
        known: FILES.iter().map(|f| f.name).collect::<Vec<_>>().join(", "),
    })
}

/// Checks `bytes` against the build's record of `weights/<name>.safetensors` (size and SHA-256) and,
/// in a build without embedded weights, keeps them for [`weights`] and [`sparse_weights`] (the first
/// copy stays; later calls only check). A mismatch (a stale cache, a file retrained after this build,
/// a truncated download) is refused with both hashes.
pub fn provide_weights(name: &str, bytes: Vec<u8>) -> Result<()> {
    let (_slot, f) = weights_file(name)?;
    let got: String = <sha2::Sha256 as sha2::Digest>::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if bytes.len() != f.bytes || got != f.sha256 {
        return Err(Error::format(
            "weights file",
            format!(
                "weights/{name}.safetensors has {} bytes with sha256 {got}; this build of the engine expects {} bytes with sha256 {} \
                 (a stale copy or a file changed after the build: reload the page, or rebuild the engine)",
                bytes.len(),
                f.bytes,
                f.sha256
            ),
        ));
    }
    #[cfg(not(feature = "embedded-weights"))]
    PROVIDED[_slot].get_or_init(|| Box::leak(bytes.into_boxed_slice()));
    Ok(())
}

#[cfg(not(feature = "embedded-weights"))]
static PROVIDED: [std::sync::OnceLock<&'static [u8]>; FILES.len()] = [const { std::sync::OnceLock::new() }; FILES.len()];

/// The bytes of `weights/<name>.safetensors`: embedded, or as handed to [`provide_weights`]; an error
/// saying so when they have not been provided yet.
pub fn weights_bytes(name: &str) -> Result<&'static [u8]> {
    #[cfg(feature = "embedded-weights")]
    {
        weights_file(name)?;
        Ok(match name {
            "mlp_sprint" => include_bytes!("../weights/mlp_sprint.safetensors"),
            "cnn_marathon" => include_bytes!("../weights/cnn_marathon.safetensors"),
            "transformer_decathlon" => include_bytes!("../weights/transformer_decathlon.safetensors"),
            "mlp_sprint_sparse" => include_bytes!("../weights/mlp_sprint_sparse.safetensors"),
            "transformer_decathlon_sparse" => include_bytes!("../weights/transformer_decathlon_sparse.safetensors"),
            other => return Err(Error::format("weights file", format!("weights/{other}.safetensors is not embedded in this build"))),
        })
    }
    #[cfg(not(feature = "embedded-weights"))]
    {
        let (slot, _) = weights_file(name)?;
        PROVIDED[slot].get().copied().ok_or_else(|| {
            Error::format("weights file", format!("weights/{name}.safetensors is not loaded: this build fetches weights on demand, and provideWeights('{name}', bytes) must come first"))
        })
    }
}

/// The committed reference weights of an event (a model package, see [`crate::format`]). In a build
/// without embedded weights, empty until [`provide_weights`] received them ([`load_model`] says so).
pub fn weights(id: EventId) -> &'static [u8] {
    weights_bytes(id.as_str()).unwrap_or(&[])
}

/// The committed sparse entry of an event, where one was fine-tuned (`tinymlperf-train --sparse`):
/// the reference weights pruned in 1×8 blocks under `models::optimize::default_prune_plan` and
/// fine-tuned with those blocks held at zero. In a build without embedded weights, empty until
/// [`provide_weights`] received `<event>_sparse`.
pub fn sparse_weights(id: EventId) -> Option<&'static [u8]> {
    match id {
        EventId::MlpSprint | EventId::TransformerDecathlon => Some(weights_bytes(&format!("{id}_sparse")).unwrap_or(&[])),
        EventId::CnnMarathon => None,
    }
}

/// The event's model with zero weights and its package's metadata, from the header recorded at build
/// time: what the page lists about an event (parameters, FLOPs, recorded accuracy, data hash) before
/// its weights are downloaded. The package holds the header's tensors, all zero.
pub fn skeleton(id: EventId) -> Result<(Model, Package)> {
    let (_, f) = weights_file(id.as_str())?;
    let bad = |why: String| Error::format("weights header", format!("weights/{}.safetensors: {why}", f.name));
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_str(f.header).map_err(|e| bad(e.to_string()))?;
    let mut package = Package::new();
    for (name, v) in &header {
        if name == "__metadata__" {
            for (k, v) in v.as_object().ok_or_else(|| bad("__metadata__ is not an object".into()))? {
                package.set_meta(k.clone(), v.as_str().ok_or_else(|| bad(format!("metadata '{k}' is not a string")))?);
            }
            continue;
        }
        let shape: Vec<usize> = serde_json::from_value(v.get("shape").cloned().unwrap_or_default()).map_err(|e| bad(format!("tensor '{name}': {e}")))?;
        let count = shape.iter().product();
        package.insert(name.clone(), shape, vec![0.0; count])?;
    }
    let model = Model::from_package(&package)?;
    Ok((model, package))
}

/// Parses an event's committed package and builds its model, checking the package is for this event.
pub fn load_model(id: EventId) -> Result<(Model, Package)> {
    let package = Package::parse(weights_bytes(id.as_str())?)?;
    let recorded = package.require_meta(META_EVENT)?;
    if recorded != id.as_str() {
        return Err(Error::format("model package", format!("package is for event '{recorded}', expected '{id}'")));
    }
    let model = Model::from_package(&package)?;
    if model.architecture() != spec(id).architecture {
        return Err(Error::format("model package", format!("{id} needs architecture '{}', package has '{}'", spec(id).architecture, model.architecture())));
    }
    Ok((model, package))
}

/// The held-out data set of an event (generated, deterministic).
pub fn heldout(id: EventId) -> Dataset {
    match spec(id).dataset {
        DatasetKind::Digits => Dataset::Digits(digits::test_split()),
        DatasetKind::Sequences => Dataset::Sequences(sequences::test_split()),
    }
}

/// Everything needed to score an event: the reference model, its held-out data, and what the trainer
/// recorded about it.
#[derive(Debug, Clone)]
pub struct Benchmark {
    /// The event.
    pub spec: &'static EventSpec,
    /// The reference model built from the committed weights.
    pub model: Model,
    /// The held-out data set.
    pub dataset: Dataset,
    /// Held-out accuracy recorded in the package (measured by the trainer with the scalar kernels).
    pub recorded_accuracy: f64,
    /// Correctly classified held-out samples recorded in the package (exact).
    pub recorded_correct: usize,
    /// SHA-256 of the tensor data, from the package metadata (verified at parse).
    pub weights_sha256: String,
    /// The full package metadata, for display.
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// Loads an event's model from its committed weights and generates its held-out set.
pub fn load_benchmark(id: EventId) -> Result<Benchmark> {
    let (model, package) = load_model(id)?;
    let dataset = heldout(id);
    let total: usize = package.meta_parse(META_HELDOUT_TOTAL)?;
    if total != dataset.len() {
        return Err(Error::format("model package", format!("accuracy was recorded on {total} samples, the held-out set has {}", dataset.len())));
    }
    Ok(Benchmark {
        spec: spec(id),
        model,
        dataset,
        recorded_accuracy: package.meta_parse(META_HELDOUT_ACCURACY)?,
        recorded_correct: package.meta_parse(META_HELDOUT_CORRECT)?,
        weights_sha256: package.data_sha256(),
        metadata: package.metadata().clone(),
    })
}

#[cfg(all(test, feature = "embedded-weights"))]
mod tests {
    use super::*;

    #[test]
    fn build_record_matches_the_committed_files() {
        assert_eq!(weights_files().len(), 5);
        for f in weights_files() {
            let bytes = weights_bytes(f.name).unwrap();
            assert_eq!(bytes.len(), f.bytes, "{}", f.name);
            provide_weights(f.name, bytes.to_vec()).unwrap();
            let mut bad = bytes.to_vec();
            bad[bytes.len() / 2] ^= 1;
            let e = provide_weights(f.name, bad).unwrap_err().to_string();
            assert!(e.contains(f.sha256) && e.contains(&format!("weights/{}.safetensors", f.name)), "{e}");
        }
        assert!(provide_weights("mlp_marathon", vec![]).unwrap_err().to_string().contains("known: "));
    }

    #[test]
    fn skeleton_lists_what_the_weights_hold() {
        use crate::format::META_SHA256;
        for id in EventId::ALL {
            let (model, package) = load_model(id).unwrap();
            let (sm, sp) = skeleton(id).unwrap();
            assert_eq!((sm.param_count(), sm.flops_per_inference()), (model.param_count(), model.flops_per_inference()), "{id}");
            assert_eq!(sm.architecture(), model.architecture());
            assert_eq!(sp.metadata(), package.metadata(), "{id}");
            assert_eq!(sp.meta(META_SHA256), Some(package.data_sha256().as_str()), "{id}");
        }
    }
}
