//! What can be learned about a signature without a target: the key, the
//! encoding as upstream's lenient decoder reads it, each backend's verdict
//! under each profile, and the structure of the signature (the PSS salt it
//! uses, or its DER form). `imgsig inspect` prints an [`Inspection`].

use std::io::Read;

use imgsig_contract::base64::{decode_lenient, decode_strict};
use imgsig_contract::{salt_reading, HashMethod, KeyType, Profile, Rejection};

use crate::der::{parse_der_signature, DerSignature};
use crate::{
    digest_reader, pss_salt_length, BackendKind, EcCurve, KeyAlgorithm, PublicKey, Result,
};

/// How `img_signature` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// Upstream cannot decode it at all.
    Invalid(imgsig_contract::Error),
    /// Canonical base64.
    Canonical,
    /// Only upstream's lenient decoder takes it; the strict one says why not.
    LenientOnly(imgsig_contract::Error),
}

/// One backend's verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendReading {
    /// The backend cannot handle this kind of key.
    Unsupported,
    /// Valid or not under each profile's salt rule, or why the check could
    /// not be made.
    Verdicts(Vec<(Profile, std::result::Result<bool, String>)>),
}

/// The structure of the signature bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// RSA-PSS: the salt found, and whether the digest matches.
    Pss {
        /// Salt length used.
        salt_len: usize,
        /// The maximum for this key and hash.
        max_salt_len: usize,
        /// Whether the encoded digest is the image's.
        digest_matches: bool,
    },
    /// Not a PSS encoding under this key and hash.
    NotPss(String),
    /// DSA/ECDSA: the DER `SEQUENCE { r, s }`.
    Der(DerSignature),
    /// DSA/ECDSA bytes that are not a DER sequence of two integers.
    NotDer,
}

impl Structure {
    /// One line for people.
    pub fn describe(&self, hash: HashMethod) -> String {
        match self {
            Structure::Pss {
                salt_len,
                max_salt_len,
                digest_matches,
            } => format!(
                "{}; digest {}",
                salt_reading(*salt_len, *max_salt_len),
                if *digest_matches {
                    "matches the image"
                } else {
                    "does NOT match the image"
                }
            ),
            Structure::NotPss(e) => format!("not a PSS signature under this key and {hash}: {e}"),
            Structure::Der(der) => format!(
                "SEQUENCE {{ r: {} bits, s: {} bits }}{}",
                der.r_bits(),
                der.s_bits(),
                if der.canonical {
                    ""
                } else {
                    ", NOT canonical DER"
                }
            ),
            Structure::NotDer => "not a DER SEQUENCE of two INTEGERs".to_owned(),
        }
    }
}

/// Everything `inspect` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The key's algorithm.
    pub algorithm: KeyAlgorithm,
    /// How the key is written, where upstream reads it specially (an
    /// RSASSA-PSS key, explicit curve parameters).
    pub key_form: Option<String>,
    /// The contract's key type for it, if it has one.
    pub key_type: Option<KeyType>,
    /// Characters in `img_signature`.
    pub chars: usize,
    /// How it decodes.
    pub encoding: Encoding,
    /// The decoded signature's length (when it decodes).
    pub signature_len: Option<usize>,
    /// Each backend's verdicts (empty when it does not decode).
    pub backends: Vec<(BackendKind, BackendReading)>,
    /// The signature's structure (when it decodes).
    pub structure: Option<Structure>,
    /// The profiles that refuse the text for its length before any check
    /// (`Profile::check_signature_length`, the rule `verify` applies).
    pub too_long: Vec<(Profile, Rejection)>,
}

impl Inspection {
    /// Whether `profile` refuses the text for its length.
    pub fn refused_for_length(&self, profile: Profile) -> bool {
        self.too_long.iter().any(|(p, _)| *p == profile)
    }

    /// Whether some backend finds it valid under some profile that does
    /// not refuse it for its length.
    pub fn valid_somewhere(&self) -> bool {
        self.backends.iter().any(|(_, r)| match r {
            BackendReading::Verdicts(v) => v
                .iter()
                .any(|(p, ok)| *ok == Ok(true) && !self.refused_for_length(*p)),
            BackendReading::Unsupported => false,
        })
    }
}

/// Inspect `signature_b64` over the image `open` reads (called once per
/// backend, so each hashes the stream itself).
pub fn inspect<R: Read>(
    key: &PublicKey,
    hash: HashMethod,
    signature_b64: &str,
    mut open: impl FnMut() -> std::io::Result<R>,
) -> Result<Inspection> {
    let algorithm = key.algorithm().clone();
    let key_form = match (key.rsa_pss(), &algorithm) {
        (Some(pss), _) => Some(format!(
            "{pss}; upstream reads it as a plain RSA key and ignores the parameters"
        )),
        (None, KeyAlgorithm::Ec(EcCurve::Explicit(_))) => Some(
            "explicit curve parameters: pyca/cryptography >= 42 reads them, <= 41 cannot load the key"
                .to_owned(),
        ),
        _ => None,
    };
    let mut inspection = Inspection {
        key_form,
        key_type: algorithm.key_type(),
        algorithm,
        chars: signature_b64.chars().count(),
        too_long: Profile::ALL
            .into_iter()
            .filter_map(|p| {
                p.check_signature_length(signature_b64)
                    .err()
                    .map(|r| (p, r))
            })
            .collect(),
        encoding: Encoding::Canonical,
        signature_len: None,
        backends: Vec::new(),
        structure: None,
    };
    let signature = match decode_lenient(signature_b64) {
        Ok(s) => s,
        Err(e) => {
            inspection.encoding = Encoding::Invalid(e);
            return Ok(inspection);
        }
    };
    if let Err(e) = decode_strict(signature_b64) {
        inspection.encoding = Encoding::LenientOnly(e);
    }
    inspection.signature_len = Some(signature.len());
    // The structure is read with the backend that handles the key and
    // recovers PSS salts (OpenSSL where it can, else RustCrypto).
    let mut structure_digest = None;
    for kind in BackendKind::ALL {
        let backend = kind.backend();
        if !backend.supports(key.algorithm()) {
            inspection
                .backends
                .push((kind, BackendReading::Unsupported));
            continue;
        }
        let digest = digest_reader(backend, hash, open()?)?;
        let verdicts = Profile::ALL
            .into_iter()
            .map(|p| {
                let ok = backend
                    .verify_digest(key, hash, &digest, &signature, p.pss_verify_salt())
                    .map_err(|e| e.to_string());
                (p, ok)
            })
            .collect();
        inspection
            .backends
            .push((kind, BackendReading::Verdicts(verdicts)));
        if kind == BackendKind::OpenSsl || structure_digest.is_none() {
            structure_digest = Some(digest);
        }
    }
    if let Some(digest) = structure_digest {
        inspection.structure = Some(structure(key, hash, &signature, &digest));
    }
    Ok(inspection)
}

fn structure(key: &PublicKey, hash: HashMethod, signature: &[u8], digest: &[u8]) -> Structure {
    match key.algorithm() {
        KeyAlgorithm::Rsa { .. } => match pss_salt_length(signature, key, hash, Some(digest)) {
            Ok(d) => Structure::Pss {
                salt_len: d.salt_len,
                max_salt_len: d.max_salt_len,
                digest_matches: d.digest_matches == Some(true),
            },
            Err(e) => Structure::NotPss(e.to_string()),
        },
        KeyAlgorithm::Dsa { .. } | KeyAlgorithm::Ec(_) => match parse_der_signature(signature) {
            Some(der) => Structure::Der(der),
            None => Structure::NotDer,
        },
    }
}
