//! `img_signature_hash_method`: the four hash methods upstream accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A value of `img_signature_hash_method`.
///
/// Parsing is exact and case-sensitive, as in cursive's `HASH_METHODS`
/// dictionary: `SHA-256` is valid, `sha256`, `SHA256` and `sha-256` are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HashMethod {
    /// `SHA-224`
    #[serde(rename = "SHA-224")]
    Sha224,
    /// `SHA-256`
    #[serde(rename = "SHA-256")]
    Sha256,
    /// `SHA-384`
    #[serde(rename = "SHA-384")]
    Sha384,
    /// `SHA-512`
    #[serde(rename = "SHA-512")]
    Sha512,
}

impl HashMethod {
    /// Every hash method, in the order the documentation lists them.
    pub const ALL: [HashMethod; 4] = [
        HashMethod::Sha224,
        HashMethod::Sha256,
        HashMethod::Sha384,
        HashMethod::Sha512,
    ];

    /// The property value, e.g. `SHA-256`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HashMethod::Sha224 => "SHA-224",
            HashMethod::Sha256 => "SHA-256",
            HashMethod::Sha384 => "SHA-384",
            HashMethod::Sha512 => "SHA-512",
        }
    }

    /// Lower-case form used in case ids, e.g. `sha-256`.
    pub const fn slug(self) -> &'static str {
        match self {
            HashMethod::Sha224 => "sha-224",
            HashMethod::Sha256 => "sha-256",
            HashMethod::Sha384 => "sha-384",
            HashMethod::Sha512 => "sha-512",
        }
    }

    /// Digest length in bytes (hLen).
    pub const fn digest_len(self) -> usize {
        match self {
            HashMethod::Sha224 => 28,
            HashMethod::Sha256 => 32,
            HashMethod::Sha384 => 48,
            HashMethod::Sha512 => 64,
        }
    }
}

impl fmt::Display for HashMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HashMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashMethod::ALL
            .into_iter()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| Error::InvalidHashMethod(s.to_owned()))
    }
}
