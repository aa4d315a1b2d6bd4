//! The contract, as data: property names, hash methods, key types, PSS salt
//! policies, profiles and the reasons upstream gives for a rejection.
//!
//! Every other module speaks in these types. This module knows nothing of
//! cryptography, HTTP or files.

pub mod base64;
mod hash;
mod key_type;
mod profile;
pub mod properties;
mod pss;
mod rejection;

pub use hash::HashMethod;
pub use key_type::{Curve, KeyFamily, KeyType, KeyTypeSpelling};
pub use profile::{FailedUpload, Profile};
pub use properties::{Base64Mode, PropertyMap, PropertySource, Request, SignatureProperties};
pub use pss::{em_len, max_salt_len, PssSignSalt, PssVerifySalt};
pub use rejection::Rejection;

use thiserror::Error;

/// A value that is not part of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
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
}
