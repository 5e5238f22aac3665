//! Contestants' own WebAssembly kernels, read before anything runs them: [`module::inspect`]
//! validates a module against the kernel ABI and counts its SIMD and integer dot-product
//! instructions; [`instrument::instrument`] makes the copy that counts what a kernel *executes*.
//!
//! A crate of its own so the page's engine module does not carry a WebAssembly parser and encoder
//! for every visitor: natively the engine calls these functions directly; in the browser they run in
//! a second small module (`kernelcheck/web` → `www/pkg-kernelcheck/`), which the worker loads only for
//! a custom-kernel entry, and the engine receives their results (`submission::KernelCheck`).
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod instrument;
pub mod module;

/// Why a module was refused. Displayed exactly as the engine's own `Error` displays the same cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Error {
    /// Not an acceptable kernel module; the reason in words.
    Format { reason: String },
    /// Larger than [`module::MAX_KERNEL_BYTES`].
    TooLarge { got: u64, limit: u64 },
}

impl Error {
    /// A [`Error::Format`] with `reason`.
    pub fn format(reason: impl Into<String>) -> Self {
        Error::Format { reason: reason.into() }
    }
}

/// What an [`Error::Format`] is about, as the engine's errors name it.
pub const WHAT: &str = "WebAssembly kernel";
/// What an [`Error::TooLarge`] measures.
pub const SIZE_WHAT: &str = "kernel module size in bytes";

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Format { reason } => write!(f, "invalid {WHAT} data: {reason}"),
            Error::TooLarge { got, limit } => write!(f, "{SIZE_WHAT} is {got}, over the limit of {limit}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Lowercase hex SHA-256 of `bytes` (a module's identity in its report).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
