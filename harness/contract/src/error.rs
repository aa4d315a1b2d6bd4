//! The contract's one error type: names and values that are not part of
//! the contract.

use thiserror::Error;

use crate::HashMethod;

/// A value that the contract does not allow, with a message that says what
/// it does allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
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
}

/// The contract's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
