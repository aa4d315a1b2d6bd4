//! Certificate trust validation as Nova does it before booting a signed
//! image (compute API 2.63 `trusted_image_certificates`,
//! `[glance] enable_certificate_validation`), rule for rule as cursive
//! 0.3.1's `certificate_utils.verify_certificate` (read from the installed
//! source and run on every situation of the tests, see
//! `adapters/cursive/trust.py`):
//!
//! 1. Each trusted id is fetched; one that cannot be fetched is skipped
//!    ("Skipping trusted certificate: `<id>`").
//! 2. A trusted certificate can act as an issuer only if it is within its
//!    validity dates and has basicConstraints CA=true **and** keyUsage
//!    keyCertSign; others are skipped with a log line, not an error.
//! 3. The signing certificate must be within its validity dates; its own
//!    extensions are not looked at.
//! 4. The chain is built upward: the issuer of a certificate is the *first*
//!    usable trusted certificate whose subject equals its issuer name (as
//!    pyca/cryptography compares names, see `name`) and whose key verifies
//!    its signature (by the issuer's key type, see `signature`); a
//!    name-matching certificate with another key is passed over silently.
//!    The chain ends at a self-signed certificate found in the trusted set.
//! 5. Every certificate above the signing one that has a pathLenConstraint
//!    must allow the intermediates below it (the signing certificate and
//!    the one itself not counted); one **without** pathLenConstraint sets
//!    no limit.
//!
//! The messages are upstream's, quirks included: the "could not locate"
//! message for a later link is cut short to `certificate '<id>'` (an
//! operator-precedence slip in cursive). Beside each verdict,
//! [`Validation::reasons`] says what a person can act on: which trusted
//! certificate was skipped or passed over, and why. A chain that loops
//! (two CAs that issued each other) makes cursive loop forever:
//! [`TrustFailure::Loop`] names it.

mod name;
mod signature;

use std::fmt;

use openssl::x509::X509;
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use crate::cert::Certificate;
use crate::{Error, Result};
use name::NameKey;

/// The id cursive gives the signing certificate in a chain.
pub const BASE: &str = "base";

/// A trusted certificate id and what fetching it from the key manager gave.
#[derive(Debug, Clone)]
pub struct TrustedCertificate {
    /// The id (a `trusted_image_certificates` entry, a Barbican secret id).
    pub id: String,
    /// The certificate, or upstream's reason it could not be fetched
    /// ("Certificate not found with ID: `<id>`" …).
    pub fetched: std::result::Result<Certificate, String>,
}

impl TrustedCertificate {
    /// A trusted certificate that was fetched.
    pub fn new(id: impl Into<String>, certificate: Certificate) -> TrustedCertificate {
        TrustedCertificate {
            id: id.into(),
            fetched: Ok(certificate),
        }
    }

    /// A trusted id the key manager could not deliver, with the reason.
    pub fn unavailable(id: impl Into<String>, reason: impl Into<String>) -> TrustedCertificate {
        TrustedCertificate {
            id: id.into(),
            fetched: Err(reason.into()),
        }
    }
}

/// Which checks to enforce (cursive's keyword arguments, all on by default,
/// as Nova calls it) and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustOptions {
    /// Check validity dates.
    pub enforce_valid_dates: bool,
    /// Require CA + keyCertSign of issuers.
    pub enforce_signing_extensions: bool,
    /// Enforce pathLenConstraint.
    pub enforce_path_length: bool,
    /// The time to validate at, Unix seconds.
    pub now: i64,
}

impl Default for TrustOptions {
    fn default() -> Self {
        TrustOptions {
            enforce_valid_dates: true,
            enforce_signing_extensions: true,
            enforce_path_length: true,
            now: crate::cert::unix_now(),
        }
    }
}

/// Why a trusted certificate lacks what an issuer needs (cursive's
/// `can_sign_certificates`, which stops at the first missing extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningExtensions {
    /// No basicConstraints extension.
    NoBasicConstraints,
    /// No keyUsage extension.
    NoKeyUsage,
    /// basicConstraints CA is false (keyUsage has keyCertSign).
    NotCa,
    /// keyUsage lacks keyCertSign (basicConstraints CA is true).
    NoKeyCertSign,
    /// Neither CA nor keyCertSign.
    NotCaNoKeyCertSign,
}

/// Why a trusted certificate was not used as an issuer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The key manager could not deliver it (upstream's reason).
    Unavailable(String),
    /// Outside its validity dates.
    OutsideDates {
        /// notBefore, Unix seconds.
        not_before: i64,
        /// notAfter, Unix seconds.
        not_after: i64,
    },
    /// Not configured to sign certificates.
    NotSigning(SigningExtensions),
}

