//! RSA-PSS salt length: what a signer uses and what a verifier demands.
//!
//! cursive asks for `PSS.MAX_LENGTH`. On signing that is the maximum salt,
//! emLen − hLen − 2. On verifying, pyca/cryptography ≤ 41 demanded exactly
//! that length while ≥ 42 accepts any (OpenSSL's auto-detection). Signers
//! that use the digest length instead (RHEL 9's OpenSSL 3.0.7 by default,
//! or `-sigopt rsa_pss_saltlen:digest` anywhere) therefore fail against old
//! verifiers for every key size except 1024 bits with SHA-512.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::HashMethod;
use crate::Error;

/// Encoded message length of EMSA-PSS for a modulus of `modulus_bits`:
/// emLen = ⌈(modBits − 1) / 8⌉.
pub const fn em_len(modulus_bits: usize) -> usize {
    (modulus_bits.saturating_sub(1)).div_ceil(8)
}

/// The maximum salt length, emLen − hLen − 2, or `None` when the key is too
/// small for the hash at all.
pub const fn max_salt_len(modulus_bits: usize, hash: HashMethod) -> Option<usize> {
    em_len(modulus_bits).checked_sub(hash.digest_len() + 2)
}

/// Who accepts a salt other than the maximum: the one sentence every
/// report, diagnosis and note uses.
pub const NON_MAX_SALT_VERDICT: &str =
    "verifiers that demand the maximum (pyca/cryptography <= 41) \
     reject it, auto-detecting ones (>= 42) accept it";

/// What the field's verifiers make of a PSS salt of `salt` bytes when the
/// maximum is `max`, as a phrase: "the maximum PSS salt (222 bytes), which
/// every verifier accepts" or "a PSS salt of 32 bytes, not the maximum
/// 222: verifiers that demand the maximum … reject it, …".
pub fn salt_reading(salt: usize, max: usize) -> String {
    if salt == max {
        format!("the maximum PSS salt ({salt} bytes), which every verifier accepts")
    } else {
        format!("a PSS salt of {salt} bytes, not the maximum {max}: {NON_MAX_SALT_VERDICT}")
    }
}

/// The salt length a signer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PssSignSalt {
    /// emLen − hLen − 2: what upstream OpenSSL's `openssl dgst -sigopt
    /// rsa_padding_mode:pss` uses, accepted by every verifier.
    Max,
    /// The digest length capped at the maximum, min(hLen, max): the default
    /// of some OpenSSL builds (RHEL 9's 3.0.7).
    DigestLength,
    /// Exactly this many bytes.
    Fixed(usize),
}

impl PssSignSalt {
    /// The concrete salt length for a key and hash, or an error when the
    /// length does not fit the key.
    pub fn resolve(self, modulus_bits: usize, hash: HashMethod) -> Result<usize, Error> {
        let max = max_salt_len(modulus_bits, hash)
            .ok_or(Error::KeyTooSmallForHash { modulus_bits, hash })?;
        match self {
            PssSignSalt::Max => Ok(max),
            PssSignSalt::DigestLength => Ok(hash.digest_len().min(max)),
            PssSignSalt::Fixed(n) if n <= max => Ok(n),
            PssSignSalt::Fixed(n) => Err(Error::SaltTooLong {
                salt: n,
                max,
                modulus_bits,
                hash,
            }),
        }
    }

    /// Short form used in case ids and on the command line: `max`,
    /// `digest`, or the number.
    pub fn slug(self) -> String {
        match self {
            PssSignSalt::Max => "max".to_owned(),
            PssSignSalt::DigestLength => "digest".to_owned(),
            PssSignSalt::Fixed(n) => n.to_string(),
        }
    }
}

impl fmt::Display for PssSignSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.slug())
    }
}

impl FromStr for PssSignSalt {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "max" => Ok(PssSignSalt::Max),
            "digest" => Ok(PssSignSalt::DigestLength),
            n => n
                .parse()
                .map(PssSignSalt::Fixed)
                .map_err(|_| Error::InvalidSaltPolicy(s.to_owned())),
        }
    }
}

/// What salt length a verifier accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PssVerifySalt {
    /// Exactly the maximum (pyca/cryptography ≤ 41 with `PSS.MAX_LENGTH`).
    ExactMax,
    /// Any salt length (pyca/cryptography ≥ 42; OpenSSL's auto-detection).
    Auto,
    /// Exactly this many bytes.
    Exact(usize),
}

impl PssVerifySalt {
    /// The salt length this policy demands for a key and hash, if it
    /// demands one.
    pub fn required(self, modulus_bits: usize, hash: HashMethod) -> Option<usize> {
        match self {
            PssVerifySalt::ExactMax => max_salt_len(modulus_bits, hash),
            PssVerifySalt::Auto => None,
            PssVerifySalt::Exact(n) => Some(n),
        }
    }

    /// Whether a signature with salt length `salt` passes this policy.
    pub fn accepts(self, salt: usize, modulus_bits: usize, hash: HashMethod) -> bool {
        self.required(modulus_bits, hash).is_none_or(|n| n == salt)
    }
}

impl fmt::Display for PssVerifySalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PssVerifySalt::ExactMax => f.write_str("exactly the maximum"),
            PssVerifySalt::Auto => f.write_str("any length (auto-detected)"),
            PssVerifySalt::Exact(n) => write!(f, "exactly {n} bytes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxima_match_the_spec() {
        assert_eq!(max_salt_len(1024, HashMethod::Sha512), Some(62));
        assert_eq!(max_salt_len(1024, HashMethod::Sha256), Some(94));
        assert_eq!(max_salt_len(2048, HashMethod::Sha256), Some(222));
        assert_eq!(max_salt_len(2048, HashMethod::Sha384), Some(206));
        assert_eq!(max_salt_len(2048, HashMethod::Sha512), Some(190));
        // modBits − 1 a multiple of 8: emLen is one byte shorter than k.
        assert_eq!(em_len(1025), 128);
        assert_eq!(max_salt_len(512, HashMethod::Sha512), None);
    }

    #[test]
    fn field_failures_follow_from_the_policies() {
        let strict = PssVerifySalt::ExactMax;
        let rhel = PssSignSalt::DigestLength;
        let salt = |bits, h| rhel.resolve(bits, h).unwrap();
        assert!(strict.accepts(salt(1024, HashMethod::Sha512), 1024, HashMethod::Sha512));
        assert!(!strict.accepts(salt(1024, HashMethod::Sha256), 1024, HashMethod::Sha256));
        for h in HashMethod::ALL {
            assert!(!strict.accepts(salt(2048, h), 2048, h));
            assert!(PssVerifySalt::Auto.accepts(salt(2048, h), 2048, h));
        }
    }

    #[test]
    fn fixed_salt_must_fit() {
        assert!(PssSignSalt::Fixed(63)
            .resolve(1024, HashMethod::Sha512)
            .is_err());
        assert_eq!(
            PssSignSalt::Fixed(0)
                .resolve(1024, HashMethod::Sha512)
                .unwrap(),
            0
        );
        assert_eq!(
            "digest".parse::<PssSignSalt>().unwrap(),
            PssSignSalt::DigestLength
        );
        assert_eq!("20".parse::<PssSignSalt>().unwrap(), PssSignSalt::Fixed(20));
        assert!("big".parse::<PssSignSalt>().is_err());
    }
}
