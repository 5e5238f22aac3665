//! The safetensors byte layer: untrusted bytes in, checked `f32` tensors out, and back.
//!
//! Parsing delegates the container rules (header length, JSON, contiguous offsets, sizes) to the
//! `safetensors` crate and then applies this crate's own rules: every tensor is `F32` and every value
//! is finite. Values are copied out of the buffer because the data section of a safetensors file is
//! only 8-byte aligned relative to the header, not relative to the host allocation, so reinterpreting
//! it in place as `&[f32]` would be unsound on an unaligned buffer.
use crate::{Error, Result};
use safetensors::tensor::{Dtype, SafeTensorError, TensorView};
use std::collections::BTreeMap;

/// Format name used in [`Error::Format`] messages.
pub const FORMAT: &str = "safetensors";

/// One decoded tensor: a row-major shape and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, row-major.
    pub data: Vec<f32>,
}

/// Everything a safetensors file holds once decoded: the `__metadata__` strings and the tensors, both
/// keyed by name in sorted order (so iteration, hashing and serialization are deterministic).
pub type Decoded = (BTreeMap<String, String>, BTreeMap<String, Tensor>);

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
    // Sorted so that, of several bad tensors, the same one is always reported.
    let infos: BTreeMap<String, _> = header.tensors().into_iter().collect();
    for (name, info) in infos {
        if info.dtype != Dtype::F32 {
            return Err(Error::format(FORMAT, format!("tensor '{name}' has dtype {:?}; only F32 is supported", info.dtype)));
        }
        let (start, end) = info.data_offsets;
        // Already validated by the crate; checked again so a future crate change cannot turn into a panic.
        let raw = data_section
            .get(start..end)
            .ok_or_else(|| Error::format(FORMAT, format!("tensor '{name}' data range {start}..{end} is outside the file")))?;
        let count: usize = info.shape.iter().product();
        if Some(raw.len()) != count.checked_mul(4) {
            return Err(Error::format(FORMAT, format!("tensor '{name}' holds {} bytes but shape {:?} needs 4 per value", raw.len(), info.shape)));
        }
        let data: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { what: format!("tensor '{name}'"), index });
        }
        tensors.insert(name, Tensor { shape: info.shape.clone(), data });
    }
    Ok((metadata, tensors))
}

/// Encodes tensors and metadata with the `safetensors` crate, then rewrites the JSON header with its
/// keys sorted. The crate writes `__metadata__` from a `HashMap`, whose order changes from run to run;
/// sorting makes the same package always produce the same bytes, so committed weights diff cleanly and
/// a file hash means something.
pub fn encode(metadata: &BTreeMap<String, String>, tensors: &BTreeMap<String, Tensor>) -> Result<Vec<u8>> {
    let bytes: Vec<Vec<u8>> = tensors.values().map(|t| t.data.iter().flat_map(|v| v.to_le_bytes()).collect()).collect();
    let mut views = Vec::with_capacity(tensors.len());
    for ((name, t), b) in tensors.iter().zip(&bytes) {
        let view = TensorView::new(Dtype::F32, t.shape.clone(), b).map_err(|e| Error::format(FORMAT, format!("tensor '{name}': {}", describe(&e))))?;
        views.push((name.as_str(), view));
    }
    let info = Some(metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    let raw = safetensors::serialize(views, &info).map_err(|e| Error::format(FORMAT, describe(&e)))?;

    // Canonicalize the header: parse it back and re-emit it from a BTreeMap (sorted keys). The data
    // section is untouched; the crate already orders it by tensor name.
    let n = u64::from_le_bytes(raw[..8].try_into().expect("8-byte prefix")) as usize;
    let header: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&raw[8..8 + n]).map_err(|e| Error::format(FORMAT, format!("re-reading own header: {e}")))?;
    let mut json = serde_json::to_vec(&header).map_err(|e| Error::format(FORMAT, format!("writing header: {e}")))?;
    // The format pads the header with spaces to a multiple of 8 so the data section stays aligned.
    json.resize(json.len().div_ceil(8) * 8, b' ');
    let mut out = Vec::with_capacity(8 + json.len() + raw.len() - 8 - n);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&raw[8 + n..]);
    Ok(out)
}