/// A trusted certificate that cursive skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its id.
    pub id: String,
    /// Its subject, when it could be fetched.
    pub subject: Option<String>,
    /// Why.
    pub why: Skip,
}

impl Skipped {
    /// The lines cursive logs for it, in order, word for word.
    pub fn upstream_log(&self) -> Vec<String> {
        let id = &self.id;
        match &self.why {
            Skip::Unavailable(_) => vec![format!("Skipping trusted certificate: {id}")],
            Skip::OutsideDates { .. } => vec![format!(
                "Certificate '{id}' is outside its valid date range and cannot be used as a \
                 signing certificate."
            )],
            Skip::NotSigning(why) => {
                let no_ca = || {
                    format!("Certificate '{id}' is not marked as a CA in its basic constraints extension.")
                };
                let no_sign = || {
                    format!(
                        "Certificate '{id}' is not marked for verifying certificate signatures \
                         in its key usage extension."
                    )
                };
                let mut lines = match why {
                    SigningExtensions::NoBasicConstraints => vec![format!(
                        "Certificate '{id}' does not have a basic constraints extension."
                    )],
                    SigningExtensions::NoKeyUsage => {
                        vec![format!(
                            "Certificate '{id}' does not have a key usage extension."
                        )]
                    }
                    SigningExtensions::NotCa => vec![no_ca()],
                    SigningExtensions::NoKeyCertSign => vec![no_sign()],
                    SigningExtensions::NotCaNoKeyCertSign => vec![no_ca(), no_sign()],
                };
                lines.push(format!(
                    "Certificate '{id}' is not configured to act as a signing certificate. It \
                     will not be used as a signing certificate."
                ));
                lines
            }
        }
    }

    /// What a person can act on.
    pub fn reason(&self) -> String {
        let id = &self.id;
        match &self.why {
            Skip::Unavailable(why) => {
                format!("trusted certificate '{id}' was skipped: the key manager could not deliver it ({why})")
            }
            Skip::OutsideDates {
                not_before,
                not_after,
            } => format!(
                "trusted certificate '{id}' was skipped: it is outside its valid date range \
                 ({} to {}), so it cannot act as an issuer",
                format_time(*not_before),
                format_time(*not_after)
            ),
            Skip::NotSigning(why) => {
                let what = match why {
                    SigningExtensions::NoBasicConstraints => {
                        "it has no basicConstraints extension (an issuer needs CA:TRUE)"
                    }
                    SigningExtensions::NoKeyUsage => {
                        "it has no keyUsage extension (an issuer needs keyCertSign)"
                    }
                    SigningExtensions::NotCa => "its basicConstraints say CA:FALSE",
                    SigningExtensions::NoKeyCertSign => "its keyUsage lacks keyCertSign",
                    SigningExtensions::NotCaNoKeyCertSign => {
                        "its basicConstraints say CA:FALSE and its keyUsage lacks keyCertSign"
                    }
                };
                format!(
                    "trusted certificate '{id}' was skipped: it is not configured to act as a \
                     signing certificate: {what}"
                )
            }
        }
    }
}

/// A usable trusted certificate whose subject is the name a certificate of
/// the chain names as its issuer, but whose key does not verify that
/// certificate's signature as cursive checks it: passed over silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassedOver {
    /// The candidate's id.
    pub id: String,
    /// The certificate it was tried for (`base` or a trusted id).
    pub for_id: String,
    /// The certificate tried is signed with RSASSA-PSS, which cursive
    /// checks as PKCS#1 v1.5 (RSA), ECDSA or DSA and so never verifies:
    /// the key may well be the right one.
    pub pss_signed: bool,
}

/// Why a signing certificate is not trusted; `Display` is cursive's
/// message, word for word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustFailure {
    /// The signing certificate is expired or not yet valid.
    OutsideValidity {
        /// notBefore, Unix seconds.
        not_before: i64,
        /// notAfter, Unix seconds.
        not_after: i64,
        /// The time of the check.
        now: i64,
    },
    /// No usable trusted issuer for a certificate of the chain.
    NoIssuer {
        /// The certificate whose issuer is missing (`base` or a trusted id).
        of: String,
        /// The issuer name it carries.
        issuer_name: String,
        /// Whether it is self-signed (then only itself could end the chain).
        self_signed: bool,
    },
    /// A certificate above the signing one has no basicConstraints (only
    /// reachable with the extension checks off).
    MissingBasicConstraints(String),
    /// A pathLenConstraint is too small for the intermediates below it.
    PathTooLong {
        /// The certificate with the constraint.
        id: String,
        /// Its pathLenConstraint.
        path_len: u8,
        /// The intermediates below it.
        intermediates: usize,
    },
    /// Chain building comes back to a certificate already in the chain
    /// (CAs that issued each other): cursive 0.3.1 loops forever; there is
    /// no upstream message.
    Loop(Vec<String>),
}

