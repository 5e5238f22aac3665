//! The IDX format of real MNIST (`*-idx3-ubyte` images, `*-idx1-ubyte` labels), gzipped or not.
//!
//! Layout: two zero bytes, a dtype byte (`0x08` = unsigned byte, the only one MNIST uses), a
//! dimension-count byte, one big-endian `u32` per dimension, then the data, row-major. Images are
//! 3-dimensional (`count × rows × cols`), labels 1-dimensional (`count`).
//!
//! Why so strict: a user who points the benchmark at the wrong file (a label file as images, a
//! half-downloaded archive, Fashion-MNIST's 10 classes are fine but EMNIST's 47 are not) should get a
//! message naming the problem, not a silently wrong accuracy. Gzip input is detected by its magic
//! bytes and inflated with a hard cap ([`MAX_DECOMPRESSED`]) so a decompression bomb is an error,
//! not an out-of-memory crash in a browser tab.

use super::digits::{DigitSet, IMAGE_SIDE};
use crate::{Error, Result};
use std::borrow::Cow;
use std::io::Read;

/// Largest decompressed IDX file accepted (64 MiB; MNIST's training images are 47 MB).
pub const MAX_DECOMPRESSED: u64 = 64 << 20;

/// The IDX dtype byte for unsigned bytes, the only element type MNIST uses.
pub const DTYPE_U8: u8 = 0x08;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Which MNIST split to load from a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MnistSplit {
    /// The 60,000 training images (`train-*`).
    Train,
    /// The 10,000 test images (`t10k-*`).
    Test,
}

impl MnistSplit {
    /// File stems of `(images, labels)` as MNIST ships them, e.g. `t10k-images-idx3-ubyte`.
    pub fn file_stems(self) -> (&'static str, &'static str) {
        match self {
            MnistSplit::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            MnistSplit::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        }
    }
}

fn err(reason: impl Into<String>) -> Error {
    Error::format("IDX", reason)
}

fn dtype_name(b: u8) -> &'static str {
    match b {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "i16",
        0x0C => "i32",
        0x0D => "f32",
        0x0E => "f64",
        _ => "unknown",
    }
}

/// Returns `bytes`, inflated first if it starts with the gzip magic, refusing to inflate past
/// [`MAX_DECOMPRESSED`].
pub fn maybe_gunzip(bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    let mut dec = flate2::read::GzDecoder::new(bytes).take(MAX_DECOMPRESSED + 1);
    dec.read_to_end(&mut out).map_err(|e| err(format!("gzip stream is corrupt: {e}")))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(Error::Limit {
            what: "decompressed IDX size in bytes (gzip bomb?)".into(),
            got: out.len() as u64,
            limit: MAX_DECOMPRESSED,
        });
    }
    Ok(Cow::Owned(out))
}

