//! The consumer catalogue: Nova's side of the contract. Each case uploads
//! a validly signed image (so Glance accepts it), stores the trusted
//! certificates, may change the cloud after the upload ([`Tamper`]), and
//! says what a consumer with `verify_glance_signatures` and
//! `enable_certificate_validation` must decide when handed the image id and
//! the trusted ids.
//!
//! | cases | what |
//! | --- | --- |
//! | `cert.trust.*` | every trust situation of [`super::trust`], its certificates stored as Barbican secrets |
//! | `con.*` | data swapped after the upload, an unsigned image, no trusted ids, a trusted id no secret has, the signing certificate deleted after the upload |
//! | `con.shared.*` | the image shared with the consumer's project: its signing certificate shared with the consumer through a Barbican ACL or not, the trusted certificates the consumer's or the owner's |
//!
//! Expectations come from the rules ([`crate::crypto::consume::decide`] on
//! the case's facts), never typed by hand. Under `glance-legacy` (cursive
//! 0.3.1 on pyca/cryptography 41) every certificate validation raises
//! `AttributeError` (`not_valid_before_utc`, measured by `cargo xtask
//! adapter-cursive --legacy`), so every case that gets that far is refused
//! without a reason upstream words; `documented` holds a consumer to the
//! current rules.
//!
//! Messages name certificates by the names here: a consumer run stores
//! each certificate as a secret and maps the secret ids in the consumer's
//! answer back to these names ([`SIGNING_NAME`] for the signing
//! certificate).

use std::collections::BTreeMap;

use crate::crypto::consume::decide;
use crate::spec::{
    Aspect, Chain, ChainDefect, Expected, HashMethod, KeyType, Profile, PropertyMap, Rejection,
};
use crate::verify::CertificateLookup;
use crate::Result;

use super::runnable::{ConsumerSide, Sharing, Tamper};
use super::trust::{TrustedSecret, VALIDATION_TIME};
use super::{Case, ImageSource, RunnableCase, Secret};
use crate::trust::TrustedCertificate;

/// The name the signing certificate's secret id is mapped to in messages.
pub const SIGNING_NAME: &str = "imgsig-signing-certificate";

/// One consumer case.
#[derive(Debug, Clone)]
pub struct ConsumerCase {
    /// Stable id (`cert.trust.*`, `con.*`).
    pub id: String,
    /// Why it exists, in one line.
    pub reason: String,
    /// What is uploaded: the signing certificate secret, the properties,
    /// the image.
    pub upload: Case,
    /// The trusted ids handed to the consumer, in order.
    pub trusted: Vec<TrustedSecret>,
    /// What changes on the cloud after the upload.
    pub tamper: Option<Tamper>,
    /// `Some` when the consumer is in a project the image is shared with.
    pub shared: Option<Sharing>,
    /// The chain's shape and what is wrong with the situation.
    pub chain: Chain,
    /// What the consumer must decide, per profile.
    pub expected: BTreeMap<Profile, Expected>,
}

impl ConsumerCase {
    fn new(
        id: impl Into<String>,
        reason: impl Into<String>,
        upload: Case,
        trusted: Vec<TrustedSecret>,
        tamper: Option<Tamper>,
        shared: Option<Sharing>,
        chain: Chain,
    ) -> Result<ConsumerCase> {
        let mut case = ConsumerCase {
            id: id.into(),
            reason: reason.into(),
            upload,
            trusted,
            tamper,
            shared,
            chain,
            expected: BTreeMap::new(),
        };
        case.expected = Profile::ALL
            .into_iter()
            .map(|p| Ok((p, case.rules(p)?)))
            .collect::<Result<_>>()?;
        Ok(case)
    }