impl fmt::Display for TrustFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustFailure::OutsideValidity { .. } => {
                f.write_str("The certificate is outside its valid date range.")
            }
            // cursive: `"… for {} in …".format("the base certificate") if
            // uuid == 'base' else f"certificate '{uuid}'"`.
            TrustFailure::NoIssuer { of, .. } if of == BASE => f.write_str(
                "Certificate chain building failed. Could not locate the signing certificate \
                 for the base certificate in the set of trusted certificates.",
            ),
            TrustFailure::NoIssuer { of, .. } => write!(f, "certificate '{of}'"),
            TrustFailure::MissingBasicConstraints(id) => write!(
                f,
                "Certificate validation failed. The signing certificate '{id}' does not have \
                 a basic constraints extension."
            ),
            TrustFailure::PathTooLong { id, .. } => write!(
                f,
                "Certificate validation failed. The signing certificate '{id}' is not \
                 configured to support certificate chains of sufficient length."
            ),
            TrustFailure::Loop(ids) => write!(
                f,
                "certificate chain building does not terminate (cursive 0.3.1 loops forever): {}",
                ids.join(" -> ")
            ),
        }
    }
}

/// The outcome of a validation with everything a person needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// The chain from the trust anchor down to the signing certificate
    /// ([`BASE`], last), or why there is none.
    pub verdict: std::result::Result<Vec<String>, TrustFailure>,
    /// Trusted certificates cursive did not consider as issuers, in order.
    pub skipped: Vec<Skipped>,
    /// Name-matching candidates whose key did not verify, in order.
    pub passed_over: Vec<PassedOver>,
}

impl Validation {
    /// Whether the signing certificate is trusted.
    pub fn is_trusted(&self) -> bool {
        self.verdict.is_ok()
    }

    /// What cursive logs (its warning and debug lines), in order.
    pub fn upstream_log(&self) -> Vec<String> {
        self.skipped
            .iter()
            .flat_map(Skipped::upstream_log)
            .collect()
    }

    /// Why the verdict is what it is, for a person: for a failure the
    /// lines that explain it and what to change; empty for a success.
    pub fn reasons(&self) -> Vec<String> {
        let Err(failure) = &self.verdict else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        match failure {
            TrustFailure::OutsideValidity {
                not_before,
                not_after,
                now,
            } => lines.push(format!(
                "the signing certificate is valid from {} to {}, and it is {}",
                format_time(*not_before),
                format_time(*not_after),
                format_time(*now)
            )),
            TrustFailure::NoIssuer {
                of,
                issuer_name,
                self_signed,
            } => {
                let who = if of == BASE {
                    "the signing certificate".to_owned()
                } else {
                    lines.push(format!(
                        "(upstream's message is cut short: the chain reached trusted \
                         certificate '{of}' and found no trusted issuer for it)"
                    ));
                    format!("trusted certificate '{of}'")
                };
                if *self_signed {
                    lines.push(format!(
                        "{who} is self-signed ({issuer_name}) and is not itself a usable \
                         trusted certificate: a chain ends only at a self-signed certificate \
                         of the trusted set"
                    ));
                } else {
                    lines.push(format!("{who} names {issuer_name} as its issuer"));
                }
                let relevant: Vec<&Skipped> = self
                    .skipped
                    .iter()
                    .filter(|s| s.subject.as_deref() == Some(issuer_name.as_str()))
                    .collect();
                let passed: Vec<&PassedOver> = self
                    .passed_over
                    .iter()
                    .filter(|p| &p.for_id == of)
                    .collect();
                lines.extend(relevant.iter().map(|s| s.reason()));
                lines.extend(passed.iter().map(|p| {
                    if p.pss_signed {
                        format!(
                            "trusted certificate '{}' has the subject {issuer_name}, but {who} \
                             is signed with RSASSA-PSS, which cursive checks as PKCS#1 v1.5 \
                             and never verifies: have it signed with PKCS#1 v1.5, ECDSA or DSA",
                            p.id
                        )
                    } else {
                        format!(
                            "trusted certificate '{}' has the subject {issuer_name} but its key \
                             does not verify the signature of {who} (same name, another key)",
                            p.id
                        )
                    }
                }));
                if relevant.is_empty() && passed.is_empty() && !*self_signed {
                    lines.push(format!(
                        "no trusted certificate has the subject {issuer_name}: add the \
                         issuing CA to the trusted certificates"
                    ));
                }
                lines.extend(
                    self.skipped
                        .iter()
                        .filter(|s| s.subject.is_none())
                        .map(Skipped::reason),
                );
            }
            TrustFailure::MissingBasicConstraints(id) => lines.push(format!(
                "trusted certificate '{id}' issued a certificate of the chain but has no \
                 basicConstraints extension"
            )),
            TrustFailure::PathTooLong {
                id,
                path_len,
                intermediates,
            } => lines.push(format!(
                "trusted certificate '{id}' has pathLenConstraint {path_len} but {intermediates} \
                 intermediate certificate(s) stand below it in the chain"
            )),
            TrustFailure::Loop(ids) => lines.push(format!(
                "the trusted certificates issued each other ({}): remove one of the \
                 cross-certificates from the trusted set",
                ids.join(" -> ")
            )),
        }
        lines
    }
}

