//! RSASSA-PSS keys (OID 1.2.840.113549.1.1.10, `openssl genpkey -algorithm
//! RSA-PSS`): their parameters, and the plain RSA form upstream reads.
//!
//! Upstream ignores the parameters. pyca/cryptography loads such a key as an
//! ordinary RSA key (41.0.7 strips the constraints on load; 50.0.2 reads the
//! RSA numbers only), and cursive then verifies with MGF1 over the image's
//! hash method and the salt rule of the profile, whatever the key says. Run
//! here with pyca/cryptography 50.0.2 and 41.0.7 on a 2048-bit key restricted
//! to SHA-512 / MGF1-SHA-512 / minimum salt 64: a SHA-256 signature with salt
//! 0 is accepted by 50.0.2 (any salt) and a SHA-256 maximum-salt signature by
//! both; a signature with MGF1-SHA-512 over a SHA-256 digest is rejected by
//! both (the MGF1 hash is always the image's hash). So the harness reads the
//! parameters only to show them, and every backend verifies with the key's
//! rsaEncryption form, as upstream does.
//!
//! One consequence seen with the `openssl` command: `openssl dgst -sign`
//! obeys the key's restrictions, and `-pkeyopt rsa_pss_keygen_md:sha256`
//! alone leaves the MGF1 digest at SHA-1 (salt 20), so that key's
//! `openssl dgst -sha256 -sign -sigopt rsa_padding_mode:pss` signature uses
//! MGF1-SHA-1 and upstream rejects it (both pyca/cryptography releases,
//! run here).

use std::fmt;

use rsa::pkcs1::RsaPssParams;
use rsa::pkcs8::der::asn1::{AnyRef, ObjectIdentifier};
use rsa::pkcs8::der::{Decode, Encode};
use rsa::pkcs8::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use rsa::pkcs8::PrivateKeyInfo;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// id-RSASSA-PSS.
pub(crate) const RSASSA_PSS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// rsaEncryption.
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");

/// A digest named in RSASSA-PSS key parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PssDigest {
    /// SHA-1 (the default when the parameters name none).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl PssDigest {
    const TABLE: [(PssDigest, &'static str, &'static str); 5] = [
        (PssDigest::Sha1, "1.3.14.3.2.26", "SHA-1"),
        (PssDigest::Sha224, "2.16.840.1.101.3.4.2.4", "SHA-224"),
        (PssDigest::Sha256, "2.16.840.1.101.3.4.2.1", "SHA-256"),
        (PssDigest::Sha384, "2.16.840.1.101.3.4.2.2", "SHA-384"),
        (PssDigest::Sha512, "2.16.840.1.101.3.4.2.3", "SHA-512"),
    ];

    fn oid(self) -> ObjectIdentifier {
        let (_, oid, _) = PssDigest::TABLE[self as usize];
        ObjectIdentifier::new_unwrap(oid)
    }

    fn from_oid(oid: ObjectIdentifier) -> Result<PssDigest> {
        PssDigest::TABLE
            .into_iter()
            .find(|(_, o, _)| ObjectIdentifier::new_unwrap(o) == oid)
            .map(|(d, _, _)| d)
            .ok_or_else(|| Error::UnsupportedKey(format!("RSASSA-PSS key with digest {oid}")))
    }

    /// The digest's name, e.g. `SHA-256`.
    pub fn name(self) -> &'static str {
        PssDigest::TABLE[self as usize].2
    }

    /// The digest for a hash method of the contract.
    pub const fn from_hash(hash: imgsig_contract::HashMethod) -> PssDigest {
        use imgsig_contract::HashMethod;
        match hash {
            HashMethod::Sha224 => PssDigest::Sha224,
            HashMethod::Sha256 => PssDigest::Sha256,
            HashMethod::Sha384 => PssDigest::Sha384,
            HashMethod::Sha512 => PssDigest::Sha512,
        }
    }
}

impl fmt::Display for PssDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The restrictions an RSASSA-PSS key may carry (RFC 4055 RSASSA-PSS-params).
/// Upstream ignores them (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PssKeyParams {
    /// The message digest the key is restricted to.
    pub hash: PssDigest,
    /// The MGF1 digest the key is restricted to.
    pub mgf1_hash: PssDigest,
    /// The minimum salt length, in bytes.
    pub min_salt_len: u8,
}

impl PssKeyParams {
    /// Restricted to one hash for the message and MGF1, with its length as
    /// the minimum salt (`openssl genpkey -algorithm RSA-PSS -pkeyopt
    /// rsa_pss_keygen_md:X -pkeyopt rsa_pss_keygen_mgf1_md:X -pkeyopt
    /// rsa_pss_keygen_saltlen:hLen`; `rsa_pss_keygen_md` alone leaves MGF1
    /// at SHA-1 and the salt at 20).
    pub fn for_hash(hash: imgsig_contract::HashMethod) -> PssKeyParams {
        let digest = PssDigest::from_hash(hash);
        PssKeyParams {
            hash: digest,
            mgf1_hash: digest,
            min_salt_len: hash.digest_len() as u8,
        }
    }

    /// Short form used in case ids: `sha-512-mgf1-sha-512-salt-64`.
    pub fn slug(&self) -> String {
        format!(
            "{}-mgf1-{}-salt-{}",
            self.hash.name().to_ascii_lowercase(),
            self.mgf1_hash.name().to_ascii_lowercase(),
            self.min_salt_len
        )
    }
}