    /// What the rules decide under `profile`. The documentation says
    /// nothing of its own about the consumer's checks (the 255-character
    /// limit and bare curve names are about uploads), so `documented` holds
    /// a consumer to the current rules.
    fn rules(&self, profile: Profile) -> Result<Expected> {
        let model = match profile {
            Profile::Documented => Profile::GlanceCurrent,
            other => other,
        };
        let props = self.properties(self.upload.secret.as_ref().map(|_| SIGNING_NAME));
        let deleted = matches!(self.tamper, Some(Tamper::DeleteSigningCertificate));
        let secret = self.upload.secret.clone().filter(|_| !deleted);
        // Barbican refuses another project's secret (403) unless its ACL
        // names the caller: castellan's KeyManagerError.
        let readable = self.shared.is_none_or(|s| s.certificate_shared);
        let key_manager = |id: &str| match (&secret, id == SIGNING_NAME) {
            (Some(_), true) if !readable => CertificateLookup::Unavailable,
            (Some(s), true) => CertificateLookup::from_secret(&s.secret_type, s.payload.clone()),
            _ => CertificateLookup::NotFound,
        };
        let trusted: Vec<_> = match self.shared {
            Some(s) if !s.trusted_of_consumer => self
                .trusted
                .iter()
                .map(|t| {
                    let refused = Rejection::CertificateUnavailable(t.name.clone());
                    TrustedCertificate::unavailable(&t.name, refused.to_string())
                })
                .collect(),
            _ => self.trusted.iter().map(TrustedSecret::to_trusted).collect(),
        };
        let data = match &self.tamper {
            Some(Tamper::ServeData(served)) => served.reader(),
            _ => self.upload.image.reader(),
        };
        let decision = decide(&props, key_manager, &trusted, data, model, VALIDATION_TIME)?;
        let reaches_validation = match &decision {
            Ok(()) => true,
            Err(refusal) => matches!(
                refusal.rejection,
                Rejection::UntrustedCertificate(_) | Rejection::SignatureMismatch
            ),
        };
        Ok(match decision {
            _ if profile == Profile::GlanceLegacy && reaches_validation => {
                Expected::Reject { reason: None }
            }
            Ok(()) => Expected::Accept,
            Err(refusal) if refusal.upstream_hangs => Expected::Acceptable,
            Err(refusal) => Expected::Reject {
                reason: Some(refusal.rejection),
            },
        })
    }
}

impl RunnableCase for ConsumerCase {
    fn id(&self) -> &str {
        &self.id
    }

    fn reason(&self) -> &str {
        &self.reason
    }

    fn expectations(&self) -> BTreeMap<Profile, Expected> {
        self.expected.clone()
    }

    fn aspects(&self) -> Vec<Aspect> {
        let validates = !self.trusted.is_empty()
            && self
                .expected
                .get(&Profile::GlanceCurrent)
                .is_some_and(|e| *e != Expected::Acceptable);
        if validates {
            vec![Aspect::CertificateValidation]
        } else {
            Vec::new()
        }
    }

    fn matrix_cell(&self) -> Option<(HashMethod, KeyType)> {
        None
    }

    fn chain(&self) -> Option<Chain> {
        Some(self.chain)
    }

    fn secret(&self) -> Option<Secret> {
        self.upload.secret.clone()
    }

    fn properties(&self, secret_id: Option<&str>) -> PropertyMap {
        self.upload.properties_with(secret_id)
    }

    fn image(&self) -> Box<dyn std::io::Read + Send> {
        self.upload.image.reader()
    }

    fn image_len(&self) -> u64 {
        self.upload.image.len()
    }

    fn consumer(&self) -> Option<ConsumerSide> {
        Some(ConsumerSide {
            trusted: self.trusted.clone(),
            tamper: self.tamper.clone(),
            shared: self.shared,
        })
    }
}

/// The whole consumer catalogue, in a stable order.
pub fn catalogue() -> Result<Vec<ConsumerCase>> {
    let uploads = super::families::trust_cases()?;
    let mut out = Vec::new();
    for upload in &uploads {
        let Some(check) = &upload.trust else { continue };
        out.push(ConsumerCase::new(
            upload.id.to_string(),
            format!("through a consumer: {}", upload.reason),
            upload.clone(),
            check.trusted.clone(),
            None,
            None,
            check.chain,
        )?);
    }
    let base = uploads
        .iter()
        .find(|c| c.id.as_str() == "cert.trust.depth-2")
        .ok_or_else(|| crate::Error::Catalogue("no cert.trust.depth-2 case".into()))?;
    out.extend(extras(base)?);
    Ok(out)
}