/// Unix seconds as an RFC 3339 UTC time.
fn format_time(secs: i64) -> String {
    u64::try_from(secs)
        .ok()
        .and_then(|s| {
            x509_cert::der::DateTime::from_unix_duration(std::time::Duration::from_secs(s)).ok()
        })
        .map_or_else(|| format!("{secs} (Unix time)"), |t| t.to_string())
}

/// The parts of a certificate the rules look at.
struct Parsed {
    id: String,
    der: Vec<u8>,
    subject: NameKey,
    subject_text: String,
    issuer: NameKey,
    issuer_text: String,
    not_before: i64,
    not_after: i64,
    constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    tbs: Vec<u8>,
    signature_algorithm: x509_cert::spki::AlgorithmIdentifierOwned,
    signature: Vec<u8>,
}

fn parse(id: &str, certificate: &Certificate) -> Result<Parsed> {
    let bad = |e: x509_cert::der::Error| Error::BadKey {
        what: "certificate",
        detail: e.to_string(),
    };
    let cert = x509_cert::Certificate::from_der(certificate.der()).map_err(bad)?;
    let tbs = &cert.tbs_certificate;
    let mut constraints = None;
    let mut key_usage = None;
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == BasicConstraints::OID {
            constraints = Some(BasicConstraints::from_der(ext.extn_value.as_bytes()).map_err(bad)?);
        } else if ext.extn_id == KeyUsage::OID {
            key_usage = Some(KeyUsage::from_der(ext.extn_value.as_bytes()).map_err(bad)?);
        }
    }
    let secs = |t: &x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    Ok(Parsed {
        id: id.to_owned(),
        der: certificate.der().to_vec(),
        subject: NameKey::of(&tbs.subject),
        subject_text: name::display(&tbs.subject),
        issuer: NameKey::of(&tbs.issuer),
        issuer_text: name::display(&tbs.issuer),
        not_before: secs(&tbs.validity.not_before),
        not_after: secs(&tbs.validity.not_after),
        constraints,
        key_usage,
        tbs: tbs.to_der().map_err(bad)?,
        signature_algorithm: cert.signature_algorithm.clone(),
        signature: cert.signature.raw_bytes().to_vec(),
    })
}

