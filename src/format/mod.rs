//! Untrusted bytes are validated here: model *packages* (share links, which carry an entry, are `submission::share`).
//!
//! A package is a safetensors file whose tensors are all finite `F32` and whose `__metadata__` carries
//! at least [`META_FORMAT_VERSION`] = [`FORMAT_VERSION`] and [`META_SHA256`], the SHA-256 of the tensor
//! data (see [`Package::data_sha256`]). The trainer adds the event, architecture, seed and held-out
//! accuracy. Every byte is checked before anything is trusted: a size cap, the container structure
//! (via the `safetensors` crate), dtype, finiteness, the data hash, and later each tensor's shape
//! against the architecture the model loader expects ([`Package::tensor`]).
//!
//! ```
//! use tinymlperf::format::Package;
//! let mut p = Package::new();
//! p.insert("fc.weight", vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
//! p.set_meta("event", "demo");
//! let bytes = p.to_bytes().unwrap();
//! let q = Package::parse(&bytes).unwrap();
//! assert_eq!(q.tensor("fc.weight", &[2, 3]).unwrap()[5], 6.0);
//! assert!(q.tensor("fc.weight", &[3, 2]).is_err()); // shape is checked, not just the count
//! ```
pub mod pretty_json;
pub mod safetensors;
pub use tinymlperf_kernelcheck::instrument as wasm_instrument;
pub use tinymlperf_kernelcheck::module as wasm_module;

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub use self::safetensors::{dtype_name, Dtype, Tensor};

/// Lowercase hex SHA-256 of `bytes`: the identity of a package, a kernel module or a weights file
/// (one function for all, the kernel reader's, which must stand alone).
pub use tinymlperf_kernelcheck::sha256_hex;

/// Largest package [`Package::parse`] accepts. The three event models are under 0.5 MiB; the cap
/// leaves room for bigger student models while bounding what a hostile file can make us allocate.
pub const MAX_PACKAGE_BYTES: usize = 16 << 20;
/// The package format version this build writes. Version 2 adds typed tensors (any numeric
/// safetensors dtype, e.g. INT8 weights with `<layer>.weight_scale`) and the submission metadata keys;
/// version 1 files (F32 only) are read unchanged. See `docs/submission-format.md`.
pub const FORMAT_VERSION: &str = "2";
/// Every format version this build reads.
pub const READABLE_VERSIONS: [&str; 2] = ["1", "2"];

/// Metadata key: package format version (must equal [`FORMAT_VERSION`]).
pub const META_FORMAT_VERSION: &str = "format_version";
/// Metadata key: lowercase hex SHA-256 of the tensor data ([`Package::data_sha256`]).
pub const META_SHA256: &str = "sha256";
/// Metadata key: event id the weights were trained for, e.g. `mlp_sprint`.
pub const META_EVENT: &str = "event";
/// Metadata key: canonical architecture string of the model (see `models::*::ARCHITECTURE`).
pub const META_ARCHITECTURE: &str = "architecture";
/// Metadata key: seed the trainer ran with.
pub const META_TRAINING_SEED: &str = "training_seed";
/// Metadata key: held-out accuracy measured by the product's scalar forward pass, as a decimal.
pub const META_HELDOUT_ACCURACY: &str = "heldout_accuracy";
/// Metadata key: number of correctly classified held-out samples (exact, unlike the decimal above).
pub const META_HELDOUT_CORRECT: &str = "heldout_correct";
/// Metadata key: number of held-out samples.
pub const META_HELDOUT_TOTAL: &str = "heldout_total";
/// Metadata key: number of training samples.
pub const META_TRAIN_SAMPLES: &str = "train_samples";
/// Metadata key: number of training epochs.
pub const META_EPOCHS: &str = "epochs";
/// Metadata key: which data the model was trained on (e.g. `procedural-digits` or `mnist`).
pub const META_TRAIN_DATA: &str = "train_data";

/// Metadata key: team name of a submission.
pub const META_TEAM: &str = "team";
/// Metadata key: free-text description of the optimizations (shown; never scored on its own).
pub const META_DESCRIPTION: &str = "description";
/// Metadata key: URL of the entry's source (e.g. a GitHub repository).
pub const META_URL: &str = "url";
/// Metadata key: the kernel table the entry asks for (`scalar`, `simd128`, `int8`, `sparse`; absent
/// means chosen from the weights, see `competition::entry`).
pub const META_KERNELS: &str = "kernels";
/// Metadata key: the built-in recipe that produced the package, as JSON (page recipes only).
pub const META_RECIPE: &str = "recipe";

