//! The RustCrypto backend: rsa, dsa, p384, p521 and sha2. It has no binary
//! curves and no curves outside P-384/P-521.

use std::borrow::Cow;

use rand::rngs::OsRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use sha2::Digest;
use signature::hazmat::{PrehashSigner, PrehashVerifier};
use signature::SignatureEncoding;

use super::keys::{DsaSize, EcCurve, KeyAlgorithm, PrivateKey, PublicKey, RSA_MAX_BITS};
use super::pss::{pss_salt_length, rsa_signature_octets};
use super::{Backend, BackendKind, StreamHasher};
use crate::{Error, Result};
use imgsig_contract::{Curve, HashMethod, PssSignSalt, PssVerifySalt};

/// The RustCrypto backend.
pub(super) struct RustCrypto;

struct Sha2Hasher<D>(D);

impl<D: Digest + Send> StreamHasher for Sha2Hasher<D> {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finalize(self: Box<Self>) -> Result<Vec<u8>> {
        Ok(self.0.finalize().to_vec())
    }
}

fn unsupported(algorithm: &KeyAlgorithm) -> Error {
    Error::BackendUnsupported {
        backend: BackendKind::RustCrypto.name(),
        algorithm: algorithm.to_string(),
    }
}

fn signing(e: impl std::fmt::Display) -> Error {
    Error::Signing {
        backend: BackendKind::RustCrypto.name(),
        detail: e.to_string(),
    }
}

fn bad_key(e: impl std::fmt::Display) -> Error {
    Error::BadKey {
        what: "key",
        detail: e.to_string(),
    }
}

/// ecdsa 0.16 refuses prehashes shorter than half the field size (SHA-224
/// and SHA-256 on P-521). Left-padding with zero bytes denotes the same
/// integer, which is what FIPS 186 uses when the hash is shorter than the
/// order, so the signature is unchanged in meaning.
fn ecdsa_prehash(field_len: usize, digest: &[u8]) -> Cow<'_, [u8]> {
    let min = field_len / 2;
    if digest.len() >= min {
        Cow::Borrowed(digest)
    } else {
        let mut padded = vec![0u8; min - digest.len()];
        padded.extend_from_slice(digest);
        Cow::Owned(padded)
    }
}

const P384_FIELD: usize = 48;
const P521_FIELD: usize = 66;

fn pss_scheme(hash: HashMethod, salt_len: usize) -> rsa::Pss {
    match hash {
        HashMethod::Sha224 => rsa::Pss::new_with_salt::<sha2::Sha224>(salt_len),
        HashMethod::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt_len),
        HashMethod::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt_len),
        HashMethod::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt_len),
    }
}

/// Read an RSA public key from its SubjectPublicKeyInfo, as rsaEncryption or
/// as an RSASSA-PSS key (whose parameters upstream ignores), up to
/// [`RSA_MAX_BITS`] rather than the `rsa` crate's default of 4096 bits.
pub(crate) fn rsa_public_key(spki_der: &[u8]) -> Result<rsa::RsaPublicKey> {
    use rsa::pkcs1::der::Decode;
    use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;

    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(bad_key)?;
    let oid = spki.algorithm.oid;
    if oid != crate::rsa_pss_key::RSA_ENCRYPTION && oid != crate::rsa_pss_key::RSASSA_PSS {
        return Err(bad_key(format!("{oid} is not an RSA key algorithm")));
    }
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| bad_key("the public key is not a whole number of bytes"))?;
    let pkcs1 = rsa::pkcs1::RsaPublicKey::from_der(bits).map_err(bad_key)?;
    rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(pkcs1.modulus.as_bytes()),
        rsa::BigUint::from_bytes_be(pkcs1.public_exponent.as_bytes()),
        RSA_MAX_BITS,
    )
    .map_err(bad_key)
}

/// Generate a DSA key of the given size, as PKCS#8 DER.
pub(super) fn generate_dsa_pkcs8(size: DsaSize) -> Result<Vec<u8>> {
    let key_size = match size {
        #[allow(deprecated)] // 1024/160 is legacy, and a case we must cover.
        DsaSize::L1024N160 => dsa::KeySize::DSA_1024_160,
        DsaSize::L2048N224 => dsa::KeySize::DSA_2048_224,
        DsaSize::L2048N256 => dsa::KeySize::DSA_2048_256,
        DsaSize::L3072N256 => dsa::KeySize::DSA_3072_256,
    };
    let components = dsa::Components::generate(&mut OsRng, key_size);
    let key = dsa::SigningKey::generate(&mut OsRng, components);
    Ok(key.to_pkcs8_der().map_err(bad_key)?.as_bytes().to_vec())
}

