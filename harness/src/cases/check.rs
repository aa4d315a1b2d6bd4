//! Re-checking the claims of a case: its expectations follow from the
//! rules, and every cryptographic verdict it states — a signature accepted,
//! or refused because it does not match — holds under the profile's PSS
//! salt rule with both backends and with the `openssl` command; an RSA-PSS
//! signature uses the salt the case records.

use std::path::Path;

use super::{expectations, Case};
use crate::crypto::cert::Certificate;
use crate::crypto::openssl_cli::{openssl_verifies, CliSalt};
use crate::crypto::{digest_reader, pss_salt_length, BackendKind, KeyAlgorithm, PublicKey};
use crate::spec::Expected;
use crate::spec::{Base64Mode, Profile, PssVerifySalt, Rejection, Request, SignatureProperties};

/// Every disagreement found for `case`, as sentences naming it. Scratch
/// files go to `dir`.
pub fn check_case(case: &Case, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let recomputed = expectations(case);
    for (profile, stored) in &case.expected {
        let now = recomputed.get(profile);
        if now != Some(stored) {
            problems.push(format!(
                "{}: the corpus expects {stored} under {profile}, the rules say {}",
                case.id,
                now.map_or_else(|| "nothing".to_owned(), ToString::to_string)
            ));
        }
    }
    if let Some(problem) = check_trust(case) {
        problems.push(problem);
    }
    let mut checked: Vec<(PssVerifySalt, bool)> = Vec::new();
    for (profile, expected) in &case.expected {
        let valid = match expected {
            Expected::Accept => true,
            Expected::Reject {
                reason: Some(Rejection::SignatureMismatch),
            } => false,
            _ => continue,
        };
        let claim = (profile.pss_verify_salt(), valid);
        if checked.contains(&claim) {
            continue;
        }
        checked.push(claim);
        if let Err(e) = check_verdict(case, *profile, valid, dir) {
            problems.push(format!("{} ({profile}): {e}", case.id));
        }
    }
    problems
}

/// The trust verdict a `cert.trust.*` case records, re-derived from its
/// certificates by the rules.
fn check_trust(case: &Case) -> Option<String> {
    let trust = case.trust.as_ref()?;
    let signing = case
        .secret
        .as_ref()
        .ok_or_else(|| "no signing certificate stored".to_owned())
        .and_then(|s| Certificate::from_pem_or_der(&s.payload).map_err(|e| e.to_string()))
        .and_then(|c| {
            trust
                .verdict_at(&c, super::trust::VALIDATION_TIME)
                .map_err(|e| e.to_string())
        });
    match signing {
        Ok(v) if v == trust.expected => None,
        Ok(v) => Some(format!(
            "{}: the corpus expects the consumer verdict {:?}, the rules say {:?}",
            case.id, trust.expected, v
        )),
        Err(e) => Some(format!(
            "{}: cannot re-check the trust verdict: {e}",
            case.id
        )),
    }
}

/// The key, hash and signature a profile would verify with; `None` when
/// the case never gets as far as the cryptography.
fn material(case: &Case, profile: Profile) -> Option<(PublicKey, SignatureProperties)> {
    let secret = case
        .secret
        .as_ref()
        .filter(|s| s.secret_type == "certificate")?;
    let key = Certificate::from_pem_or_der(&secret.payload)
        .and_then(|c| c.public_key())
        .ok()?;
    let properties = case.properties_with(Some("stored"));
    match SignatureProperties::parse(&properties, profile, Base64Mode::Lenient) {
        Ok(Request::Verify(p)) => Some((key, p)),
        _ => None,
    }
}

/// Both backends and the `openssl` command agree that the signature is
/// `valid` (or not) under `profile`'s PSS salt rule.
fn check_verdict(case: &Case, profile: Profile, valid: bool, dir: &Path) -> Result<(), String> {
    let (key, props) = material(case, profile)
        .ok_or("a cryptographic verdict, but no certificate and properties to verify with")?;
    let (hash, signature) = (props.hash_method, &props.signature);
    let salt = profile.pss_verify_salt();
    let verdict = |ok: bool| if ok { "accepts" } else { "rejects" };
    let claim = if valid { "valid" } else { "not matching" };
    for kind in BackendKind::ALL {
        let backend = kind.backend();
        if !backend.reads(&key) {
            continue;
        }
        let digest =
            digest_reader(backend, hash, case.image.reader()).map_err(|e| e.to_string())?;
        let ok = backend
            .verify_digest(&key, hash, &digest, signature, salt)
            .map_err(|e| e.to_string())?;
        if ok != valid {
            return Err(format!(
                "the {kind} backend {} a signature the corpus calls {claim} (PSS salt: {salt})",
                verdict(ok)
            ));
        }
        if let (true, Some(record)) = (valid, case.pss) {
            let found =
                pss_salt_length(signature, &key, hash, Some(&digest)).map_err(|e| e.to_string())?;
            if found.salt_len != record.salt_length {
                return Err(format!(
                    "the corpus records a PSS salt of {}, the signature uses {}",
                    record.salt_length, found.salt_len
                ));
            }
        }
    }
    let cli_salt = match (salt, key.algorithm()) {
        (PssVerifySalt::Auto, _) => CliSalt::Auto,
        (PssVerifySalt::Exact(n), _) => CliSalt::Exact(n),
        (PssVerifySalt::ExactMax, KeyAlgorithm::Rsa { bits }) => salt
            .required(*bits, hash)
            .map_or(CliSalt::Auto, CliSalt::Exact),
        (PssVerifySalt::ExactMax, _) => CliSalt::Auto,
    };
    let image = dir.join(format!("{}.img", case.id));
    let mut file = std::fs::File::create(&image).map_err(|e| e.to_string())?;
    std::io::copy(&mut case.image.reader(), &mut file).map_err(|e| e.to_string())?;
    let ok = openssl_verifies(dir, &key, hash, signature, &image, cli_salt)
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&image);
    if ok == valid {
        Ok(())
    } else {
        Err(format!(
            "the openssl command {} a signature the corpus calls {claim} (PSS salt: {salt})",
            verdict(ok)
        ))
    }
}