/// Format name used in package-level [`Error::Format`] messages.
const PACKAGE: &str = "model package";

/// A validated model package: named `f32` tensors plus string metadata, both in name order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Package {
    metadata: BTreeMap<String, String>,
    tensors: BTreeMap<String, Tensor>,
}

impl Package {
    /// An empty package (for the trainer and tests).
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses and validates untrusted bytes.
    ///
    /// Errors: [`Error::Limit`] over [`MAX_PACKAGE_BYTES`]; [`Error::Format`] for anything structurally
    /// wrong (truncated, bad header, unsupported dtype, unknown format version, mismatched data hash;
    /// version and hash may be absent, as in files written by Python's `safetensors`); [`Error::NonFinite`] for a NaN or infinite weight, naming the tensor and index.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_PACKAGE_BYTES {
            return Err(Error::Limit { what: "model package size in bytes".into(), got: bytes.len() as u64, limit: MAX_PACKAGE_BYTES as u64 });
        }
        let (metadata, tensors, stored_sha256) = safetensors::decode(bytes)?;
        let p = Package { metadata, tensors };
        // Files written by Python's `safetensors` or PyTorch carry only what their author put in the
        // metadata: a missing version means "current rules", a missing hash means no corruption check
        // (the container, dtype and finiteness checks still apply). When present, both must be right.
        if let Some(v) = p.meta(META_FORMAT_VERSION) {
            if !READABLE_VERSIONS.contains(&v) {
                return Err(Error::format(PACKAGE, format!("format_version is '{v}'; this build reads versions {}", READABLE_VERSIONS.join(", "))));
            }
        }
        // The hash turns silent corruption of the data section (which still parses) into an error.
        // It is checked against the file's own bytes: values converted to f32 (F64, wide integers)
        // would hash differently.
        if let Some(want) = p.meta(META_SHA256) {
            let got = stored_sha256;
            if !want.eq_ignore_ascii_case(&got) {
                return Err(Error::format(PACKAGE, format!("tensor data hash is {got}, but the metadata records {want} (corrupted file?)")));
            }
        }
        Ok(p)
    }

    /// Serializes with the `safetensors` crate, setting [`META_FORMAT_VERSION`] and [`META_SHA256`].
    /// The output is deterministic: equal packages give equal bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut metadata = self.metadata.clone();
        metadata.insert(META_FORMAT_VERSION.into(), FORMAT_VERSION.into());
        metadata.insert(META_SHA256.into(), self.data_sha256());
        safetensors::encode(&metadata, &self.tensors)
    }

    /// Adds (or replaces) a tensor, checking that `data` fills `shape` and is finite.
    pub fn insert(&mut self, name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Result<()> {
        let name = name.into();
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| Error::format(PACKAGE, format!("tensor '{name}' shape {shape:?} overflows")))?;
        if data.len() != count {
            return Err(Error::shape(format!("tensor '{name}' with shape {shape:?}"), count, data.len()));
        }
        self.insert_typed(name, shape, Dtype::F32, data)
    }

    /// Replaces a tensor's values (or adds it), keeping the float dtype it is stored in when every new
    /// value is exactly representable there — the pruned copy of fp16 weights stays fp16 — and storing
    /// `F32` otherwise (retrained values, or a tensor that held int8 codes).
    pub fn replace_values(&mut self, name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Result<()> {
        let name = name.into();
        let keep = self.get(&name).map(|t| t.dtype).filter(|d| matches!(d, Dtype::F16 | Dtype::BF16) && self::safetensors::check_representable(*d, &data).is_ok());
        match keep {
            Some(d) => self.insert_typed(name, shape, d, data),
            None => self.insert(name, shape, data),
        }
    }

    /// Adds (or replaces) a tensor stored as `dtype`; every value must be finite and exactly
    /// representable in it (e.g. integral and in −128..=127 for `I8`).
    pub fn insert_typed(&mut self, name: impl Into<String>, shape: Vec<usize>, dtype: Dtype, data: Vec<f32>) -> Result<()> {
        let name = name.into();
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| Error::format(PACKAGE, format!("tensor '{name}' shape {shape:?} overflows")))?;
        if data.len() != count {
            return Err(Error::shape(format!("tensor '{name}' with shape {shape:?}"), count, data.len()));
        }
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { what: format!("tensor '{name}'"), index });
        }
        if let Err(i) = self::safetensors::check_representable(dtype, &data) {
            return Err(Error::format(PACKAGE, format!("tensor '{name}': value {} at index {i} cannot be stored as {dtype:?}", data.get(i).copied().unwrap_or(0.0))));
        }
        self.tensors.insert(name, Tensor { shape, dtype, data });
        Ok(())
    }

    /// Removes a tensor, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Tensor> {
        self.tensors.remove(name)
    }

    /// A tensor with its dtype and shape, if present.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        note_read(name);
        self.tensors.get(name)
    }

    /// Every tensor by name, in name order.
    pub fn tensors(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.tensors.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// Bytes of tensor data in the file (dtype sizes times values).
    pub fn stored_bytes(&self) -> usize {
        self.tensors.values().map(Tensor::stored_bytes).sum()
    }

    /// Sets a metadata entry. [`META_FORMAT_VERSION`] and [`META_SHA256`] are overwritten by
    /// [`Package::to_bytes`].
    pub fn set_meta(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.metadata.insert(key.into(), value.into());
    }

    /// A metadata entry, if present.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).map(String::as_str)
    }

    /// A metadata entry that must be present; [`Error::Format`] names the key otherwise.
    pub fn require_meta(&self, key: &str) -> Result<&str> {
        self.meta(key).ok_or_else(|| Error::format(PACKAGE, format!("metadata has no '{key}' entry")))
    }

    /// A metadata entry parsed as `T`; [`Error::Format`] names the key and value on failure.
    pub fn meta_parse<T: std::str::FromStr>(&self, key: &str) -> Result<T> {
        let v = self.require_meta(key)?;
        v.trim().parse().map_err(|_| Error::format(PACKAGE, format!("metadata '{key}' = '{v}' is not a valid {}", std::any::type_name::<T>())))
    }

    /// All metadata, in key order.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// All metadata, to edit.
    pub fn metadata_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.metadata
    }

    /// The values of tensor `name`, which must have exactly `shape`.
    ///
    /// A missing tensor is an [`Error::Format`] that lists the tensors the package does have; a wrong
    /// shape is an [`Error::Shape`] naming the tensor and both shapes (a transposed `[in, out]` weight has
    /// the right element count and is still rejected).
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        note_read(name);
        let t = self.tensors.get(name).ok_or_else(|| {
            let have: Vec<&str> = self.names().collect();
            Error::format(PACKAGE, format!("missing tensor '{name}'; the package has: {}", if have.is_empty() { "(none)".into() } else { have.join(", ") }))
        })?;
        if t.shape != shape {
            return Err(Error::shape(format!("tensor '{name}': expected shape {shape:?}, file has {:?}", t.shape), shape.iter().product(), t.data.len()));
        }
        Ok(&t.data)
    }

    /// Tensor names in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Total number of values over all tensors.
    pub fn param_count(&self) -> usize {
        self.tensors.values().map(|t| t.data.len()).sum()
    }

    /// Lowercase hex SHA-256 of the tensor data: every tensor's values in its stored dtype
    /// (little-endian), tensors concatenated in name order. That is exactly the data section of the
    /// file [`Package::to_bytes`] writes, so `sha256sum` over the file's tail agrees, and it ignores
    /// metadata, so two training runs can be compared even though their recorded accuracies differ.
    /// (For version-1 packages, all `F32`, this is the same hash version 1 defined.)
    pub fn data_sha256(&self) -> String {
        let mut h = Sha256::new();
        for t in self.tensors.values() {
            h.update(self::safetensors::value_bytes(t.dtype, &t.data));
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

thread_local! {
    /// Tensor names read through [`Package::get`] / [`Package::tensor`] while [`track_reads`] runs.
    static READS: std::cell::RefCell<Option<std::collections::BTreeSet<String>>> = const { std::cell::RefCell::new(None) };
}

fn note_read(name: &str) {
    READS.with(|r| {
        if let Some(set) = r.borrow_mut().as_mut() {
            set.insert(name.to_string());
        }
    });
}

/// Runs `f` and returns its result with the names of every tensor it looked up in any package
/// (present or not). A model loader run under it tells exactly which tensors the model consumes, so
/// a package can be refused for holding anything else.
pub fn track_reads<T>(f: impl FnOnce() -> T) -> (T, std::collections::BTreeSet<String>) {
    let outer = READS.with(|r| r.borrow_mut().replace(Default::default()));
    let out = f();
    let seen = READS.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer)).unwrap_or_default();
    // A tracker further out sees these reads too.
    for n in &seen {
        note_read(n);
    }
    (out, seen)
}