/// A public key as the RustCrypto crates hold it.
enum Public {
    /// With its modulus size in bits.
    Rsa(rsa::RsaPublicKey, usize),
    Dsa(dsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

/// Read `key`'s SubjectPublicKeyInfo with the RustCrypto crates.
fn read_public(key: &PublicKey) -> Result<Public> {
    let der = key.spki_der();
    Ok(match key.algorithm() {
        KeyAlgorithm::Rsa { bits } => Public::Rsa(rsa_public_key(der)?, *bits),
        KeyAlgorithm::Dsa { .. } => {
            Public::Dsa(dsa::VerifyingKey::from_public_key_der(der).map_err(bad_key)?)
        }
        KeyAlgorithm::Ec(EcCurve::Named(Curve::Secp384r1)) => {
            Public::P384(p384::ecdsa::VerifyingKey::from_public_key_der(der).map_err(bad_key)?)
        }
        KeyAlgorithm::Ec(EcCurve::Named(Curve::Secp521r1)) => {
            let public = p521::PublicKey::from_public_key_der(der).map_err(bad_key)?;
            Public::P521(
                p521::ecdsa::VerifyingKey::from_affine(*public.as_affine()).map_err(bad_key)?,
            )
        }
        other => return Err(unsupported(other)),
    })
}

impl Backend for RustCrypto {
    fn kind(&self) -> BackendKind {
        BackendKind::RustCrypto
    }

    fn supports(&self, algorithm: &KeyAlgorithm) -> bool {
        match algorithm {
            KeyAlgorithm::Rsa { .. } | KeyAlgorithm::Dsa { .. } => true,
            KeyAlgorithm::Ec(EcCurve::Named(c)) => matches!(c, Curve::Secp384r1 | Curve::Secp521r1),
            // Explicit curve parameters: p384 and p521 read named curves only.
            KeyAlgorithm::Ec(EcCurve::Explicit(_) | EcCurve::Other(_)) => false,
        }
    }

    fn hasher(&self, hash: HashMethod) -> Box<dyn StreamHasher> {
        match hash {
            HashMethod::Sha224 => Box::new(Sha2Hasher(sha2::Sha224::new())),
            HashMethod::Sha256 => Box::new(Sha2Hasher(sha2::Sha256::new())),
            HashMethod::Sha384 => Box::new(Sha2Hasher(sha2::Sha384::new())),
            HashMethod::Sha512 => Box::new(Sha2Hasher(sha2::Sha512::new())),
        }
    }

    fn sign_digest(
        &self,
        key: &PrivateKey,
        hash: HashMethod,
        digest: &[u8],
        salt: PssSignSalt,
    ) -> Result<Vec<u8>> {
        let der = key.pkcs8_der();
        match key.algorithm() {
            KeyAlgorithm::Rsa { bits } => {
                let salt_len = salt.resolve(*bits, hash)?;
                // from_pkcs8_der has no size bound; an RSASSA-PSS key is
                // read as the plain RSA key it is.
                let plain = key.signing_pkcs8_der()?;
                let k = rsa::RsaPrivateKey::from_pkcs8_der(&plain).map_err(bad_key)?;
                k.sign_with_rng(&mut OsRng, pss_scheme(hash, salt_len), digest)
                    .map_err(signing)
            }
            KeyAlgorithm::Dsa { .. } => {
                let k = dsa::SigningKey::from_pkcs8_der(der).map_err(bad_key)?;
                let sig: dsa::Signature = k.sign_prehash(digest).map_err(signing)?;
                Ok(sig.to_vec())
            }
            KeyAlgorithm::Ec(EcCurve::Named(Curve::Secp384r1)) => {
                let k = p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(bad_key)?;
                let sig: p384::ecdsa::Signature = k
                    .sign_prehash(&ecdsa_prehash(P384_FIELD, digest))
                    .map_err(signing)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            KeyAlgorithm::Ec(EcCurve::Named(Curve::Secp521r1)) => {
                let secret = p521::SecretKey::from_pkcs8_der(der).map_err(bad_key)?;
                let k = p521::ecdsa::SigningKey::from_bytes(&secret.to_bytes()).map_err(bad_key)?;
                let sig: p521::ecdsa::Signature = k
                    .sign_prehash(&ecdsa_prehash(P521_FIELD, digest))
                    .map_err(signing)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            other => Err(unsupported(other)),
        }
    }

    fn verify_digest(
        &self,
        key: &PublicKey,
        hash: HashMethod,
        digest: &[u8],
        signature: &[u8],
        salt: PssVerifySalt,
    ) -> Result<bool> {
        // A digest of another length was not made with `hash`. ECDSA would
        // otherwise read it as an integer and accept a good signature
        // behind a leading zero byte, where OpenSSL refuses (found by the
        // `verify_keys` fuzz target).
        if digest.len() != hash.digest_len() {
            return Ok(false);
        }
        Ok(match read_public(key)? {
            Public::Rsa(k, bits) => {
                let salt_len = match salt.required(bits, hash) {
                    Some(n) => n,
                    // Auto-detection: read the salt length off the encoding,
                    // then let the rsa crate verify at that length.
                    None => match pss_salt_length(signature, key, hash, None) {
                        Ok(d) => d.salt_len,
                        Err(_) => return Ok(false),
                    },
                };
                let signature = rsa_signature_octets(signature, k.size());
                k.verify(pss_scheme(hash, salt_len), digest, &signature)
                    .is_ok()
            }
            Public::Dsa(k) => dsa::Signature::try_from(signature)
                .is_ok_and(|sig| k.verify_prehash(digest, &sig).is_ok()),
            Public::P384(k) => p384::ecdsa::Signature::from_der(signature).is_ok_and(|sig| {
                k.verify_prehash(&ecdsa_prehash(P384_FIELD, digest), &sig)
                    .is_ok()
            }),
            Public::P521(k) => p521::ecdsa::Signature::from_der(signature).is_ok_and(|sig| {
                k.verify_prehash(&ecdsa_prehash(P521_FIELD, digest), &sig)
                    .is_ok()
            }),
        })
    }

    /// Supported, and the key's encoding read by the RustCrypto crates
    /// themselves (they refuse, for one, an EC point in hybrid form).
    fn reads(&self, key: &PublicKey) -> bool {
        self.supports(key.algorithm()) && read_public(key).is_ok()
    }
}
