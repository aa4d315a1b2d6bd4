//! cursive's `verify_certificate_signature`: the issuer's *key type*
//! chooses the check (RSA → PKCS#1 v1.5, EC → ECDSA, anything else → DSA)
//! and the child's signature algorithm only gives the hash
//! (`certificate.signature_hash_algorithm`). So an RSASSA-PSS-signed child
//! never verifies under any issuer (PKCS#1 v1.5 is tried for RSA), and the
//! algorithm named in the child is not compared with the issuer's key.

use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Public};
use openssl::sign::Verifier;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::{Error, Result};

const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";

/// The hash cryptography's `signature_hash_algorithm` names for a signature
/// algorithm; `None` for RSASSA-PSS, which cursive's PKCS#1 v1.5, ECDSA or
/// DSA check can never verify, whatever its hash.
fn hash_of(algorithm: &AlgorithmIdentifierOwned) -> Result<Option<MessageDigest>> {
    let oid = algorithm.oid.to_string();
    let digest = match oid.as_str() {
        "1.2.840.113549.1.1.4" => MessageDigest::md5(),
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => MessageDigest::sha1(),
        "1.2.840.113549.1.1.14" | "1.2.840.10045.4.3.1" | "2.16.840.1.101.3.4.3.1" => {
            MessageDigest::sha224()
        }
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" | "2.16.840.1.101.3.4.3.2" => {
            MessageDigest::sha256()
        }
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" | "2.16.840.1.101.3.4.3.3" => {
            MessageDigest::sha384()
        }
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" | "2.16.840.1.101.3.4.3.4" => {
            MessageDigest::sha512()
        }
        RSASSA_PSS => return Ok(None),
        _ => return Err(unmodelled(&oid)),
    };
    Ok(Some(digest))
}

/// Whether a certificate is signed with RSASSA-PSS.
pub(crate) fn is_pss(algorithm: &AlgorithmIdentifierOwned) -> bool {
    algorithm.oid.to_string() == RSASSA_PSS
}

fn unmodelled(what: &str) -> Error {
    Error::UnsupportedKey(format!(
        "certificate signature algorithm {what}: imgsig does not model what cursive does with it"
    ))
}

/// Whether `issuer_key` verifies the child's `signature` over its `tbs`
/// bytes the way cursive checks it.
pub(crate) fn verifies(
    issuer_key: &PKey<Public>,
    algorithm: &AlgorithmIdentifierOwned,
    tbs: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let Some(digest) = hash_of(algorithm)? else {
        return Ok(false);
    };
    match issuer_key.id() {
        Id::RSA | Id::EC | Id::DSA => {}
        other => {
            return Err(Error::UnsupportedKey(format!(
                "issuer key type {other:?}: cursive verifies it as DSA, imgsig does not model that"
            )))
        }
    }
    // PKCS#1 v1.5 is OpenSSL's default padding for RSA; EC and DSA take the
    // DER (r, s) signature as it stands.
    let mut verifier = Verifier::new(digest, issuer_key)?;
    verifier.update(tbs)?;
    // A malformed signature is a failed check (cryptography raises
    // InvalidSignature), never an error.
    Ok(verifier.verify(signature).unwrap_or(false))
}
