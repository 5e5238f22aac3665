//! The safetensors byte layer: untrusted bytes in, checked `f32` tensors out, and back.
//!
//! Parsing delegates the container rules (header length, JSON, contiguous offsets, sizes) to the
//! `safetensors` crate and then applies this crate's own rules: every value converts to a finite
//! `f32`. Every numeric dtype safetensors defines is read (F64, F32, F16, BF16, I64, I32, I16, I8, U64,
//! U32, U16, U8, BOOL); the 8-bit floats are refused by name. Each tensor keeps the dtype it was stored
//! in, so writing it back gives the same bytes and the innovation detector can see what a contestant
//! quantized. Values are copied out of the buffer because the data section of a safetensors file is
//! only 8-byte aligned relative to the header, not relative to the host allocation, so reinterpreting
//! it in place would be unsound on an unaligned buffer.
use crate::{Error, Result};
pub use safetensors::tensor::Dtype;
use safetensors::tensor::{SafeTensorError, TensorView};
use std::collections::BTreeMap;

/// Format name used in [`Error::Format`] messages.
pub const FORMAT: &str = "safetensors";

/// One decoded tensor: a row-major shape, the dtype it is stored in, and its values as `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Storage dtype in the file. `data` holds the stored values converted to `f32` (exactly, for every
    /// dtype but large 32/64-bit integers and F64); [`encode`] writes them back in this dtype.
    pub dtype: Dtype,
    /// `shape.iter().product()` values, row-major.
    pub data: Vec<f32>,
}

impl Tensor {
    /// An `F32` tensor.
    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Self {
        Tensor { shape, dtype: Dtype::F32, data }
    }

    /// Bytes one value takes in the file.
    pub fn value_bytes(&self) -> usize {
        self.dtype.size()
    }

    /// Bytes the tensor's data takes in the file.
    pub fn stored_bytes(&self) -> usize {
        self.data.len() * self.dtype.size()
    }
}

/// The dtypes this build reads and writes.
pub const SUPPORTED: [Dtype; 13] =
    [Dtype::F64, Dtype::F32, Dtype::F16, Dtype::BF16, Dtype::I64, Dtype::I32, Dtype::I16, Dtype::I8, Dtype::U64, Dtype::U32, Dtype::U16, Dtype::U8, Dtype::BOOL];

/// Short lowercase name of a dtype for reports (`f32`, `int8`, `fp16`, ...).
pub fn dtype_name(d: Dtype) -> &'static str {
    match d {
        Dtype::F64 => "f64",
        Dtype::F32 => "f32",
        Dtype::F16 => "fp16",
        Dtype::BF16 => "bf16",
        Dtype::I64 => "int64",
        Dtype::I32 => "int32",
        Dtype::I16 => "int16",
        Dtype::I8 => "int8",
        Dtype::U64 => "uint64",
        Dtype::U32 => "uint32",
        Dtype::U16 => "uint16",
        Dtype::U8 => "uint8",
        Dtype::BOOL => "bool",
        _ => "unsupported",
    }
}

/// Converts one stored value to `f32`.
fn read_value(d: Dtype, b: &[u8]) -> f32 {
    match d {
        Dtype::F64 => f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32,
        Dtype::F32 => f32::from_le_bytes(b.try_into().expect("4 bytes")),
        Dtype::F16 => half::f16::from_le_bytes([b[0], b[1]]).to_f32(),
        Dtype::BF16 => half::bf16::from_le_bytes([b[0], b[1]]).to_f32(),
        Dtype::I64 => i64::from_le_bytes(b.try_into().expect("8 bytes")) as f32,
        Dtype::I32 => i32::from_le_bytes(b.try_into().expect("4 bytes")) as f32,
        Dtype::I16 => i16::from_le_bytes([b[0], b[1]]) as f32,
        Dtype::I8 => b[0] as i8 as f32,
        Dtype::U64 => u64::from_le_bytes(b.try_into().expect("8 bytes")) as f32,
        Dtype::U32 => u32::from_le_bytes(b.try_into().expect("4 bytes")) as f32,
        Dtype::U16 => u16::from_le_bytes([b[0], b[1]]) as f32,
        Dtype::U8 => b[0] as f32,
        Dtype::BOOL => (b[0] != 0) as u8 as f32,
        _ => f32::NAN,
    }
}

