//! The pinned test keys of `vectors/keys/` and certificates for them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::crypto::cert::{Certificate, CertificateParams};
use crate::crypto::{KeySpec, PrivateKey};
use crate::Result;

/// 2026-01-01T00:00:00Z: the start of validity of every catalogue
/// certificate, so the corpus does not change with the date it is built.
pub const NOT_BEFORE: i64 = 1_767_225_600;
/// 2036-01-01T00:00:00Z.
pub const NOT_AFTER: i64 = 2_082_758_400;

macro_rules! pinned {
    ($($name:literal),* $(,)?) => {
        &[$(Pinned {
            name: $name,
            key_pem: include_str!(concat!("../../../vectors/keys/", $name, ".pem")),
            certificate_pem: include_str!(concat!("../../../vectors/keys/", $name, ".crt.pem")),
        }),*]
    };
}

/// A pinned test key and its certificate, as committed under
/// `vectors/keys/`.
#[derive(Debug, Clone, Copy)]
pub struct Pinned {
    /// The file stem: `rsa-2048`, `dsa-2048-256`, `ecc-secp384r1`.
    pub name: &'static str,
    /// `<name>.pem`: the PKCS#8 private key.
    pub key_pem: &'static str,
    /// `<name>.crt.pem`: its self-signed certificate (see [`certificate`]).
    pub certificate_pem: &'static str,
}

/// The pinned keys and certificates.
pub const PINNED: &[Pinned] = pinned!(
    "rsa-1024",
    "rsa-2048",
    "rsa-3072",
    "rsa-4096",
    "rsa-8192",
    "rsa-pss-2048",
    "rsa-pss-2048-sha-512",
    "rsa-pss-3072-sha-256",
    "rsa-pss-4096-sha-384",
    "dsa-1024-160",
    "dsa-2048-224",
    "dsa-2048-256",
    "dsa-3072-256",
    "ecc-sect571k1",
    "ecc-sect409k1",
    "ecc-sect571r1",
    "ecc-sect409r1",
    "ecc-secp521r1",
    "ecc-secp384r1",
    "ecc-secp384r1-other",
    "ecc-secp384r1-explicit",
    "ecc-secp521r1-explicit",
    "ecc-secp384r1-hybrid",
    "ecc-secp521r1-compressed",
);

static KEYS: LazyLock<BTreeMap<&'static str, PrivateKey>> = LazyLock::new(|| {
    PINNED
        .iter()
        .filter_map(|p| {
            Some((
                p.name,
                PrivateKey::from_pem_or_der(p.key_pem.as_bytes()).ok()?,
            ))
        })
        .collect()
});

static CERTIFICATES: LazyLock<BTreeMap<&'static str, Certificate>> = LazyLock::new(|| {
    PINNED
        .iter()
        .filter_map(|p| {
            let cert = Certificate::from_pem_or_der(p.certificate_pem.as_bytes()).ok()?;
            Some((p.name, cert))
        })
        .collect()
});

/// A pinned key by file name.
pub fn key(name: &str) -> Result<&'static PrivateKey> {
    KEYS.get(name).ok_or_else(|| {
        crate::Error::Catalogue(format!(
            "the pinned key vectors/keys/{name}.pem is missing or unreadable"
        ))
    })
}

/// The pinned certificate of a pinned key, checked to hold that key's
/// public key.
pub fn pinned_certificate(name: &str) -> Result<&'static Certificate> {
    let cert = CERTIFICATES.get(name).ok_or_else(|| {
        crate::Error::Catalogue(format!(
            "the pinned certificate vectors/keys/{name}.crt.pem is missing or unreadable"
        ))
    })?;
    if cert.public_key()?.spki_der() != key(name)?.public_key()?.spki_der() {
        return Err(crate::Error::Catalogue(format!(
            "vectors/keys/{name}.crt.pem is not the certificate of vectors/keys/{name}.pem: \
             run `cargo xtask vectors --new-certificates`"
        )));
    }
    Ok(cert)
}

/// The pinned key for a spec of the matrix.
pub fn key_for(spec: KeySpec) -> Result<&'static PrivateKey> {
    key(&file_name(spec))
}

/// The file name of a spec's pinned key: `rsa-2048`, `dsa-2048-256`,
/// `ecc-secp384r1`.
pub fn file_name(spec: KeySpec) -> String {
    spec.algorithm().slug()
}

/// A certificate of the catalogue's kind for a key: self-signed, CA,
/// valid from 2026 to 2036 (how the pinned certificates were made).
pub fn certificate(key: &PrivateKey, common_name: &str) -> Result<Certificate> {
    certificate_valid(key, common_name, NOT_BEFORE, NOT_AFTER)
}

/// A self-signed certificate with the given validity.
pub fn certificate_valid(
    key: &PrivateKey,
    common_name: &str,
    not_before: i64,
    not_after: i64,
) -> Result<Certificate> {
    let mut params = CertificateParams::new(common_name, 1);
    params.not_before = not_before;
    params.not_after = not_after;
    Ok(params.self_signed(key)?)
}
