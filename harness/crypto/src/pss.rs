//! EMSA-PSS decoding after the RSA public operation: which salt length a
//! signature used. This is how the harness explains a PSS failure instead of
//! only reporting it.

use std::borrow::Cow;

use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use serde::Serialize;
use sha2::Digest;

use super::keys::{KeyAlgorithm, PublicKey};
use crate::{Error, Result};
use imgsig_contract::{em_len, max_salt_len, HashMethod};

/// What decoding a PSS signature revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PssDecoding {
    /// The salt length the signer used.
    pub salt_len: usize,
    /// The maximum salt length for this key and hash (what `PSS.MAX_LENGTH`
    /// demands on strict verifiers).
    pub max_salt_len: usize,
    /// Whether the signature is valid for the given digest at that salt
    /// length (`None` when no digest was given).
    pub digest_matches: Option<bool>,
}

fn digest(hash: HashMethod, parts: &[&[u8]]) -> Vec<u8> {
    fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut d = D::new();
        for p in parts {
            d.update(p);
        }
        d.finalize().to_vec()
    }
    match hash {
        HashMethod::Sha224 => run::<sha2::Sha224>(parts),
        HashMethod::Sha256 => run::<sha2::Sha256>(parts),
        HashMethod::Sha384 => run::<sha2::Sha384>(parts),
        HashMethod::Sha512 => run::<sha2::Sha512>(parts),
    }
}

fn mgf1(hash: HashMethod, seed: &[u8], len: usize) -> Vec<u8> {
    let mut mask = Vec::with_capacity(len + hash.digest_len());
    let mut counter = 0u32;
    while mask.len() < len {
        mask.extend(digest(hash, &[seed, &counter.to_be_bytes()]));
        counter += 1;
    }
    mask.truncate(len);
    mask
}

/// An RSA signature as upstream reads it: the octet string is an integer,
/// so one shorter than the modulus (its leading zero octets dropped) is the
/// same signature, left-padded here to the modulus length `k`. OpenSSL's
/// RSA public operation takes any length up to `k`, and so pyca/cryptography
/// 41 and 50 accept such a signature (tried on both); one longer than `k`
/// is refused everywhere and is returned as it is.
pub(crate) fn rsa_signature_octets(signature: &[u8], k: usize) -> Cow<'_, [u8]> {
    if signature.len() >= k {
        return Cow::Borrowed(signature);
    }
    let mut padded = vec![0u8; k - signature.len()];
    padded.extend_from_slice(signature);
    Cow::Owned(padded)
}

/// Recover the salt length of an RSA-PSS `signature` made with `hash` and
/// MGF1(`hash`) by the key behind `public_key`; with `message_digest`, also
/// say whether the signature is valid for it.
///
/// Fails when the signature is not a PSS encoding under this key and hash
/// (wrong key, wrong hash, not PSS at all, corrupted).
pub fn pss_salt_length(
    signature: &[u8],
    public_key: &PublicKey,
    hash: HashMethod,
    message_digest: Option<&[u8]>,
) -> Result<PssDecoding> {
    let KeyAlgorithm::Rsa { bits } = *public_key.algorithm() else {
        return Err(Error::NotPss(format!(
            "the key is {}, not RSA",
            public_key.algorithm()
        )));
    };
    let key = crate::rustcrypto::rsa_public_key(public_key.spki_der())
        .map_err(|e| Error::NotPss(e.to_string()))?;
    let k = key.size();
    if signature.len() > k {
        return Err(Error::NotPss(format!(
            "signature is {} bytes, the key's modulus {k}",
            signature.len()
        )));
    }
    let s = BigUint::from_bytes_be(signature);
    if &s >= key.n() {
        return Err(Error::NotPss("signature value exceeds the modulus".into()));
    }
    let m = s.modpow(key.e(), key.n()).to_bytes_be();
    let em_len = em_len(bits);
    // The encoded message is emLen bytes; when modBits − 1 is a multiple of
    // 8, the k-byte representative carries one extra leading zero byte.
    if m.len() > em_len {
        return Err(Error::NotPss("encoded message longer than emLen".into()));
    }
    let mut em = vec![0u8; em_len - m.len()];
    em.extend_from_slice(&m);

    let h_len = hash.digest_len();
    let max = max_salt_len(bits, hash).ok_or(imgsig_contract::Error::KeyTooSmallForHash {
        modulus_bits: bits,
        hash,
    })?;
    if em.last() != Some(&0xbc) {
        return Err(Error::NotPss(
            "trailer byte is not 0xbc (wrong key, or not PSS padding)".into(),
        ));
    }
    let db_len = em_len - h_len - 1;
    let (masked_db, rest) = em.split_at(db_len);
    let h = &rest[..h_len];
    let mut db: Vec<u8> = masked_db
        .iter()
        .zip(mgf1(hash, h, db_len))
        .map(|(a, b)| a ^ b)
        .collect();
    let unused_bits = 8 * em_len - (bits - 1);
    db[0] &= 0xffu8 >> unused_bits;
    let one = db.iter().position(|&b| b != 0).ok_or_else(|| {
        Error::NotPss("no 0x01 separator in the data block (wrong hash or key)".into())
    })?;
    if db[one] != 0x01 {
        return Err(Error::NotPss(format!(
            "data block separator is {:#04x}, not 0x01 (wrong hash or key)",
            db[one]
        )));
    }
    let salt = &db[one + 1..];
    let digest_matches =
        message_digest.map(|md| digest(hash, &[&[0u8; 8], md, salt]).as_slice() == h);
    Ok(PssDecoding {
        salt_len: salt.len(),
        max_salt_len: max,
        digest_matches,
    })
}