/// Parses an IDX header of unsigned bytes with `ndims` dimensions and checks the data length.
/// `what` names the file kind in messages ("images" or "labels").
fn parse_u8_tensor<'a>(bytes: &'a [u8], ndims: usize, what: &str) -> Result<(Vec<usize>, &'a [u8])> {
    if bytes.len() < 4 {
        return Err(err(format!(
            "{what} file is truncated: expected at least a 4-byte header, got {} bytes",
            bytes.len()
        )));
    }
    let magic = &bytes[..4];
    if magic[0] != 0 || magic[1] != 0 {
        return Err(err(format!(
            "bad magic {:02x} {:02x} {:02x} {:02x} in {what} file: an IDX file starts with 00 00 <dtype> <ndims> \
             (expected 00 00 08 {ndims:02x})",
            magic[0], magic[1], magic[2], magic[3]
        )));
    }
    if magic[2] != DTYPE_U8 {
        return Err(err(format!(
            "unsupported dtype byte 0x{:02x} ({}) in {what} file: MNIST needs 0x08 (unsigned byte)",
            magic[2],
            dtype_name(magic[2])
        )));
    }
    if magic[3] as usize != ndims {
        return Err(err(format!(
            "{what} file has {} dimensions, expected {ndims}{}",
            magic[3],
            if ndims == 3 { " (count × rows × cols)" } else { " (count)" }
        )));
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(err(format!(
            "{what} file is truncated: expected a {header}-byte header, got {} bytes",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|d| {
            let o = 4 + 4 * d;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect();
    let data_len = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_DECOMPRESSED as usize)
        .ok_or_else(|| err(format!("{what} file header claims dimensions {dims:?}, too large to hold")))?;
    let expected = header + data_len;
    if bytes.len() < expected {
        return Err(err(format!(
            "{what} file is truncated: dimensions {dims:?} need {expected} bytes, got {}",
            bytes.len()
        )));
    }
    if bytes.len() > expected {
        return Err(err(format!(
            "{what} file has {} trailing bytes: dimensions {dims:?} need exactly {expected} bytes, got {}",
            bytes.len() - expected,
            bytes.len()
        )));
    }
    Ok((dims, &bytes[header..]))
}

/// Parses an `idx3-ubyte` image file (gzipped or not) into `(n, rows, cols, pixels)`, pixels being
/// `n × rows × cols` bytes, row-major.
pub fn parse_images(bytes: &[u8]) -> Result<(usize, usize, usize, Vec<u8>)> {
    let bytes = maybe_gunzip(bytes)?;
    let (dims, data) = parse_u8_tensor(&bytes, 3, "images")?;
    Ok((dims[0], dims[1], dims[2], data.to_vec()))
}

/// Parses an `idx1-ubyte` MNIST label file (gzipped or not). Every label must be a digit, `0..=9`.
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u8>> {
    let bytes = maybe_gunzip(bytes)?;
    let (_, data) = parse_u8_tensor(&bytes, 1, "labels")?;
    if let Some(i) = data.iter().position(|&l| l > 9) {
        return Err(err(format!("label {} at index {i} is not a digit (labels must be 0..=9)", data[i])));
    }
    Ok(data.to_vec())
}

/// Builds a [`DigitSet`] from an MNIST image file and label file (each gzipped or not). The images
/// must be 28×28 and the two counts must agree.
pub fn mnist_from_bytes(images: &[u8], labels: &[u8]) -> Result<DigitSet> {
    let (n, rows, cols, pixels) = parse_images(images)?;
    if rows != IMAGE_SIDE || cols != IMAGE_SIDE {
        return Err(err(format!("images are {rows}×{cols}, but MNIST models need {IMAGE_SIDE}×{IMAGE_SIDE}")));
    }
    let labels = parse_labels(labels)?;
    if labels.len() != n {
        return Err(err(format!("image count {n} does not match label count {} (mismatched files?)", labels.len())));
    }
    Ok(DigitSet { n, images: pixels, labels })
}

/// Loads MNIST `split` from `dir`, accepting each file as shipped (`.gz`) or inflated, and the
/// `train-images.idx3-ubyte` spelling some mirrors use. Native only: the browser passes bytes to
/// [`mnist_from_bytes`] instead.
#[cfg(not(target_arch = "wasm32"))]
pub fn load_mnist_dir(dir: &std::path::Path, split: MnistSplit) -> Result<DigitSet> {
    let (img_stem, lbl_stem) = split.file_stems();
    let images = read_first(dir, img_stem)?;
    let labels = read_first(dir, lbl_stem)?;
    mnist_from_bytes(&images, &labels)
}

/// Reads the first of `stem`, `stem.gz` and the dotted spelling (with and without `.gz`) that
/// exists in `dir`.
#[cfg(not(target_arch = "wasm32"))]
fn read_first(dir: &std::path::Path, stem: &str) -> Result<Vec<u8>> {
    let dotted = stem.replacen("-idx", ".idx", 1);
    let names = [stem.to_string(), format!("{stem}.gz"), dotted.clone(), format!("{dotted}.gz")];
    for name in &names {
        let path = dir.join(name);
        if path.is_file() {
            return std::fs::read(&path)
                .map_err(|e| Error::Io { path: path.display().to_string(), reason: e.to_string() });
        }
    }
    Err(Error::Io {
        path: dir.join(stem).display().to_string(),
        reason: format!("no MNIST file found (tried {})", names.join(", ")),
    })
}

/// Writes an `idx3-ubyte` image file (uncompressed). Used by tests and tools to make small files.
///
/// # Panics
/// If `pixels.len() != n × rows × cols` or a dimension exceeds `u32`.
pub fn write_images(n: usize, rows: usize, cols: usize, pixels: &[u8]) -> Vec<u8> {
    assert_eq!(pixels.len(), n * rows * cols, "write_images: pixel count does not match n × rows × cols");
    let mut out = vec![0, 0, DTYPE_U8, 3];
    for d in [n, rows, cols] {
        out.extend_from_slice(&u32::try_from(d).expect("IDX dimension exceeds u32").to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// Writes an `idx1-ubyte` label file (uncompressed).
///
/// # Panics
/// If there are more than `u32::MAX` labels.
pub fn write_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, DTYPE_U8, 1];
    out.extend_from_slice(&u32::try_from(labels.len()).expect("IDX dimension exceeds u32").to_be_bytes());
    out.extend_from_slice(labels);
    out
}