impl fmt::Display for PssKeyParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hash {}, MGF1 with {}, minimum salt {}",
            self.hash, self.mgf1_hash, self.min_salt_len
        )
    }
}

/// An RSA key written as an RSASSA-PSS key: with or without restrictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RsaPssKey {
    /// id-RSASSA-PSS without parameters: any PSS use.
    Unrestricted,
    /// id-RSASSA-PSS with RSASSA-PSS-params.
    Restricted(PssKeyParams),
}

impl RsaPssKey {
    /// The restrictions, if any.
    pub fn params(self) -> Option<PssKeyParams> {
        match self {
            RsaPssKey::Unrestricted => None,
            RsaPssKey::Restricted(p) => Some(p),
        }
    }
}

impl fmt::Display for RsaPssKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RsaPssKey::Unrestricted => f.write_str("RSASSA-PSS key without parameters"),
            RsaPssKey::Restricted(p) => write!(f, "RSASSA-PSS key restricted to {p}"),
        }
    }
}

fn der_error(what: &'static str) -> impl FnOnce(rsa::pkcs8::der::Error) -> Error {
    move |e| Error::BadKey {
        what,
        detail: e.to_string(),
    }
}

fn read_params(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<Option<RsaPssKey>> {
    if algorithm.oid != RSASSA_PSS {
        return Ok(None);
    }
    let Some(any) = algorithm.parameters else {
        return Ok(Some(RsaPssKey::Unrestricted));
    };
    let params: RsaPssParams<'_> = any
        .decode_as()
        .map_err(der_error("RSASSA-PSS parameters"))?;
    if params.mask_gen.oid != MGF1 {
        return Err(Error::UnsupportedKey(format!(
            "RSASSA-PSS key with mask generation {}",
            params.mask_gen.oid
        )));
    }
    let mgf1 = params
        .mask_gen
        .parameters
        .map_or(Ok(PssDigest::Sha1), |h| PssDigest::from_oid(h.oid))?;
    Ok(Some(RsaPssKey::Restricted(PssKeyParams {
        hash: PssDigest::from_oid(params.hash.oid)?,
        mgf1_hash: mgf1,
        min_salt_len: params.salt_len,
    })))
}

/// The RSASSA-PSS parameters of a SubjectPublicKeyInfo, if its algorithm is
/// id-RSASSA-PSS.
pub(crate) fn spki_pss(spki_der: &[u8]) -> Result<Option<RsaPssKey>> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(der_error("public key"))?;
    read_params(&spki.algorithm)
}

const RSA_ENCRYPTION_ID: AlgorithmIdentifierRef<'static> = AlgorithmIdentifierRef {
    oid: RSA_ENCRYPTION,
    parameters: Some(AnyRef::NULL),
};

/// The same RSA key as an rsaEncryption SubjectPublicKeyInfo: how upstream
/// reads an RSASSA-PSS key. Other keys are returned unchanged.
pub(crate) fn rsa_encryption_spki(spki_der: &[u8]) -> Result<Vec<u8>> {
    let mut spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(der_error("public key"))?;
    if spki.algorithm.oid != RSASSA_PSS {
        return Ok(spki_der.to_vec());
    }
    spki.algorithm = RSA_ENCRYPTION_ID;
    spki.to_der().map_err(der_error("public key"))
}

/// The same RSA key as an rsaEncryption PKCS#8 PrivateKeyInfo. Other keys
/// are returned unchanged.
pub(crate) fn rsa_encryption_pkcs8(pkcs8_der: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut info = PrivateKeyInfo::from_der(pkcs8_der).map_err(der_error("private key"))?;
    if info.algorithm.oid != RSASSA_PSS {
        return Ok(zeroize::Zeroizing::new(pkcs8_der.to_vec()));
    }
    info.algorithm = RSA_ENCRYPTION_ID;
    Ok(zeroize::Zeroizing::new(
        info.to_der().map_err(der_error("private key"))?,
    ))
}

/// Rewrite an rsaEncryption PKCS#8 key as an RSASSA-PSS key, with or without
/// restrictions (as `openssl genpkey -algorithm RSA-PSS` writes them).
pub(crate) fn as_rsa_pss_pkcs8(
    pkcs8_der: &[u8],
    key: RsaPssKey,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut info = PrivateKeyInfo::from_der(pkcs8_der).map_err(der_error("private key"))?;
    let encoded_params = key
        .params()
        .map(|p| {
            let digest_id = |d: PssDigest| AlgorithmIdentifierRef {
                oid: d.oid(),
                parameters: Some(AnyRef::NULL),
            };
            RsaPssParams {
                hash: digest_id(p.hash),
                mask_gen: rsa::pkcs8::spki::AlgorithmIdentifier {
                    oid: MGF1,
                    parameters: Some(digest_id(p.mgf1_hash)),
                },
                salt_len: p.min_salt_len,
                trailer_field: Default::default(),
            }
            .to_der()
        })
        .transpose()
        .map_err(der_error("RSASSA-PSS parameters"))?;
    let parameters = encoded_params
        .as_deref()
        .map(AnyRef::from_der)
        .transpose()
        .map_err(der_error("RSASSA-PSS parameters"))?;
    info.algorithm = AlgorithmIdentifierRef {
        oid: RSASSA_PSS,
        parameters,
    };
    Ok(zeroize::Zeroizing::new(
        info.to_der().map_err(der_error("private key"))?,
    ))
}
