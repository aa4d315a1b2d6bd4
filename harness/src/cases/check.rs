//! Re-checking the claims of a case: its expectations follow from the
//! rules, and every signature it calls valid verifies with both backends
//! and with the `openssl` command, at the PSS salt it records.

use std::path::Path;

use super::{expectations, Case};
use crate::crypto::cert::Certificate;
use crate::crypto::openssl_cli::{openssl_verifies, CliSalt};
use crate::crypto::{digest_reader, pss_salt_length, BackendKind};
use crate::outcome::Expected;
use crate::spec::base64::decode_lenient;
use crate::spec::{properties, HashMethod, PssVerifySalt};

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
    if case.expected.values().any(|e| *e == Expected::Accept) {
        if let Err(e) = check_signature(case, dir) {
            problems.push(format!("{}: {e}", case.id));
        }
    }
    problems
}

/// The signature of an accepted case verifies everywhere.
fn check_signature(case: &Case, dir: &Path) -> Result<(), String> {
    let Some(secret) = case
        .secret
        .as_ref()
        .filter(|s| s.secret_type == "certificate")
    else {
        return Ok(());
    };
    let key = Certificate::from_pem_or_der(&secret.payload)
        .and_then(|c| c.public_key())
        .map_err(|e| format!("certificate: {e}"))?;
    let get = |name| {
        case.properties
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    };
    let hash: HashMethod = get(properties::HASH_METHOD)
        .parse()
        .map_err(|e| format!("{e}"))?;
    let signature = decode_lenient(get(properties::SIGNATURE)).map_err(|e| format!("{e}"))?;
    for kind in BackendKind::ALL {
        let backend = kind.backend();
        if !backend.supports(key.algorithm()) {
            continue;
        }
        let digest =
            digest_reader(backend, hash, case.image.reader()).map_err(|e| e.to_string())?;
        let ok = backend
            .verify_digest(&key, hash, &digest, &signature, PssVerifySalt::Auto)
            .map_err(|e| e.to_string())?;
        if !ok {
            return Err(format!(
                "the {kind} backend rejects a signature the corpus calls valid"
            ));
        }
        if let Some(claimed) = case.salt {
            let found = pss_salt_length(&signature, &key, hash, Some(&digest))
                .map_err(|e| e.to_string())?;
            if found.salt_len != claimed {
                return Err(format!(
                    "the corpus records a PSS salt of {claimed}, the signature uses {}",
                    found.salt_len
                ));
            }
        }
    }
    let image = dir.join(format!("{}.img", case.id));
    let mut file = std::fs::File::create(&image).map_err(|e| e.to_string())?;
    std::io::copy(&mut case.image.reader(), &mut file).map_err(|e| e.to_string())?;
    let ok = openssl_verifies(dir, &key, hash, &signature, &image, CliSalt::Auto)
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&image);
    if ok {
        Ok(())
    } else {
        Err("the openssl command rejects a signature the corpus calls valid".into())
    }
}
