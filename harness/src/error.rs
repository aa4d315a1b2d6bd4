//! The crate's one error type.

use std::path::PathBuf;

use thiserror::Error;

use crate::spec::HashMethod;

/// Everything that can go wrong in imgsig, with a message that says what to
/// do about it.
#[derive(Debug, Error)]
pub enum Error {
    /// Not one of SHA-224, SHA-256, SHA-384, SHA-512 (exact spelling).
    #[error(
        "Invalid signature hash method: {0} (expected one of SHA-224, SHA-256, SHA-384, SHA-512)"
    )]
    InvalidHashMethod(String),
    /// Not a registered key type.
    #[error(
        "Invalid signature key type: {0} (expected RSA-PSS, DSA or ECC_ followed by SECT571K1, \
         SECT409K1, SECT571R1, SECT409R1, SECP521R1 or SECP384R1)"
    )]
    InvalidKeyType(String),
    /// Not a salt policy.
    #[error("invalid PSS salt length {0:?}: use `max`, `digest` or a number of bytes")]
    InvalidSaltPolicy(String),
    /// The RSA key cannot hold a PSS encoding with this hash at all.
    #[error("a {modulus_bits}-bit RSA key is too small for RSA-PSS with {hash}")]
    KeyTooSmallForHash {
        /// Modulus size.
        modulus_bits: usize,
        /// Hash method.
        hash: HashMethod,
    },
    /// The requested salt does not fit the key.
    #[error(
        "a PSS salt of {salt} bytes does not fit a {modulus_bits}-bit key with {hash}: \
         the maximum is {max}"
    )]
    SaltTooLong {
        /// Requested salt length.
        salt: usize,
        /// The maximum for this key and hash.
        max: usize,
        /// Modulus size.
        modulus_bits: usize,
        /// Hash method.
        hash: HashMethod,
    },
    /// Not a profile name.
    #[error("unknown profile {0:?}: use glance-current, glance-legacy or documented")]
    UnknownProfile(String),
    /// Python refuses `str` input with non-ASCII characters.
    #[error("string argument should contain only ASCII characters")]
    NonAsciiBase64,
    /// One base64 data character more than a multiple of four.
    #[error(
        "Invalid base64-encoded string: number of data characters ({0}) cannot be 1 more than a multiple of 4"
    )]
    DanglingBase64Character(usize),
    /// Two or three base64 data characters left over without padding.
    #[error("Incorrect padding")]
    IncorrectBase64Padding,
    /// Rejected by the strict RFC 4648 decoder.
    #[error("not canonical base64: {0}")]
    StrictBase64(String),
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
    /// A configuration or authentication problem with a target.
    #[error("{0}")]
    Config(String),
    /// A case id that does not follow the grammar of case ids.
    #[error("bad case id {0:?}: expected <family>.<segment>[.<segment>…], families sig, neg, cert, reg, doc, big; segments of a-z, 0-9 and inner '-'")]
    BadCaseId(String),
    /// The case catalogue could not be built from the pinned material.
    #[error("cannot build the case catalogue: {0}")]
    Catalogue(String),
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
    /// Keystone refused the credentials (401/403).
    #[error("{0}")]
    KeystoneRefused(Box<crate::openstack::KeystoneRefusal>),
    /// The service catalog lacks what is needed (service, interface, region).
    #[error("service catalog: {0}")]
    Catalog(String),
    /// An OpenStack service answered with an unexpected status; carries the
    /// exchange as evidence.
    #[error("{0}")]
    Api(Box<crate::openstack::ApiFailure>),
    /// An OpenStack service could not be reached or did not answer in time;
    /// carries the exchange as evidence.
    #[error("{0}")]
    Transport(Box<crate::openstack::TransportFailure>),
}

impl Error {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

impl Error {
    /// The HTTP exchange behind an OpenStack failure, for a report.
    pub fn exchange(&self) -> Option<&crate::openstack::Exchange> {
        match self {
            Error::Api(f) => Some(&f.exchange),
            Error::Transport(f) => Some(&f.exchange),
            _ => None,
        }
    }

    /// The status an OpenStack service answered with, if it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(f) => f.exchange.status,
            Error::KeystoneRefused(r) => Some(r.status),
            _ => None,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
