//! The cryptography of imgsig and its reference verifier: keys, signatures
//! and certificates behind one [`Backend`] trait with two independent
//! implementations (RustCrypto and OpenSSL), PSS salt recovery, the DER
//! reader, the upload verifier ([`verify::UploadVerifier`]) and Nova's
//! certificate trust validation ([`trust`]).
//!
//! Signing and verifying always hash the image as a stream first and then
//! sign or verify the prehashed digest, exactly as cursive does; nothing
//! ever holds a whole image in memory. This crate knows the contract
//! (`imgsig-contract`) and nothing of cases, targets, HTTP or reports.

pub mod cert;
pub mod consume;
pub mod der;
mod error;
pub mod inspect;
pub mod keys;
pub mod openssl_cli;
mod ossl;
pub mod pss;
pub mod rsa_pss_key;
mod rustcrypto;
pub mod trust;
pub mod verify;

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use keys::{
    DsaSize, EcCurve, KeyAlgorithm, KeySpec, PrivateKey, PublicKey, RSA_MAX_BITS, RSA_SIZES,
};
pub use pss::{pss_salt_length, PssDecoding};
pub use rsa_pss_key::{PssDigest, PssKeyParams, RsaPssKey};

pub use error::{Error, Result};
use imgsig_contract::{HashMethod, PssSignSalt, PssVerifySalt};

/// Read size for streaming: large blocks keep hashing at full speed.
pub const CHUNK_SIZE: usize = 1 << 20;

/// Incremental hashing of a stream.
pub trait StreamHasher: Send {
    /// Feed the next bytes.
    fn update(&mut self, data: &[u8]);
    /// The digest of everything fed.
    fn finalize(self: Box<Self>) -> Result<Vec<u8>>;
}

/// A cryptography implementation: hashing, and signing and verifying
/// prehashed digests with the contract's padding rules.
pub trait Backend: Sync {
    /// Which backend this is.
    fn kind(&self) -> BackendKind;
    /// Whether it can handle keys of this algorithm.
    fn supports(&self, algorithm: &KeyAlgorithm) -> bool;
    /// Whether it can read this key: its algorithm is supported and its
    /// encoding readable (RustCrypto supports P-384 but cannot read a point
    /// in hybrid form, which OpenSSL and pyca/cryptography read).
    fn reads(&self, key: &PublicKey) -> bool {
        self.supports(key.algorithm())
    }
    /// A fresh hasher.
    fn hasher(&self, hash: HashMethod) -> Box<dyn StreamHasher>;
    /// Sign a digest made with `hash`. RSA keys sign RSA-PSS with MGF1(`hash`)
    /// and the given salt; DSA and EC keys produce DER-encoded (r, s).
    fn sign_digest(
        &self,
        key: &PrivateKey,
        hash: HashMethod,
        digest: &[u8],
        salt: PssSignSalt,
    ) -> Result<Vec<u8>>;
    /// Whether `signature` is valid for `digest`. A malformed signature is
    /// `Ok(false)`; `Err` means the check could not be made at all.
    fn verify_digest(
        &self,
        key: &PublicKey,
        hash: HashMethod,
        digest: &[u8],
        signature: &[u8],
        salt: PssVerifySalt,
    ) -> Result<bool>;
}

/// The two backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    /// rsa, dsa, p384, p521, sha2.
    RustCrypto,
    /// The `openssl` crate.
    OpenSsl,
}

impl BackendKind {
    /// Both backends.
    pub const ALL: [BackendKind; 2] = [BackendKind::RustCrypto, BackendKind::OpenSsl];

    /// The backend's name: `rustcrypto` or `openssl`.
    pub const fn name(self) -> &'static str {
        match self {
            BackendKind::RustCrypto => "rustcrypto",
            BackendKind::OpenSsl => "openssl",
        }
    }

    /// The implementation.
    pub fn backend(self) -> &'static dyn Backend {
        match self {
            BackendKind::RustCrypto => &rustcrypto::RustCrypto,
            BackendKind::OpenSsl => &ossl::OpenSsl,
        }
    }

    /// The other backend: the one that checks this one's work.
    pub const fn other(self) -> BackendKind {
        match self {
            BackendKind::RustCrypto => BackendKind::OpenSsl,
            BackendKind::OpenSsl => BackendKind::RustCrypto,
        }
    }

    /// The backend that hashes images when no backend was asked for:
    /// OpenSSL, for every hash. Upstream (pyca/cryptography) hashes with
    /// OpenSSL too, and it is the faster one here: equal on SHA-224/256
    /// (both use SHA-NI), about 1.5× sha2 on SHA-384/512, where OpenSSL's
    /// AVX2/BMI2 assembly beats sha2's AVX2 code (sha2's `asm` feature only
    /// replaces its fallback for CPUs without AVX2). The digest is the same
    /// whoever computes it; asking for a backend explicitly still runs the
    /// whole check, hashing included, on that backend alone.
    pub const fn for_hashing() -> BackendKind {
        BackendKind::OpenSsl
    }

    /// The preferred backend for keys of an algorithm: RustCrypto where it
    /// can, OpenSSL for what only OpenSSL has (binary curves, other curves).
    pub fn for_algorithm(algorithm: &KeyAlgorithm) -> BackendKind {
        if rustcrypto::RustCrypto.supports(algorithm) {
            BackendKind::RustCrypto
        } else {
            BackendKind::OpenSsl
        }
    }

    /// The preferred backend for this key: RustCrypto where it reads the
    /// key, OpenSSL for the rest (what only OpenSSL has, and encodings
    /// only OpenSSL reads, such as an EC point in hybrid form).
    pub fn for_key(key: &PublicKey) -> BackendKind {
        if rustcrypto::RustCrypto.reads(key) {
            BackendKind::RustCrypto
        } else {
            BackendKind::OpenSsl
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        BackendKind::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| Error::UnknownBackend(s.to_owned()))
    }
}

/// Hash everything `reader` yields, in [`CHUNK_SIZE`] blocks.
pub fn digest_reader(
    backend: &dyn Backend,
    hash: HashMethod,
    mut reader: impl Read,
) -> Result<Vec<u8>> {
    let mut hasher = backend.hasher(hash);
    let mut buf = vec![0u8; CHUNK_SIZE];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    hasher.finalize()
}

/// Hash `data` in one go.
pub fn digest_bytes(backend: &dyn Backend, hash: HashMethod, data: &[u8]) -> Result<Vec<u8>> {
    let mut hasher = backend.hasher(hash);
    hasher.update(data);
    hasher.finalize()
}