/// Appends one value in dtype `d` (the inverse of [`read_value`] for values that came from `d`;
/// integers saturate, which [`check_representable`] rules out before anything is written).
fn write_value(d: Dtype, v: f32, out: &mut Vec<u8>) {
    match d {
        Dtype::F64 => out.extend_from_slice(&(v as f64).to_le_bytes()),
        Dtype::F16 => out.extend_from_slice(&half::f16::from_f32(v).to_le_bytes()),
        Dtype::BF16 => out.extend_from_slice(&half::bf16::from_f32(v).to_le_bytes()),
        Dtype::I64 => out.extend_from_slice(&(v as i64).to_le_bytes()),
        Dtype::I32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
        Dtype::I16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
        Dtype::I8 => out.push(v as i8 as u8),
        Dtype::U64 => out.extend_from_slice(&(v as u64).to_le_bytes()),
        Dtype::U32 => out.extend_from_slice(&(v as u32).to_le_bytes()),
        Dtype::U16 => out.extend_from_slice(&(v as u16).to_le_bytes()),
        Dtype::U8 => out.push(v as u8),
        Dtype::BOOL => out.push((v != 0.0) as u8),
        _ => out.extend_from_slice(&v.to_le_bytes()),
    }
}

/// The stored bytes of `values` in dtype `d`.
pub fn value_bytes(d: Dtype, values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * d.size());
    for &v in values {
        write_value(d, v, &mut out);
    }
    out
}

/// Checks that every value survives a round trip through dtype `d` (integers in range and integral,
/// halves exactly representable), so [`encode`] never silently changes a weight. Returns the first
/// offending index.
pub fn check_representable(d: Dtype, values: &[f32]) -> std::result::Result<(), usize> {
    if !SUPPORTED.contains(&d) {
        return Err(0);
    }
    let mut buf = Vec::with_capacity(8);
    for (i, &v) in values.iter().enumerate() {
        buf.clear();
        write_value(d, v, &mut buf);
        if read_value(d, &buf).to_bits() != v.to_bits() && !(v == 0.0 && read_value(d, &buf) == 0.0) {
            return Err(i);
        }
    }
    Ok(())
}

/// Everything a safetensors file holds once decoded: the `__metadata__` strings and the tensors, both
/// keyed by name in sorted order (so iteration, hashing and serialization are deterministic), and the
/// lowercase hex SHA-256 of the tensors' stored bytes exactly as they are in the file, in name order
/// (what a package's `sha256` metadata records; for dtypes `f32` holds exactly it equals the hash of
/// the decoded values, but for F64 or wide integers only the file's own bytes give it).
pub type Decoded = (BTreeMap<String, String>, BTreeMap<String, Tensor>, String);

/// Turns the crate's error into a sentence a user can act on.
fn describe(e: &SafeTensorError) -> String {
    match e {
        SafeTensorError::HeaderTooSmall => "file is shorter than the 8-byte header length prefix".into(),
        SafeTensorError::HeaderTooLarge => "declared header length is absurdly large (over 100 MB)".into(),
        SafeTensorError::InvalidHeaderLength => "declared header length runs past the end of the file (truncated?)".into(),
        SafeTensorError::InvalidHeader => "header is not valid UTF-8".into(),
        SafeTensorError::InvalidHeaderStart => "header does not start with '{'".into(),
        SafeTensorError::InvalidHeaderDeserialization => "header is not a valid safetensors JSON object".into(),
        SafeTensorError::TensorNotFound(name) => format!("tensor '{name}' not found"),
        SafeTensorError::TensorInvalidInfo => "a tensor's byte range does not match its shape and dtype".into(),
        SafeTensorError::InvalidOffset(name) => format!("tensor '{name}' has data offsets that overlap or leave a gap"),
        SafeTensorError::MetadataIncompleteBuffer => "tensor data does not exactly fill the rest of the file (truncated or trailing bytes)".into(),
        SafeTensorError::ValidationOverflow => "a tensor's shape overflows when multiplied out".into(),
        SafeTensorError::InvalidTensorView(dtype, shape, n) => format!("{n} bytes cannot hold a {dtype:?} tensor of shape {shape:?}"),
        other => format!("{other}"),
    }
}

