//! The crate's one error type.

use std::io;

use thiserror::Error;

/// Anything that can go wrong starting or running the mock cloud.
#[derive(Debug, Error)]
pub enum MockError {
    /// A listener could not be bound (port taken, or not a loopback address).
    #[error("cannot bind {service} on {addr}: {source}; pick another port or use 0 for an ephemeral one")]
    Bind {
        /// Which service.
        service: &'static str,
        /// The address tried.
        addr: String,
        /// The cause.
        source: io::Error,
    },
    /// The configuration is inconsistent.
    #[error("invalid mock configuration: {0}")]
    Config(String),
    /// The configuration file cannot be read or parsed.
    #[error("cannot read mock configuration {path}: {reason}")]
    ConfigFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A fault rule (`--fault`, the configuration's `faults`) is malformed.
    #[error("invalid fault {rule:?}: {reason}")]
    Fault {
        /// The rule as given.
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file-system operation on the image store failed.
    #[error("image store: {0}")]
    Io(#[from] io::Error),
    /// The async runtime could not be built (blocking helper only).
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(io::Error),
}