/// The `con.*` cases, on the root → signing certificate chain of
/// `cert.trust.depth-2`.
fn extras(base: &Case) -> Result<Vec<ConsumerCase>> {
    let trusted = base
        .trust
        .as_ref()
        .map(|t| t.trusted.clone())
        .unwrap_or_default();
    let depth = base.trust.as_ref().map_or(2, |t| t.chain.depth);
    let chain = |defect| Chain { depth, defect };
    let mut swapped = Vec::new();
    std::io::Read::read_to_end(&mut base.image.reader(), &mut swapped)?;
    if let Some(first) = swapped.first_mut() {
        *first ^= 0x01;
    }
    let mut unsigned = base.clone();
    unsigned.properties.clear();
    unsigned.uuid = super::UuidRef::Missing;
    unsigned.secret = None;
    Ok(vec![
        ConsumerCase::new(
            "con.swapped-data",
            "the image data is changed after Glance verified the upload (a store or a path \
             that is not trusted): the consumer must verify what it downloads",
            base.clone(),
            trusted.clone(),
            Some(Tamper::ServeData(ImageSource::Bytes(swapped.into()))),
            None,
            chain(ChainDefect::DataSwapped),
        )?,
        ConsumerCase::new(
            "con.unsigned",
            "an image without signature properties (Glance uploads it unverified): a consumer \
             that verifies refuses it",
            unsigned,
            trusted.clone(),
            None,
            None,
            chain(ChainDefect::Unsigned),
        )?,
        ConsumerCase::new(
            "con.no-trusted-ids",
            "a signed image and no trusted certificate ids (no defaults configured): Nova \
             refuses to boot it without validating the certificate",
            base.clone(),
            Vec::new(),
            None,
            None,
            chain(ChainDefect::NoTrustedIds),
        )?,
        ConsumerCase::new(
            "con.trusted-id-missing",
            "the only trusted id names no secret in the key manager: skipped, so no issuer",
            base.clone(),
            vec![TrustedSecret {
                name: "gone".into(),
                certificate: None,
            }],
            None,
            None,
            chain(ChainDefect::IssuerIdMissing),
        )?,
        ConsumerCase::new(
            "con.signing-certificate-deleted",
            "the signing certificate's secret is deleted after the upload: the consumer cannot \
             build a verifier",
            base.clone(),
            trusted.clone(),
            Some(Tamper::DeleteSigningCertificate),
            None,
            chain(ChainDefect::SigningCertificateDeleted),
        )?,
        ConsumerCase::new(
            "con.shared.certificate-shared",
            "the owner shares the image with the consumer's project and its signing \
             certificate with the consumer (a Barbican read ACL); the trusted certificates are \
             the consumer's: it boots the image as the owner's project would",
            base.clone(),
            trusted.clone(),
            None,
            Some(Sharing {
                certificate_shared: true,
                trusted_of_consumer: true,
            }),
            chain(ChainDefect::SharedImage),
        )?,
        ConsumerCase::new(
            "con.shared.certificate-not-shared",
            "the image is shared with the consumer's project, its signing certificate is not: \
             Barbican refuses the consumer the certificate (403), so no verifier",
            base.clone(),
            trusted.clone(),
            None,
            Some(Sharing {
                certificate_shared: false,
                trusted_of_consumer: true,
            }),
            chain(ChainDefect::SigningCertificateNotShared),
        )?,
        ConsumerCase::new(
            "con.shared.trusted-of-owner",
            "the image and its signing certificate are shared, but the trusted ids name the \
             owner's secrets: Barbican refuses them to the consumer, each is skipped, so no \
             issuer",
            base.clone(),
            trusted,
            None,
            Some(Sharing {
                certificate_shared: true,
                trusted_of_consumer: false,
            }),
            chain(ChainDefect::TrustedOfOwner),
        )?,
    ])
}
