//! The reference verifier: upstream's upload-time verification (cursive
//! inside Glance) under a profile, streaming.
//!
//! Order of checks, as upstream: the properties ([`SignatureProperties::parse`]),
//! then the certificate (found, of the X.509 format, readable), then the
//! public key family against the key type, then an empty signature, then
//! the data is hashed as it streams in, and finally the signature is
//! checked against the digest.
//!
//! A key neither backend can use is a load error in upstream's wording
//! ("Unable to load the certificate with ID: …"), never a signature
//! mismatch: the verifier picks the backend that reads the key (OpenSSL for
//! binary curves, other curves and explicit curve parameters), and a
//! backend error at the end is reported as that load error too.
//! RSASSA-PSS keys are verified as plain RSA keys, their parameters ignored,
//! as upstream does (see [`crate::rsa_pss_key`]).

use std::fmt;
use std::io::Read;

use serde::Serialize;

use crate::cert::Certificate;
use crate::{
    pss_salt_length, Backend, BackendKind, EcCurve, KeyAlgorithm, PssDecoding, PublicKey,
    StreamHasher, CHUNK_SIZE,
};
use imgsig_contract::{Profile, PssVerifySalt, Rejection, SignatureProperties};

/// What the key manager answered for `img_signature_certificate_uuid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateLookup {
    /// A certificate secret; its payload (PEM or DER).
    Found(Vec<u8>),
    /// No such secret (Barbican 404).
    NotFound,
    /// The key manager failed (unreachable, 5xx, forbidden).
    Unavailable,
    /// A secret of another type; castellan's format name for it.
    WrongFormat(String),
}

impl CertificateLookup {
    /// Classify a Barbican secret as castellan does: type `certificate` is an
    /// X.509 certificate, any other type becomes castellan's object of that
    /// type, whose format is not `X.509`.
    pub fn from_secret(secret_type: &str, payload: Vec<u8>) -> CertificateLookup {
        let format = match secret_type {
            "certificate" => return CertificateLookup::Found(payload),
            "symmetric" | "passphrase" => "RAW",
            "private" => "PKCS8",
            "public" => "SubjectPublicKeyInfo",
            _ => "Opaque",
        };
        CertificateLookup::WrongFormat(format.to_owned())
    }
}

/// What a PSS signature revealed when it was decoded after a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PssEvidence {
    /// The salt length was recovered.
    Decoded {
        /// What decoding found.
        decoding: PssDecoding,
        /// The salt length the profile demands, if it demands one.
        required: Option<usize>,
    },
    /// The signature is not a PSS encoding for this key and hash.
    Undecodable {
        /// Why.
        detail: String,
    },
}

impl fmt::Display for PssEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PssEvidence::Decoded { decoding, required } => {
                write!(
                    f,
                    "the signature uses a PSS salt of {} bytes (maximum for this key and hash: {})",
                    decoding.salt_len, decoding.max_salt_len
                )?;
                match (required, decoding.digest_matches) {
                    (Some(r), _) if *r != decoding.salt_len => write!(
                        f,
                        "; the profile requires exactly {r}, so a strict verifier rejects it \
                         (sign with the maximum salt: `-sigopt rsa_pss_saltlen:max`)"
                    ),
                    (_, Some(false)) => f.write_str(
                        "; the salt is acceptable but the digest does not match the data",
                    ),
                    _ => Ok(()),
                }
            }
            PssEvidence::Undecodable { detail } => {
                write!(f, "the signature does not decode as PSS: {detail}")
            }
        }
    }
}

/// The end of a verification, with the evidence.
#[derive(Debug, Clone)]
pub struct Conclusion {
    /// The digest of the data.
    pub digest: Vec<u8>,
    /// Accepted, or why not.
    pub result: Result<(), Rejection>,
    /// For a failed RSA-PSS signature: what its padding says.
    pub pss: Option<PssEvidence>,
}

/// Verifies one upload as it streams in.
pub struct UploadVerifier {
    props: SignatureProperties,
    key: PublicKey,
    salt: PssVerifySalt,
    backend: &'static dyn Backend,
    hasher: Box<dyn StreamHasher>,
}

impl fmt::Debug for UploadVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadVerifier")
            .field("hash_method", &self.props.hash_method)
            .field("key_type", &self.props.key_type)
            .field("key", self.key.algorithm())
            .field("backend", &self.backend.kind())
            .finish_non_exhaustive()
    }
}