/// Decodes and validates a safetensors file. The caller enforces any size limit before calling.
pub fn decode(bytes: &[u8]) -> Result<Decoded> {
    // `read_metadata` checks the container: header length and JSON, contiguous offsets covering the
    // data section exactly, and byte sizes that match each shape and dtype (with overflow checks).
    let (n, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| Error::format(FORMAT, describe(&e)))?;
    let metadata: BTreeMap<String, String> = header.metadata().clone().unwrap_or_default().into_iter().collect();
    let data_section = &bytes[8 + n..];

    let mut tensors = BTreeMap::new();
    let mut stored = <sha2::Sha256 as sha2::Digest>::new();
    // Sorted so that, of several bad tensors, the same one is always reported.
    let infos: BTreeMap<String, _> = header.tensors().into_iter().collect();
    for (name, info) in infos {
        if !SUPPORTED.contains(&info.dtype) {
            let names: Vec<String> = SUPPORTED.iter().map(|d| format!("{d:?}")).collect();
            return Err(Error::format(FORMAT, format!("tensor '{name}' has dtype {:?}; supported: {}", info.dtype, names.join(", "))));
        }
        let size = info.dtype.size();
        let (start, end) = info.data_offsets;
        // Already validated by the crate; checked again so a future crate change cannot turn into a panic.
        let raw = data_section
            .get(start..end)
            .ok_or_else(|| Error::format(FORMAT, format!("tensor '{name}' data range {start}..{end} is outside the file")))?;
        let count: usize = info.shape.iter().product();
        if Some(raw.len()) != count.checked_mul(size) {
            return Err(Error::format(FORMAT, format!("tensor '{name}' holds {} bytes but shape {:?} needs {size} per value", raw.len(), info.shape)));
        }
        sha2::Digest::update(&mut stored, raw);
        let data: Vec<f32> = raw.chunks_exact(size).map(|b| read_value(info.dtype, b)).collect();
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { what: format!("tensor '{name}'"), index });
        }
        tensors.insert(name, Tensor { shape: info.shape.clone(), dtype: info.dtype, data });
    }
    let stored_sha256 = sha2::Digest::finalize(stored).iter().map(|b| format!("{b:02x}")).collect();
    Ok((metadata, tensors, stored_sha256))
}

/// Encodes tensors and metadata with the `safetensors` crate, then rewrites the JSON header with its
/// keys sorted. The crate writes `__metadata__` from a `HashMap`, whose order changes from run to run;
/// sorting makes the same package always produce the same bytes, so committed weights diff cleanly and
/// a file hash means something.
pub fn encode(metadata: &BTreeMap<String, String>, tensors: &BTreeMap<String, Tensor>) -> Result<Vec<u8>> {
    let bytes: Vec<Vec<u8>> = tensors.values().map(|t| value_bytes(t.dtype, &t.data)).collect();
    let mut views = Vec::with_capacity(tensors.len());
    for ((name, t), b) in tensors.iter().zip(&bytes) {
        let view = TensorView::new(t.dtype, t.shape.clone(), b).map_err(|e| Error::format(FORMAT, format!("tensor '{name}': {}", describe(&e))))?;
        views.push((name.as_str(), view));
    }
    let info = Some(metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    let raw = safetensors::serialize(views, &info).map_err(|e| Error::format(FORMAT, describe(&e)))?;

    // Canonicalize the header: parse it back and re-emit it from a BTreeMap (sorted keys). The data
    // section is untouched; the crate already orders it by tensor name.
    let n = u64::from_le_bytes(raw[..8].try_into().expect("8-byte prefix")) as usize;
    let header: BTreeMap<String, serde_json::Value> = std::str::from_utf8(&raw[8..8 + n])
        .map_err(|e| e.to_string())
        .and_then(|h| serde_json::from_str(h).map_err(|e| e.to_string()))
        .map_err(|e| Error::format(FORMAT, format!("re-reading own header: {e}")))?;
    let mut json = serde_json::to_vec(&header).map_err(|e| Error::format(FORMAT, format!("writing header: {e}")))?;
    // The format pads the header with spaces to a multiple of 8 so the data section stays aligned.
    json.resize(json.len().div_ceil(8) * 8, b' ');
    let mut out = Vec::with_capacity(8 + json.len() + raw.len() - 8 - n);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&raw[8 + n..]);
    Ok(out)
}