impl Parsed {
    /// cursive's `is_within_valid_dates`: both ends inclusive.
    fn within_dates(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// cursive's `can_sign_certificates`.
    fn signing_extensions(&self) -> std::result::Result<(), SigningExtensions> {
        let Some(constraints) = &self.constraints else {
            return Err(SigningExtensions::NoBasicConstraints);
        };
        let Some(usage) = &self.key_usage else {
            return Err(SigningExtensions::NoKeyUsage);
        };
        let sign = usage.0.contains(KeyUsages::KeyCertSign);
        match (constraints.ca, sign) {
            (true, true) => Ok(()),
            (false, true) => Err(SigningExtensions::NotCa),
            (true, false) => Err(SigningExtensions::NoKeyCertSign),
            (false, false) => Err(SigningExtensions::NotCaNoKeyCertSign),
        }
    }

    /// Whether this certificate's key verifies `child`'s signature, as
    /// cursive's `verify_certificate_signature`.
    fn key_verifies(&self, child: &Parsed) -> Result<bool> {
        let key = X509::from_der(&self.der)?.public_key()?;
        signature::verifies(
            &key,
            &child.signature_algorithm,
            &child.tbs,
            &child.signature,
        )
    }
}

/// Validate `certificate` (the image's signing certificate) against the
/// trusted set, as cursive's `verify_certificate` with `options`. `Err` only
/// for certificates the rules cannot be applied to (unreadable DER, a
/// signature algorithm imgsig does not model).
pub fn verify_certificate(
    certificate: &Certificate,
    trusted: &[TrustedCertificate],
    options: TrustOptions,
) -> Result<Validation> {
    let mut skipped = Vec::new();
    // Fetch failures are skipped first (cursive's loop over the ids), then
    // the certificates are sorted out in the verification context.
    for t in trusted {
        if let Err(reason) = &t.fetched {
            skipped.push(Skipped {
                id: t.id.clone(),
                subject: None,
                why: Skip::Unavailable(reason.clone()),
            });
        }
    }
    let mut signers = Vec::new();
    for t in trusted {
        let Ok(cert) = &t.fetched else { continue };
        let p = parse(&t.id, cert)?;
        let skip = |why| Skipped {
            id: t.id.clone(),
            subject: Some(p.subject_text.clone()),
            why,
        };
        if options.enforce_valid_dates && !p.within_dates(options.now) {
            skipped.push(skip(Skip::OutsideDates {
                not_before: p.not_before,
                not_after: p.not_after,
            }));
            continue;
        }
        if options.enforce_signing_extensions {
            if let Err(why) = p.signing_extensions() {
                skipped.push(skip(Skip::NotSigning(why)));
                continue;
            }
        }
        signers.push(p);
    }
    let mut validation = Validation {
        verdict: Ok(Vec::new()),
        skipped,
        passed_over: Vec::new(),
    };
    let base = parse(BASE, certificate)?;
    if options.enforce_valid_dates && !base.within_dates(options.now) {
        validation.verdict = Err(TrustFailure::OutsideValidity {
            not_before: base.not_before,
            not_after: base.not_after,
            now: options.now,
        });
        return Ok(validation);
    }
    validation.verdict =
        build_chain(&base, &signers, &mut validation.passed_over)?.and_then(|chain| {
            if options.enforce_path_length {
                check_path_length(&chain)?;
            }
            Ok(chain.iter().map(|c| c.id.clone()).collect())
        });
    Ok(validation)
}

/// Build the chain upward from `base`: `chain[0]` is the top.
fn build_chain<'a>(
    base: &'a Parsed,
    signers: &'a [Parsed],
    passed_over: &mut Vec<PassedOver>,
) -> Result<std::result::Result<Vec<&'a Parsed>, TrustFailure>> {
    let mut chain: Vec<&Parsed> = vec![base];
    loop {
        let current = chain[0];
        let mut found = None;
        for s in signers {
            if s.subject != current.issuer {
                continue;
            }
            if s.key_verifies(current)? {
                found = Some(s);
                break;
            }
            passed_over.push(PassedOver {
                id: s.id.clone(),
                for_id: current.id.clone(),
                pss_signed: signature::is_pss(&current.signature_algorithm),
            });
        }
        match found {
            // Self-signed and trusted: the root.
            Some(s) if s.der == current.der => return Ok(Ok(chain)),
            Some(s) if chain.iter().any(|c| c.der == s.der) => {
                let mut ids: Vec<String> = chain.iter().rev().map(|c| c.id.clone()).collect();
                ids.push(s.id.clone());
                return Ok(Err(TrustFailure::Loop(ids)));
            }
            Some(s) => chain.insert(0, s),
            None => {
                let self_signed =
                    current.subject == current.issuer && current.key_verifies(current)?;
                return Ok(Err(TrustFailure::NoIssuer {
                    of: current.id.clone(),
                    issuer_name: current.issuer_text.clone(),
                    self_signed,
                }));
            }
        }
    }
}

/// cursive's path length check over a built chain (top first).
fn check_path_length(chain: &[&Parsed]) -> std::result::Result<(), TrustFailure> {
    for (i, c) in chain.iter().enumerate().take(chain.len() - 1) {
        let Some(constraints) = &c.constraints else {
            return Err(TrustFailure::MissingBasicConstraints(c.id.clone()));
        };
        let Some(path_len) = constraints.path_len_constraint else {
            // cursive: `if constraints.path_length is None: continue`.
            continue;
        };
        let intermediates = (chain.len() - i).saturating_sub(2);
        if usize::from(path_len) < intermediates {
            return Err(TrustFailure::PathTooLong {
                id: c.id.clone(),
                path_len,
                intermediates,
            });
        }
    }
    Ok(())
}
