//! `sig.*` over keys in the less common forms upstream reads: RSASSA-PSS
//! keys (`sig.rsa-pss-key.*`, their parameters ignored by upstream), RSA
//! keys over 4096 bits, EC keys with explicit curve parameters, and EC
//! points in compressed and hybrid form.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The pinned RSASSA-PSS keys (made with `openssl genpkey -algorithm
/// RSA-PSS`, see `vectors/keys/README.md`), their id segment and the
/// hashes signed with each: the key's own hash and others.
const PSS_KEYS: [(&str, &str, &[HashMethod]); 4] = [
    (
        "rsa-pss-2048",
        "2048",
        &[HashMethod::Sha256, HashMethod::Sha512],
    ),
    (
        "rsa-pss-2048-sha-512",
        "2048.sha-512-mgf1-sha-512-salt-64",
        &[HashMethod::Sha512, HashMethod::Sha256, HashMethod::Sha224],
    ),
    (
        "rsa-pss-3072-sha-256",
        "3072.sha-256-mgf1-sha-1-salt-20",
        &[HashMethod::Sha256, HashMethod::Sha384],
    ),
    (
        "rsa-pss-4096-sha-384",
        "4096.sha-384-mgf1-sha-384-salt-48",
        &[HashMethod::Sha384, HashMethod::Sha512],
    ),
];

/// A good signature by pinned key `name` over `hash` with `salt`, on the
/// image seeded by `id`.
fn signed(
    name: &str,
    hash: HashMethod,
    salt: PssSignSalt,
    id: String,
    reason: String,
) -> Result<Case> {
    Valid::new(name, hash, ImageSource::seeded(seed(&id), IMAGE_LEN), salt)?.case(id, reason)
}

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for (name, slug, hashes) in PSS_KEYS {
        let key = keys::key(name)?;
        let form = key
            .rsa_pss()
            .map_or_else(|| "a plain RSA key".to_owned(), |p| p.to_string());
        for &hash in hashes {
            out.push(signed(
                name,
                hash,
                PssSignSalt::Max,
                format!("sig.rsa-pss-key.{slug}.{}.valid", hash.slug()),
                format!(
                    "a {hash} signature (MGF1-{hash}, maximum salt) with an {form}: \
                     pyca/cryptography loads it as an RSA key and ignores its parameters"
                ),
            )?);
        }
    }
    // Below the key's minimum salt: accepted where any salt is.
    out.push(signed(
        "rsa-pss-2048-sha-512",
        HashMethod::Sha512,
        PssSignSalt::Fixed(0),
        "sig.rsa-pss-key.2048.sha-512-mgf1-sha-512-salt-64.sha-512.salt-0".into(),
        "salt 0 with a key whose minimum salt is 64: the minimum is ignored, the profile's \
         salt rule decides"
            .into(),
    )?);
    for hash in [HashMethod::Sha256, HashMethod::Sha512] {
        out.push(signed(
            "rsa-8192",
            hash,
            PssSignSalt::Max,
            format!("sig.rsa-pss-8192.{}.valid", hash.slug()),
            format!(
                "an 8192-bit RSA key over {hash}: upstream sets no bound below OpenSSL's 16384 bits"
            ),
        )?);
    }
    for (name, hash) in [
        ("ecc-secp384r1-explicit", HashMethod::Sha384),
        ("ecc-secp521r1-explicit", HashMethod::Sha512),
    ] {
        out.push(signed(
            name,
            hash,
            PssSignSalt::Max,
            format!("sig.{name}.{}.valid", hash.slug()),
            "an EC key with explicit curve parameters: pyca/cryptography 50 reads it, \
             41 raises ValueError (implementation-defined under glance-legacy)"
                .into(),
        )?);
    }
    // The point's encoding in the certificate: SEC 1 allows uncompressed
    // (04), compressed (02/03) and hybrid (06/07). pyca/cryptography 50.0.2
    // and 41.0.7 both load the compressed and the hybrid form and verify
    // with it (tried); the RustCrypto crates read no hybrid point, so the
    // verifier must leave such a key to OpenSSL.
    for (name, hash, form) in [
        (
            "ecc-secp384r1-hybrid",
            HashMethod::Sha384,
            "hybrid form (06/07: x, y and y's parity)",
        ),
        (
            "ecc-secp521r1-compressed",
            HashMethod::Sha512,
            "compressed form (02/03: x and y's parity)",
        ),
    ] {
        out.push(signed(
            name,
            hash,
            PssSignSalt::Max,
            format!("sig.{name}.{}.valid", hash.slug()),
            format!(
                "a certificate whose EC point is in {form}: pyca/cryptography 41 and 50 read it"
            ),
        )?);
    }
    Ok(out)
}
