//! The families of the catalogue, one module each. Each family returns its
//! cases without expectations; [`catalogue`] derives those from the rules.
//! This module holds what the families share: stable seeds, key slugs, and
//! [`Valid`], a good signed case that a family then changes.

mod big;
mod cert;
mod cert_trust;
mod disk_format;
mod doc;
mod key_forms;
mod neg;
mod reg;
mod sig;

use std::collections::BTreeMap;

use super::expect::expectations;
use super::image::ImageSource;
use super::keys;
use super::{Case, CaseId, PssRecord, Secret, SecretOwner, UuidRef};
use crate::crypto::cert::Certificate;
use crate::crypto::{digest_reader, BackendKind, KeyAlgorithm, KeySpec, PrivateKey};
use crate::spec::base64::encode;
use crate::spec::{properties, HashMethod, KeyType, PropertyMap, PssSignSalt};
use crate::Result;

/// Size of the ordinary test image.
pub(super) const IMAGE_LEN: usize = 1024;
/// A certificate id no secret has (the one in the wire transcript).
pub(super) const UNKNOWN_ID: &str = "00000000-0000-0000-0000-000000000000";

/// FNV-1a: a stable seed per case id.
pub(super) fn seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The id segment for a key: `rsa-pss-2048`, `dsa-2048-256`, `ecc-secp384r1`.
pub(super) fn key_slug(spec: KeySpec) -> String {
    match spec.algorithm() {
        KeyAlgorithm::Rsa { bits } => format!("rsa-pss-{bits}"),
        other => other.slug(),
    }
}

/// A signature over `image` and, for RSA, how its PSS padding was made.
pub(super) fn sign(
    key: &PrivateKey,
    hash: HashMethod,
    image: &ImageSource,
    salt: PssSignSalt,
) -> Result<(Vec<u8>, Option<PssRecord>)> {
    let backend = BackendKind::OpenSsl.backend();
    let digest = digest_reader(backend, hash, image.reader())?;
    let signature = backend.sign_digest(key, hash, &digest, salt)?;
    let pss = match key.algorithm() {
        KeyAlgorithm::Rsa { bits } => Some(PssRecord {
            modulus_bits: *bits,
            hash,
            salt_length: salt.resolve(*bits, hash)?,
        }),
        _ => None,
    };
    Ok((signature, pss))
}

pub(super) fn props(signature: &str, hash: &str, key_type: &str) -> PropertyMap {
    PropertyMap::from([
        (properties::SIGNATURE.to_owned(), signature.to_owned()),
        (properties::HASH_METHOD.to_owned(), hash.to_owned()),
        (properties::KEY_TYPE.to_owned(), key_type.to_owned()),
    ])
}

pub(super) fn pem_secret(cert: &Certificate) -> Result<Secret> {
    Ok(Secret {
        secret_type: "certificate".to_owned(),
        payload: cert.to_pem()?,
        owner: SecretOwner::Uploader,
    })
}

/// A valid signed case: `key` signs `image` with `hash`; the certificate
/// of `key` is stored; the key type is the key's own.
pub(super) struct Valid {
    key_name: String,
    key_type: KeyType,
    pub(super) hash: HashMethod,
    pub(super) image: ImageSource,
    pub(super) signature: Vec<u8>,
    pub(super) pss: Option<PssRecord>,
}

impl Valid {
    pub(super) fn new(
        key_name: &str,
        hash: HashMethod,
        image: ImageSource,
        salt: PssSignSalt,
    ) -> Result<Valid> {
        let key = keys::key(key_name)?;
        let key_type = key
            .algorithm()
            .key_type()
            .ok_or_else(|| crate::Error::Catalogue(format!("{key_name} has no key type")))?;
        let (signature, pss) = sign(key, hash, &image, salt)?;
        Ok(Valid {
            key_name: key_name.to_owned(),
            key_type,
            hash,
            image,
            signature,
            pss,
        })
    }

    pub(super) fn case(&self, id: String, reason: String) -> Result<Case> {
        Ok(Case {
            id: CaseId::new(id)?,
            reason,
            key: self.key_name.clone(),
            matrix: None,
            properties: props(
                &encode(&self.signature),
                self.hash.as_str(),
                &self.key_type.as_property(),
            ),
            uuid: UuidRef::Stored,
            secret: Some(pem_secret(keys::pinned_certificate(&self.key_name)?)?),
            image: self.image.clone(),
            pss: self.pss,
            implementation_defined: false,
            trust: None,
            expected: BTreeMap::new(),
        })
    }
}

pub(super) fn flip(bytes: &[u8], index: usize) -> ImageSource {
    let mut b = bytes.to_vec();
    if let Some(x) = b.get_mut(index) {
        *x ^= 0x01;
    }
    ImageSource::Bytes(b.into())
}

/// The `cert.trust.*` cases alone (their upload expectations filled), for
/// the consumer catalogue.
pub(crate) fn trust_cases() -> Result<Vec<Case>> {
    let mut cases = cert_trust::cases()?;
    for c in &mut cases {
        c.expected = expectations(c);
    }
    Ok(cases)
}

/// The whole catalogue with expectations; `big.*` only when asked for
/// (signing them hashes gigabytes).
pub fn catalogue(include_big: bool) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    cases.extend(sig::cases()?);
    cases.extend(key_forms::cases()?);
    cases.extend(neg::cases()?);
    cases.extend(cert::cases()?);
    cases.extend(cert_trust::cases()?);
    cases.extend(reg::cases()?);
    cases.extend(doc::cases()?);
    cases.extend(disk_format::cases()?);
    if include_big {
        cases.extend(big::cases()?);
    }
    for c in &mut cases {
        c.expected = expectations(c);
    }
    Ok(cases)
}
