//! `sig.*`: every hash × key type with a good signature, odd image sizes,
//! and a good signature one octet short of the modulus.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::spec::Curve;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for spec in KeySpec::matrix() {
        let name = keys::file_name(spec);
        for hash in HashMethod::ALL {
            let id = format!("sig.{}.{}.valid", key_slug(spec), hash.slug());
            let v = Valid::new(
                &name,
                hash,
                ImageSource::seeded(seed(&id), IMAGE_LEN),
                PssSignSalt::Max,
            )?;
            let mut c = v.case(
                id,
                format!("a good {spec} signature over {hash}, as cursive makes it"),
            )?;
            c.matrix = Some((hash, spec.key_type()));
            out.push(c);
        }
    }
    // Odd sizes: empty, one byte, one byte over a 64 KiB chunk, one byte
    // over the harness's 1 MiB read block.
    let sizes: [(KeySpec, HashMethod, usize); 6] = [
        (KeySpec::Rsa(2048), HashMethod::Sha256, 0),
        (KeySpec::Rsa(2048), HashMethod::Sha256, 1),
        (KeySpec::Rsa(2048), HashMethod::Sha256, 65_537),
        (KeySpec::Ec(Curve::Secp384r1), HashMethod::Sha384, 0),
        (KeySpec::Ec(Curve::Secp384r1), HashMethod::Sha384, 65_537),
        (
            KeySpec::Ec(Curve::Secp521r1),
            HashMethod::Sha512,
            (1 << 20) + 1,
        ),
    ];
    for (spec, hash, len) in sizes {
        let id = format!("sig.{}.{}.size-{len}", key_slug(spec), hash.slug());
        let v = Valid::new(
            &keys::file_name(spec),
            hash,
            ImageSource::seeded(seed(&id), len),
            PssSignSalt::Max,
        )?;
        let mut c = v.case(id, format!("a good signature over a {len}-byte image"))?;
        c.matrix = Some((hash, spec.key_type()));
        out.push(c);
    }
    out.push(without_leading_zero()?);
    Ok(out)
}

/// A good RSA-PSS signature whose first octet is zero, given without it:
/// one octet shorter than the modulus. An RSA signature is an integer, and
/// OpenSSL (under pyca/cryptography 41 and 50, so cursive and Glance) takes
/// the shorter string as the same signature; a verifier that demands
/// exactly the modulus length rejects a good image about once in 128–256
/// signatures (found by the `verify_keys` fuzz target).
fn without_leading_zero() -> Result<Case> {
    const ID: &str = "sig.rsa-pss-1024.sha-256.without-leading-zero";
    let image = ImageSource::seeded(seed(ID), IMAGE_LEN);
    // About one signature in 128–256 starts with a zero octet.
    for _ in 0..20_000 {
        let mut v = Valid::new(
            "rsa-1024",
            HashMethod::Sha256,
            image.clone(),
            PssSignSalt::Max,
        )?;
        if v.signature.first() == Some(&0) {
            v.signature.remove(0);
            return v.case(
                ID.to_owned(),
                "a good signature whose leading zero octet is dropped (127 bytes for a \
                 1024-bit key): the same integer, which upstream's OpenSSL accepts"
                    .to_owned(),
            );
        }
    }
    Err(crate::Error::Catalogue(
        "no RSA-1024 signature in 20 000 started with a zero octet".to_owned(),
    ))
}
