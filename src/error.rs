//! One error type for the crate. Messages name the bad value, shape or limit so a user can act on them.

use thiserror::Error;

/// Everything that can go wrong inside TinyMLPerf, from a bad shape to a corrupt model file.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// A buffer's length does not match the shape it is supposed to hold.
    #[error("shape mismatch in {what}: expected {expected} elements, got {got}")]
    Shape {
        /// Which tensor or argument.
        what: String,
        /// Element count the shape implies.
        expected: usize,
        /// Element count actually supplied.
        got: usize,
    },
    /// A file or byte stream is not in the expected format.
    #[error("invalid {format} data: {reason}")]
    Format {
        /// The format being parsed ("IDX", "safetensors", ...).
        format: &'static str,
        /// What exactly is wrong.
        reason: String,
    },
    /// An input exceeds a documented limit.
    #[error("{what} is {got}, over the limit of {limit}")]
    Limit {
        /// What was too large.
        what: String,
        /// The value supplied.
        got: u64,
        /// The limit.
        limit: u64,
    },
    /// A value is not finite where it must be (NaN or infinite weights, for example).
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// Which tensor.
        what: String,
        /// First offending flat index.
        index: usize,
    },
    /// An unknown name (event, kernel variant, ...).
    #[error("unknown {kind} '{name}'; known: {known}")]
    Unknown {
        /// What kind of thing was looked up.
        kind: &'static str,
        /// The name that was asked for.
        name: String,
        /// The names that exist, comma separated.
        known: String,
    },
    /// An entry that ran but is not a valid competitor (it memorized the public split, returns
    /// garbage on fresh inputs, or is far below the reference); it is never ranked.
    #[error("entry rejected: {reason}")]
    Rejected {
        /// Why, with the figures and the run's seed.
        reason: String,
    },
    /// An I/O failure (native tools only).
    #[error("I/O error on {path}: {reason}")]
    Io {
        /// The file involved.
        path: String,
        /// The OS message.
        reason: String,
    },
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for a [`Error::Shape`] error.
    pub fn shape(what: impl Into<String>, expected: usize, got: usize) -> Self {
        Error::Shape { what: what.into(), expected, got }
    }
    /// Shorthand for a [`Error::Format`] error.
    pub fn format(format: &'static str, reason: impl Into<String>) -> Self {
        Error::Format { format, reason: reason.into() }
    }
}

/// A contestant's module refused by the kernel reader: the same message as its own.
impl From<tinymlperf_kernelcheck::Error> for Error {
    fn from(e: tinymlperf_kernelcheck::Error) -> Self {
        match e {
            tinymlperf_kernelcheck::Error::Format { reason } => Error::Format { format: tinymlperf_kernelcheck::WHAT, reason },
            tinymlperf_kernelcheck::Error::TooLarge { got, limit } => Error::Limit { what: tinymlperf_kernelcheck::SIZE_WHAT.into(), got, limit },
        }
    }
}

/// Checks that `buf` holds exactly `expected` elements.
pub fn check_len<T>(what: &str, buf: &[T], expected: usize) -> Result<()> {
    if buf.len() == expected {
        Ok(())
    } else {
        Err(Error::shape(what, expected, buf.len()))
    }
}
