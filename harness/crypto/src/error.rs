//! The crypto crate's one error type.

use std::path::PathBuf;

use thiserror::Error;

/// What can go wrong reading keys and certificates, signing and verifying,
/// with a message that says what to do about it.
#[derive(Debug, Error)]
pub enum Error {
    /// A value the contract does not allow.
    #[error(transparent)]
    Contract(#[from] imgsig_contract::Error),
    /// A key size we do not generate.
    #[error("unsupported key size: {0}")]
    UnsupportedKeySize(String),
    /// Key material that could not be read.
    #[error("cannot read {what}: {detail} (expected PEM or DER)")]
    BadKey {
        /// What was being read ("private key", "certificate" …).
        what: &'static str,
        /// What the parser said.
        detail: String,
    },
    /// The key is of a kind the harness does not handle.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// Not a backend name.
    #[error("unknown backend {0:?}: use rustcrypto or openssl")]
    UnknownBackend(String),
    /// A backend cannot do this operation with this key.
    #[error("the {backend} backend does not support {algorithm}")]
    BackendUnsupported {
        /// Backend name.
        backend: &'static str,
        /// The key algorithm.
        algorithm: String,
    },
    /// A signing operation failed.
    #[error("signing with {backend} failed: {detail}")]
    Signing {
        /// Backend name.
        backend: &'static str,
        /// What the backend said.
        detail: String,
    },
    /// An OpenSSL call failed.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    /// The signature is not RSA-PSS material for this key.
    #[error("not an RSA-PSS signature for this key: {0}")]
    NotPss(String),
    /// The `openssl` command could not be run or failed.
    #[error("{0}")]
    OpensslCommand(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A stream (not a named file) failed.
    #[error("I/O error: {0}")]
    Stream(#[from] std::io::Error),
}

impl Error {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// The crypto crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
