//! Certificate trust validation as Nova does it before booting a signed
//! image (compute API 2.63, `trusted_image_certificates`), following
//! cursive's `certificate_utils.verify_certificate` rule for rule:
//!
//! - a trusted certificate can act as an issuer only if it is within its
//!   validity dates and has basicConstraints CA=true **and** keyUsage
//!   keyCertSign (others are skipped, not errors);
//! - the signing certificate must be within its validity dates;
//! - an issuer is found by name match (issuer = subject) plus a signature
//!   check; the chain ends at a self-signed trusted certificate;
//! - the path length constraint of every certificate above the signing
//!   certificate must allow the rest of the chain.
//!
//! Two upstream quirks are kept visible rather than fixed: the "could not
//! locate" message for an intermediate collapses to `certificate '<id>'`
//! (an operator-precedence slip in cursive), and a CA without a
//! pathLenConstraint makes cursive compare `None < int`, a `TypeError`:
//! [`TrustFailure::UnboundedPathLength`] reports that case as the
//! implementation-defined outcome it is.

use std::fmt;

use openssl::x509::X509;
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use crate::cert::Certificate;
use crate::{Error, Result};

/// A certificate in the trusted set, with the id it is known by (its
/// Barbican secret id).
#[derive(Debug, Clone)]
pub struct TrustedCertificate {
    /// The id (`trusted_image_certificates` entry).
    pub id: String,
    /// The certificate.
    pub certificate: Certificate,
}

/// Which checks to enforce (cursive's keyword arguments, all on by default).
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

/// Why a signing certificate is not trusted, in cursive's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustFailure {
    /// The signing certificate is expired or not yet valid.
    OutsideValidity,
    /// No trusted issuer for the certificate at the head of the chain
    /// (`None`: the signing certificate itself).
    NoIssuer(Option<String>),
    /// A certificate above the signing one has no basicConstraints.
    MissingBasicConstraints(String),
    /// A pathLenConstraint is too small for the chain below it.
    PathTooLong(String),
    /// A CA without pathLenConstraint in a chain: cursive raises a
    /// `TypeError` (implementation-defined outcome).
    UnboundedPathLength(String),
}

impl fmt::Display for TrustFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustFailure::OutsideValidity => {
                f.write_str("The certificate is outside its valid date range.")
            }
            TrustFailure::NoIssuer(None) => f.write_str(
                "Certificate chain building failed. Could not locate the signing certificate \
                 for the base certificate in the set of trusted certificates.",
            ),
            TrustFailure::NoIssuer(Some(id)) => write!(f, "certificate '{id}'"),
            TrustFailure::MissingBasicConstraints(id) => write!(
                f,
                "Certificate validation failed. The signing certificate '{id}' does not have \
                 a basic constraints extension."
            ),
            TrustFailure::PathTooLong(id) => write!(
                f,
                "Certificate validation failed. The signing certificate '{id}' is not \
                 configured to support certificate chains of sufficient length."
            ),
            TrustFailure::UnboundedPathLength(id) => write!(
                f,
                "'<' not supported between instances of 'NoneType' and 'int' (certificate \
                 '{id}' has no pathLenConstraint)"
            ),
        }
    }
}

/// The parts of a certificate the rules look at.
struct Parsed {
    id: String,
    der: Vec<u8>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    not_before: i64,
    not_after: i64,
    constraints: Option<BasicConstraints>,
    key_cert_sign: Option<bool>,
}

fn parse(id: &str, certificate: &Certificate) -> Result<Parsed> {
    let bad = |e: x509_cert::der::Error| Error::BadKey {
        what: "certificate",
        detail: e.to_string(),
    };
    let cert = x509_cert::Certificate::from_der(certificate.der()).map_err(bad)?;
    let tbs = &cert.tbs_certificate;
    let mut constraints = None;
    let mut key_cert_sign = None;
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == BasicConstraints::OID {
            constraints = Some(BasicConstraints::from_der(ext.extn_value.as_bytes()).map_err(bad)?);
        } else if ext.extn_id == KeyUsage::OID {
            let ku = KeyUsage::from_der(ext.extn_value.as_bytes()).map_err(bad)?;
            key_cert_sign = Some(ku.0.contains(KeyUsages::KeyCertSign));
        }
    }
    let secs = |t: &x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    Ok(Parsed {
        id: id.to_owned(),
        der: certificate.der().to_vec(),
        subject: tbs.subject.to_der().map_err(bad)?,
        issuer: tbs.issuer.to_der().map_err(bad)?,
        not_before: secs(&tbs.validity.not_before),
        not_after: secs(&tbs.validity.not_after),
        constraints,
        key_cert_sign,
    })
}

impl Parsed {
    fn within_dates(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    fn can_sign_certificates(&self) -> bool {
        self.constraints.as_ref().is_some_and(|c| c.ca) && self.key_cert_sign == Some(true)
    }

    /// Name match plus a signature check, as cursive's `is_issuer`.
    fn issued(&self, child: &Parsed) -> Result<bool> {
        if self.subject != child.issuer {
            return Ok(false);
        }
        let issuer = X509::from_der(&self.der)?;
        let child = X509::from_der(&child.der)?;
        let key = issuer.public_key()?;
        Ok(child.verify(&key).unwrap_or(false))
    }
}

/// Validate `certificate` (the image's signing certificate) against the
/// trusted set. On success, the ids of the chain from the trust anchor down
/// (the signing certificate last, as `base`).
pub fn verify_certificate(
    certificate: &Certificate,
    trusted: &[TrustedCertificate],
    options: TrustOptions,
) -> Result<std::result::Result<Vec<String>, TrustFailure>> {
    let mut signers = Vec::new();
    for t in trusted {
        let p = parse(&t.id, &t.certificate)?;
        if options.enforce_valid_dates && !p.within_dates(options.now) {
            continue;
        }
        if options.enforce_signing_extensions && !p.can_sign_certificates() {
            continue;
        }
        signers.push(p);
    }
    let base = parse("base", certificate)?;
    if options.enforce_valid_dates && !base.within_dates(options.now) {
        return Ok(Err(TrustFailure::OutsideValidity));
    }

    // Build the chain upwards: chain[0] is the highest found so far.
    let mut chain: Vec<&Parsed> = vec![&base];
    loop {
        let current = chain[0];
        let mut found = None;
        for s in &signers {
            if s.issued(current)? {
                found = Some(s);
                break;
            }
        }
        match found {
            Some(s) if s.der == current.der => break,
            Some(s) if chain.iter().any(|c| c.der == s.der) => break,
            Some(s) => chain.insert(0, s),
            None => {
                let id = (current.id != "base").then(|| current.id.clone());
                return Ok(Err(TrustFailure::NoIssuer(id)));
            }
        }
    }

    if options.enforce_path_length {
        for (i, c) in chain.iter().enumerate().take(chain.len() - 1) {
            let Some(constraints) = &c.constraints else {
                return Ok(Err(TrustFailure::MissingBasicConstraints(c.id.clone())));
            };
            let below = chain.len() - i;
            let needed = below.saturating_sub(2);
            match constraints.path_len_constraint {
                None => return Ok(Err(TrustFailure::UnboundedPathLength(c.id.clone()))),
                Some(n) if usize::from(n) < needed => {
                    return Ok(Err(TrustFailure::PathTooLong(c.id.clone())))
                }
                Some(_) => {}
            }
        }
    }
    Ok(Ok(chain.iter().map(|c| c.id.clone()).collect()))
}
