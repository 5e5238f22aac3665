//! An entry as it will run: a validated package for one event, the model built from it, and the
//! kernel table it runs on.
use crate::events::{self, EventId};
use crate::format::{Package, META_EVENT, META_KERNELS};
use crate::kernels::{self, gemm::sparse::SparseWeights, Kernels};
use crate::models::Model;
use crate::{Error, Result};

/// Kernel tables an entry may ask for (package metadata `kernels`).
pub const TABLES: [&str; 4] = ["scalar", "simd128", "int8", "sparse"];

/// A dense layer with at least this fraction of exact zeros gets its sparse form at load.
pub const SPARSE_FORM_MIN_ZEROS: f64 = 0.25;

/// A loaded entry.
#[derive(Debug, Clone)]
pub struct EntryModel {
    /// The event it competes in.
    pub event: EventId,
    /// The validated package.
    pub package: Package,
    /// The model built from it.
    pub model: Model,
    /// The kernel table it runs on.
    pub kernels: Kernels,
    /// Size of the package file, bytes.
    pub file_bytes: usize,
    /// Lowercase hex SHA-256 of the package file: the entry's identity.
    pub hash: String,
}

pub use crate::format::sha256_hex;

/// The kernel table called `name`.
pub fn table(name: &str) -> Result<Kernels> {
    match name {
        "scalar" => Ok(kernels::scalar()),
        "simd128" => Ok(kernels::best()),
        "int8" => Ok(kernels::int8()),
        "sparse" => Ok(kernels::sparse()),
        other => Err(Error::Unknown { kind: "kernel table", name: other.into(), known: TABLES.join(", ") }),
    }
}

/// Which model family an event takes.
fn family_matches(event: EventId, model: &Model) -> bool {
    matches!((event, model), (EventId::MlpSprint, Model::Mlp(_)) | (EventId::CnnMarathon, Model::Cnn(_)) | (EventId::TransformerDecathlon, Model::Transformer(_)))
}

/// Parses and validates `bytes` as an entry for `event`: the package rules ([`Package::parse`]), the
/// `event` metadata, an architecture of the event's family with every tensor's shape checked, then
/// the forms the kernels read (sparse forms for layers with ≥ [`SPARSE_FORM_MIN_ZEROS`] zeros) and
/// the kernel table (metadata `kernels`, or chosen from the weights: `int8` when a layer has INT8
/// codes with an input scale, `sparse` when a layer is sparse, else `simd128`).
pub fn load_entry(event: EventId, bytes: &[u8]) -> Result<EntryModel> {
    let package = Package::parse(bytes)?;
    match package.meta(META_EVENT) {
        Some(e) if e == event.as_str() => {}
        Some(e) => return Err(Error::format("model package", format!("this package is for event '{e}', not '{event}'"))),
        None => return Err(Error::format("model package", format!("metadata has no '{META_EVENT}' entry; add {META_EVENT}={event}"))),
    }
    let mut model = Model::from_package(&package)?;
    if !family_matches(event, &model) {
        return Err(Error::format(
            "model package",
            format!("{event} takes a model like '{}', the package holds '{}'", events::spec(event).architecture, model.variant()),
        ));
    }
    let (any_int8, mut any_sparse) = (!model.int8_layers().is_empty(), false);
    for (_, l) in model.linears_mut() {
        let w = &mut l.weight;
        let zeros = w.kn.iter().filter(|v| **v == 0.0).count() as f64 / w.kn.len().max(1) as f64;
        if zeros >= SPARSE_FORM_MIN_ZEROS {
            w.sparse = Some(SparseWeights::from_dense(w.k(), w.n(), &w.kn));
            any_sparse = true;
        }
    }
    let name = match package.meta(META_KERNELS) {
        Some(n) => n,
        None if any_int8 => "int8",
        None if any_sparse => "sparse",
        None => "simd128",
    };
    let kernels = table(name)?;
    Ok(EntryModel { event, model, kernels, file_bytes: bytes.len(), hash: sha256_hex(bytes), package })
}
