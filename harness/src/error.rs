//! The crate's one error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in imgsig, with a message that says what to
/// do about it.
#[derive(Debug, Error)]
pub enum Error {
    /// A value the contract does not allow.
    #[error(transparent)]
    Contract(#[from] imgsig_contract::Error),
    /// Keys, certificates, signing or verifying failed.
    #[error(transparent)]
    Crypto(#[from] imgsig_crypto::Error),
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
    /// An input file larger than such a file can be (`/dev/zero`, an image
    /// given as a certificate).
    #[error("{}: larger than {} MiB, the limit for a certificate, key, CA bundle, clouds.yaml or list file: is this the right file?", path.display(), limit >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
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
