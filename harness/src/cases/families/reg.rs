//! `reg.pss-salt.*`: the PSS salt lengths behind the RHEL 9 OpenSSL 3.0.7
//! field failures.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::crypto::RSA_SIZES;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    let salts = [
        PssSignSalt::Max,
        PssSignSalt::DigestLength,
        PssSignSalt::Fixed(0),
        PssSignSalt::Fixed(20),
    ];
    for salt in salts {
        for bits in RSA_SIZES {
            for hash in HashMethod::ALL {
                let id = format!("reg.pss-salt.{}.{bits}.{}", salt.slug(), hash.slug());
                let v = Valid::new(
                    &format!("rsa-{bits}"),
                    hash,
                    ImageSource::seeded(seed(&id), IMAGE_LEN),
                    salt,
                )?;
                let used = v.pss.map(|p| p.salt_length).unwrap_or_default();
                let max = crate::spec::max_salt_len(bits, hash).unwrap_or_default();
                let note = match (salt, bits, hash) {
                    (PssSignSalt::Max, ..) => "the maximum: every verifier accepts it".to_owned(),
                    (PssSignSalt::DigestLength, 1024, HashMethod::Sha512) => {
                        "digest length capped at the maximum = the maximum: the documented working case".to_owned()
                    }
                    (PssSignSalt::DigestLength, 1024, _) => {
                        "the RHEL 9 OpenSSL 3.0.7 default: \"fails if sha256 is used\" on strict verifiers".to_owned()
                    }
                    (PssSignSalt::DigestLength, ..) => {
                        "the RHEL 9 OpenSSL 3.0.7 default: \"fails if the key length is different than 1024\" on strict verifiers".to_owned()
                    }
                    _ => "neither maximum nor digest length: only auto-detecting verifiers accept it".to_owned(),
                };
                out.push(v.case(
                    id,
                    format!("RSA-{bits} {hash}, PSS salt {used} bytes (maximum {max}): {note}"),
                )?);
            }
        }
    }
    Ok(out)
}