impl UploadVerifier {
    /// Start verifying with the certificate the key manager returned.
    pub fn new(
        props: SignatureProperties,
        certificate: CertificateLookup,
        profile: Profile,
    ) -> Result<UploadVerifier, Rejection> {
        let uuid = props.certificate_uuid.clone();
        let payload = match certificate {
            CertificateLookup::Found(payload) => payload,
            CertificateLookup::NotFound => return Err(Rejection::CertificateNotFound(uuid)),
            CertificateLookup::Unavailable => return Err(Rejection::CertificateUnavailable(uuid)),
            CertificateLookup::WrongFormat(f) => {
                return Err(Rejection::InvalidCertificateFormat(f))
            }
        };
        let key = Certificate::from_pem_or_der(&payload)
            .and_then(|c| c.public_key())
            .map_err(|_| Rejection::UnreadableCertificate(uuid.clone()))?;
        if matches!(key.algorithm(), KeyAlgorithm::Ec(EcCurve::Explicit(_)))
            && !profile.reads_explicit_ec_parameters()
        {
            return Err(Rejection::UnreadableCertificate(uuid));
        }
        UploadVerifier::with_public_key(props, key, profile.pss_verify_salt())
    }

    /// Start verifying against a bare public key, with a PSS salt policy.
    pub fn with_public_key(
        props: SignatureProperties,
        key: PublicKey,
        salt: PssVerifySalt,
    ) -> Result<UploadVerifier, Rejection> {
        if key.algorithm().family() != props.key_type.family() {
            return Err(Rejection::InvalidPublicKeyType(props.key_type_name));
        }
        if props.signature.is_empty() {
            return Err(Rejection::VerifierCreation);
        }
        let backend = BackendKind::for_key(&key).backend();
        Ok(UploadVerifier {
            hasher: BackendKind::for_hashing()
                .backend()
                .hasher(props.hash_method),
            props,
            key,
            salt,
            backend,
        })
    }

    /// Hash and check with this backend alone, instead of hashing with
    /// [`BackendKind::for_hashing`] and checking with the key's preferred
    /// backend (it must read the key; call it before feeding data).
    pub fn using(mut self, backend: BackendKind) -> UploadVerifier {
        let backend = backend.backend();
        if backend.reads(&self.key) {
            self.backend = backend;
            self.hasher = backend.hasher(self.props.hash_method);
        }
        self
    }

    /// The backend that will check the signature.
    pub fn backend(&self) -> BackendKind {
        self.backend.kind()
    }

    /// Feed the next chunk of image data.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
    }

    /// Feed everything `reader` yields.
    pub fn update_from(&mut self, mut reader: impl Read) -> std::io::Result<u64> {
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut total = 0u64;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => {
                    self.update(&buf[..n]);
                    total += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Accept or reject the data fed so far.
    pub fn finish(self) -> Result<(), Rejection> {
        self.conclude().result
    }

    /// Accept or reject, with the digest and, for a failed RSA-PSS
    /// signature, what its padding reveals.
    pub fn conclude(self) -> Conclusion {
        let hash = self.props.hash_method;
        let digest = match self.hasher.finalize() {
            Ok(d) => d,
            Err(_) => {
                return Conclusion {
                    digest: Vec::new(),
                    result: Err(Rejection::SignatureMismatch),
                    pss: None,
                }
            }
        };
        let signature = &self.props.signature;
        let ok = match self
            .backend
            .verify_digest(&self.key, hash, &digest, signature, self.salt)
        {
            Ok(ok) => ok,
            // The key could not be used: a load error, not a bad signature.
            Err(_) => {
                return Conclusion {
                    digest,
                    result: Err(Rejection::UnreadableCertificate(
                        self.props.certificate_uuid,
                    )),
                    pss: None,
                }
            }
        };
        let pss = match self.key.algorithm() {
            KeyAlgorithm::Rsa { bits } if !ok => Some(
                match pss_salt_length(signature, &self.key, hash, Some(&digest)) {
                    Ok(decoding) => PssEvidence::Decoded {
                        decoding,
                        required: self.salt.required(*bits, hash),
                    },
                    Err(e) => PssEvidence::Undecodable {
                        detail: e.to_string(),
                    },
                },
            ),
            _ => None,
        };
        Conclusion {
            digest,
            result: if ok {
                Ok(())
            } else {
                Err(Rejection::SignatureMismatch)
            },
            pss,
        }
    }
}
