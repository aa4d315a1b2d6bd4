//! The OpenSSL backend (the `openssl` crate): every key type, the binary
//! curves included, and any other curve a certificate may carry.

use openssl::hash::{Hasher, MessageDigest};
use openssl::md::{Md, MdRef};
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::sign::RsaPssSaltlen;

use super::keys::{KeyAlgorithm, PrivateKey, PublicKey};
use super::{Backend, BackendKind, StreamHasher};
use crate::{Error, Result};
use imgsig_contract::{HashMethod, PssSignSalt, PssVerifySalt};

/// The OpenSSL backend.
pub(super) struct OpenSsl;

/// The OpenSSL digest for a hash method.
fn message_digest(hash: HashMethod) -> MessageDigest {
    match hash {
        HashMethod::Sha224 => MessageDigest::sha224(),
        HashMethod::Sha256 => MessageDigest::sha256(),
        HashMethod::Sha384 => MessageDigest::sha384(),
        HashMethod::Sha512 => MessageDigest::sha512(),
    }
}

fn md(hash: HashMethod) -> &'static MdRef {
    match hash {
        HashMethod::Sha224 => Md::sha224(),
        HashMethod::Sha256 => Md::sha256(),
        HashMethod::Sha384 => Md::sha384(),
        HashMethod::Sha512 => Md::sha512(),
    }
}

/// Hashes with OpenSSL; an error (never expected for a software digest) is
/// kept and reported by `finalize`.
struct OpenSslHasher(Result<Hasher>);

impl StreamHasher for OpenSslHasher {
    fn update(&mut self, data: &[u8]) {
        if let Ok(h) = &mut self.0 {
            if let Err(e) = h.update(data) {
                self.0 = Err(e.into());
            }
        }
    }

    fn finalize(self: Box<Self>) -> Result<Vec<u8>> {
        Ok(self.0?.finish()?.to_vec())
    }
}

/// Set up a signing or verifying context: the digest, and for RSA the PSS
/// padding with MGF1 over the same digest and the given salt length.
fn configure<T: HasPublic>(
    ctx: &mut PkeyCtx<T>,
    pkey: &PKeyRef<T>,
    hash: HashMethod,
    salt: Option<RsaPssSaltlen>,
) -> Result<()> {
    let md = md(hash);
    ctx.set_signature_md(md)?;
    if pkey.id() == Id::RSA {
        ctx.set_rsa_padding(Padding::PKCS1_PSS)?;
        if let Some(salt) = salt {
            ctx.set_rsa_pss_saltlen(salt)?;
        }
        ctx.set_rsa_mgf1_md(md)?;
    }
    Ok(())
}

fn salt_len(n: usize) -> Result<RsaPssSaltlen> {
    i32::try_from(n)
        .map(RsaPssSaltlen::custom)
        .map_err(|_| imgsig_contract::Error::InvalidSaltPolicy(n.to_string()).into())
}

impl Backend for OpenSsl {
    fn kind(&self) -> BackendKind {
        BackendKind::OpenSsl
    }

    fn supports(&self, _algorithm: &KeyAlgorithm) -> bool {
        true
    }

    fn hasher(&self, hash: HashMethod) -> Box<dyn StreamHasher> {
        Box::new(OpenSslHasher(
            Hasher::new(message_digest(hash)).map_err(Error::from),
        ))
    }

    fn sign_digest(
        &self,
        key: &PrivateKey,
        hash: HashMethod,
        digest: &[u8],
        salt: PssSignSalt,
    ) -> Result<Vec<u8>> {
        // An RSASSA-PSS key signs as the plain RSA key it is, so signatures
        // its restrictions forbid (which upstream accepts) can be made.
        let pkey = PKey::private_key_from_pkcs8(&key.signing_pkcs8_der()?)?;
        let salt = match key.algorithm() {
            // Resolved here rather than with RSA_PSS_SALTLEN_DIGEST so that
            // "digest" caps at the maximum like the builds it models.
            KeyAlgorithm::Rsa { bits } => Some(salt_len(salt.resolve(*bits, hash)?)?),
            _ => None,
        };
        let mut ctx = PkeyCtx::new(&pkey)?;
        ctx.sign_init()?;
        configure(&mut ctx, &pkey, hash, salt)?;
        let mut signature = Vec::new();
        ctx.sign_to_vec(digest, &mut signature)
            .map_err(|e| Error::Signing {
                backend: BackendKind::OpenSsl.name(),
                detail: e.to_string(),
            })?;
        Ok(signature)
    }

    fn verify_digest(
        &self,
        key: &PublicKey,
        hash: HashMethod,
        digest: &[u8],
        signature: &[u8],
        salt: PssVerifySalt,
    ) -> Result<bool> {
        // As upstream: an RSASSA-PSS key is read as a plain RSA key, its
        // restrictions ignored (OpenSSL would enforce them otherwise).
        let pkey = PKey::public_key_from_der(&key.verifying_spki_der()?)?;
        let salt = match key.algorithm() {
            KeyAlgorithm::Rsa { bits } => Some(match salt.required(*bits, hash) {
                Some(n) => salt_len(n)?,
                // -2 means "auto-detect" when verifying.
                None => RsaPssSaltlen::MAXIMUM_LENGTH,
            }),
            _ => None,
        };
        let mut ctx = PkeyCtx::new(&pkey)?;
        ctx.verify_init()?;
        configure(&mut ctx, &pkey, hash, salt)?;
        // OpenSSL reports a malformed signature as an error rather than a
        // mismatch; either way the signature does not verify.
        Ok(ctx.verify(digest, signature).unwrap_or(false))
    }
}
