//! Nova's side of the contract: what its image download path decides with
//! `[glance] verify_glance_signatures = true` and
//! `enable_certificate_validation = true` (nova 34.0.0, `nova/image/glance.py`,
//! read in the installed package), in its order:
//!
//! 1. `_get_verifier`: cursive's `get_verifier` on the image's four
//!    properties — a missing one is refused (Glance would have uploaded the
//!    image unverified), then the properties and the signing certificate
//!    are checked as on upload ([`crate::verify::UploadVerifier::new`]);
//! 2. no trusted certificate ids → refused (Nova's own message);
//!    otherwise `verify_certificate` ([`crate::trust`]) with those ids;
//! 3. the downloaded chunks through the verifier, then `verify()`.
//!
//! The steps take what the caller fetched (from a cloud, or a case's
//! facts), so the reference consumer and the consumer cases' expectations
//! are the same code. Any refusal fails the boot.

use imgsig_contract::{properties, Base64Mode, Profile, PropertySource, Rejection, Request};
use imgsig_contract::{PropertyMap, SignatureProperties};

use crate::cert::Certificate;
use crate::trust::{verify_certificate, TrustFailure, TrustOptions, TrustedCertificate};
use crate::verify::{CertificateLookup, UploadVerifier};

/// cursive's names for the four properties, in the order `get_verifier`
/// checks them (the certificate id is `img_signature_uuid` there).
const CURSIVE_ORDER: [(&str, &str); 4] = [
    (properties::CERTIFICATE_UUID, "img_signature_uuid"),
    (properties::HASH_METHOD, properties::HASH_METHOD),
    (properties::SIGNATURE, properties::SIGNATURE),
    (properties::KEY_TYPE, properties::KEY_TYPE),
];

/// Why the consumer refuses an image, with what a person needs to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Upstream's reason.
    pub rejection: Rejection,
    /// Why, in a person's words (skipped trusted certificates …).
    pub reasons: Vec<String>,
    /// Upstream never answers here (cursive's chain building loops).
    pub upstream_hangs: bool,
}

impl From<Rejection> for Refusal {
    fn from(rejection: Rejection) -> Refusal {
        Refusal {
            rejection,
            reasons: Vec::new(),
            upstream_hangs: false,
        }
    }
}

/// Step 1a: the four properties as `get_verifier` reads them: the
/// signature properties, or the refusal (a missing property, a malformed
/// one).
pub fn signature_properties(
    source: &impl PropertySource,
    profile: Profile,
) -> Result<SignatureProperties, Refusal> {
    if let Some((_, name)) = CURSIVE_ORDER
        .iter()
        .find(|(p, _)| source.property(p).is_none())
    {
        return Err(Rejection::MissingProperty((*name).to_owned()).into());
    }
    match SignatureProperties::parse(source, profile, Base64Mode::Lenient) {
        Ok(Request::Verify(props)) => Ok(props),
        // All four are present, so parse verifies; kept total.
        Ok(Request::Unverified { missing }) => {
            Err(Rejection::MissingProperty(missing.join(", ")).into())
        }
        Err(rejection) => Err(rejection.into()),
    }
}

/// Step 1b: the verifier for the signing certificate the key manager gave.
pub fn verifier(
    props: SignatureProperties,
    signing: CertificateLookup,
    profile: Profile,
) -> Result<UploadVerifier, Refusal> {
    UploadVerifier::new(props, signing, profile).map_err(Refusal::from)
}

/// Step 2: the signing certificate (`payload`, as the key manager holds it)
/// against the trusted certificates, at `now`. An empty trusted set is
/// Nova's refusal; the chain on success.
pub fn validate(
    payload: &[u8],
    trusted: &[TrustedCertificate],
    now: i64,
) -> Result<Vec<String>, Refusal> {
    if trusted.is_empty() {
        return Err(Rejection::NoTrustedCertificates.into());
    }
    let signing = Certificate::from_pem_or_der(payload).map_err(|e| Refusal {
        rejection: Rejection::UntrustedCertificate(format!(
            "the signing certificate cannot be read: {e}"
        )),
        reasons: Vec::new(),
        upstream_hangs: false,
    })?;
    let options = TrustOptions {
        now,
        ..TrustOptions::default()
    };
    let validation = verify_certificate(&signing, trusted, options).map_err(|e| Refusal {
        rejection: Rejection::UntrustedCertificate(e.to_string()),
        reasons: Vec::new(),
        upstream_hangs: false,
    })?;
    let reasons = validation.reasons();
    match validation.verdict {
        Ok(chain) => Ok(chain),
        Err(failure) => Err(Refusal {
            upstream_hangs: matches!(failure, TrustFailure::Loop(_)),
            rejection: Rejection::UntrustedCertificate(failure.to_string()),
            reasons,
        }),
    }
}

/// Step 3: the downloaded data, fed to `verifier`, judged.
pub fn conclude(verifier: UploadVerifier) -> Result<(), Refusal> {
    verifier.finish().map_err(Refusal::from)
}

/// The whole decision on facts known in advance (a case's): the image's
/// properties, what the key manager holds under each id, the data served:
/// `Ok(Ok(()))` when the consumer boots the image, `Err` when the data
/// could not be read.
pub fn decide(
    props: &PropertyMap,
    key_manager: impl Fn(&str) -> CertificateLookup,
    trusted: &[TrustedCertificate],
    data: impl std::io::Read,
    profile: Profile,
    now: i64,
) -> std::io::Result<Result<(), Refusal>> {
    let checked = (|| {
        let parsed = signature_properties(props, profile)?;
        let signing = key_manager(&parsed.certificate_uuid);
        let payload = match &signing {
            CertificateLookup::Found(p) => p.clone(),
            _ => Vec::new(),
        };
        let verifier = verifier(parsed, signing, profile)?;
        validate(&payload, trusted, now)?;
        Ok(verifier)
    })();
    let mut verifier = match checked {
        Ok(v) => v,
        Err(refusal) => return Ok(Err(refusal)),
    };
    verifier.update_from(data)?;
    Ok(conclude(verifier))
}
