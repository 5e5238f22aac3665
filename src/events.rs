//! The three events as data: id, model, input shape, dataset, accuracy threshold, and the committed
//! reference weights (embedded in the binary, so the page needs no download).
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

/// The committed reference weights of an event (a model package, see [`crate::format`]).
pub fn weights(id: EventId) -> &'static [u8] {
    match id {
        EventId::MlpSprint => include_bytes!("../weights/mlp_sprint.safetensors"),
        EventId::CnnMarathon => include_bytes!("../weights/cnn_marathon.safetensors"),
        EventId::TransformerDecathlon => include_bytes!("../weights/transformer_decathlon.safetensors"),
    }
}

/// The committed sparse entry of an event, where one was fine-tuned (`tinymlperf-train --sparse`):
/// the reference weights pruned in 1×8 blocks under `models::optimize::default_prune_plan` and
/// fine-tuned with those blocks held at zero.
pub fn sparse_weights(id: EventId) -> Option<&'static [u8]> {
    match id {
        EventId::MlpSprint => Some(include_bytes!("../weights/mlp_sprint_sparse.safetensors")),
        EventId::TransformerDecathlon => Some(include_bytes!("../weights/transformer_decathlon_sparse.safetensors")),
        EventId::CnnMarathon => None,
    }
}

/// Parses an event's committed package and builds its model, checking the package is for this event.
pub fn load_model(id: EventId) -> Result<(Model, Package)> {
    let package = Package::parse(weights(id))?;
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

/// Loads an event's model from the embedded weights and generates its held-out set.
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
