//! `neg.*`: tampered data, corrupted or foreign signatures, base64 quirks,
//! exact names, key family against the certificate, missing properties,
//! certificates that cannot be used.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::crypto::der::parse_der_signature;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    // RSA-1024, as in the user documentation's example: its 172-character
    // signature stays under the documented 255-character limit, so the
    // documented profile is exercised by these cases too.
    let rsa = Valid::new(
        "rsa-1024",
        HashMethod::Sha256,
        ImageSource::seeded(seed("neg"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let ecc = Valid::new(
        "ecc-secp384r1",
        HashMethod::Sha384,
        ImageSource::seeded(seed("neg-ecc"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let mismatch = "the signature does not match: Glance answers 400 and keeps no data";

    // Tampered data.
    for (base, tag) in [(&rsa, "rsa-pss-1024"), (&ecc, "ecc-secp384r1")] {
        let bytes = base.image.bytes().unwrap_or_default().to_vec();
        let edits: [(&str, ImageSource); 4] = [
            ("tampered-first-byte", flip(&bytes, 0)),
            (
                "tampered-last-byte",
                flip(&bytes, bytes.len().saturating_sub(1)),
            ),
            (
                "truncated",
                ImageSource::Bytes(bytes[..bytes.len().saturating_sub(1)].to_vec().into()),
            ),
            (
                "appended-byte",
                ImageSource::Bytes([bytes.as_slice(), &[0]].concat().into()),
            ),
        ];
        for (what, image) in edits {
            let mut c = base.case(
                format!("neg.data.{what}.{tag}"),
                format!("image data {what}: {mismatch}"),
            )?;
            c.image = image;
            out.push(c);
        }
    }

    // The signature itself.
    let b64 = encode(&rsa.signature);
    let set = |c: &mut Case, name: &str, value: String| {
        c.properties.insert(name.to_owned(), value);
    };
    let mut c = rsa.case(
        "neg.signature.bit-flip".into(),
        format!("one bit of the signature flipped: {mismatch}"),
    )?;
    let mut flipped = rsa.signature.clone();
    flipped[100] ^= 0x10;
    set(&mut c, properties::SIGNATURE, encode(&flipped));
    out.push(c);

    let other = Valid::new(
        "ecc-secp384r1-other",
        HashMethod::Sha384,
        ecc.image.clone(),
        PssSignSalt::Max,
    )?;
    let mut c = ecc.case(
        "neg.signature.other-key".into(),
        format!("signed by a key other than the certificate's: {mismatch}"),
    )?;
    set(&mut c, properties::SIGNATURE, encode(&other.signature));
    out.push(c);

    // DSA and ECDSA signatures are DER `SEQUENCE { r, s }`; the raw
    // fixed-width r || s form (IEEE P1363, what JOSE and PKCS#11 use) is not.
    let dsa = Valid::new(
        "dsa-2048-256",
        HashMethod::Sha256,
        ImageSource::seeded(seed("neg-dsa"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    for (base, tag, width) in [(&ecc, "ecc-secp384r1", 48), (&dsa, "dsa-2048-256", 32)] {
        let mut c = base.case(
            format!("neg.signature.raw-r-s.{tag}"),
            format!("(r, s) as {width}+{width} raw bytes instead of DER: {mismatch}"),
        )?;
        set(
            &mut c,
            properties::SIGNATURE,
            encode(&raw_r_s(&base.signature, width)?),
        );
        out.push(c);
    }

    let mut c = rsa.case(
        "neg.signature.hash-mismatch".into(),
        "signed over SHA-256, property says SHA-512: the digests differ".into(),
    )?;
    set(&mut c, properties::HASH_METHOD, "SHA-512".into());
    out.push(c);

    let b64_cases: [(&str, String, &str); 7] = [
        (
            "empty",
            String::new(),
            "an empty signature: cursive creates no verifier",
        ),
        (
            "padding-only",
            "====".into(),
            "base64 that decodes to nothing: an empty signature",
        ),
        (
            "bad-padding",
            b64.trim_end_matches('=').to_owned(),
            "base64 without its padding: not properly encoded",
        ),
        (
            "dangling-character",
            dangling(&b64),
            "one base64 character too many",
        ),
        (
            "multiline",
            wrap(&b64, 64, "\n"),
            "base64 wrapped over lines: legal, upstream discards the newlines",
        ),
        (
            "spaces",
            wrap(&b64, 4, " "),
            "base64 with spaces: upstream discards them",
        ),
        (
            "non-ascii",
            format!("{b64}é"),
            "a non-ASCII character: Python raises an uncaught ValueError (implementation-defined)",
        ),
    ];
    for (what, value, reason) in b64_cases {
        let mut c = rsa.case(format!("neg.signature.{what}"), reason.to_owned())?;
        set(&mut c, properties::SIGNATURE, value);
        out.push(c);
    }

    for (what, value) in [
        ("lowercase", "sha256"),
        ("no-dash", "SHA256"),
        ("sha-1", "SHA-1"),
        ("lowercase-dash", "sha-256"),
        ("empty", ""),
    ] {
        let mut c = rsa.case(
            format!("neg.hash.{what}"),
            format!("hash method {value:?}: names are exact and case-sensitive"),
        )?;
        set(&mut c, properties::HASH_METHOD, value.to_owned());
        out.push(c);
    }

    for (what, value) in [
        ("lowercase", "rsa-pss"),
        ("unknown", "RSA"),
        ("ecc-prime256v1", "ECC_PRIME256V1"),
        ("ecc-lowercase", "ECC_secp384r1"),
    ] {
        let base = if value.starts_with("ECC") { &ecc } else { &rsa };
        let mut c = base.case(
            format!("neg.key-type.{what}"),
            format!("key type {value:?}: not registered"),
        )?;
        set(&mut c, properties::KEY_TYPE, value.to_owned());
        out.push(c);
    }

    // Key type versus the certificate's key.
    for (what, base, key_type) in [
        ("rsa-cert-for-ecc", &rsa, "ECC_SECP384R1"),
        ("rsa-cert-for-dsa", &rsa, "DSA"),
        ("ecc-cert-for-rsa", &ecc, "RSA-PSS"),
    ] {
        let mut c = base.case(
            format!("neg.key-type.family-mismatch.{what}"),
            format!("key type {key_type} with a certificate of another key family"),
        )?;
        set(&mut c, properties::KEY_TYPE, key_type.to_owned());
        out.push(c);
    }

    // A missing property: the upload goes through unverified, even with
    // tampered data.
    let tampered = flip(rsa.image.bytes().unwrap_or_default(), 0);
    for name in properties::ALL {
        let mut c = rsa.case(
            format!(
                "neg.property.missing-{}",
                name.trim_start_matches("img_signature_")
                    .trim_start_matches("img_")
                    .replace('_', "-")
            ),
            format!(
                "{name} missing: upstream uploads without verifying (tampered data goes through)"
            ),
        )?;
        c.image = tampered.clone();
        if name == properties::CERTIFICATE_UUID {
            c.uuid = UuidRef::Missing;
        } else {
            c.properties.remove(name);
        }
        out.push(c);
    }

    // Certificate problems.
    let mut c = rsa.case(
        "neg.cert.unknown-id".into(),
        "no secret with this id: Certificate not found".into(),
    )?;
    c.secret = None;
    c.uuid = UuidRef::Fixed(UNKNOWN_ID.to_owned());
    out.push(c);
    for (secret_type, format) in [
        ("opaque", "Opaque"),
        ("passphrase", "RAW"),
        ("symmetric", "RAW"),
    ] {
        let mut c = rsa.case(
            format!("neg.cert.{secret_type}-secret"),
            format!(
                "the secret is of type {secret_type}: castellan's format {format} is not X.509"
            ),
        )?;
        if let Some(s) = &mut c.secret {
            s.secret_type = secret_type.to_owned();
        }
        out.push(c);
    }
    let mut c = rsa.case("neg.cert.garbage-payload".into(), "a certificate secret whose payload is no certificate: upstream raises an uncaught ValueError (implementation-defined)".into())?;
    c.secret = Some(Secret {
        secret_type: "certificate".into(),
        payload: b"this is not a certificate".to_vec(),
        owner: SecretOwner::Uploader,
    });
    out.push(c);
    Ok(out)
}

/// A DER `SEQUENCE { r, s }` as fixed-width big-endian r || s.
fn raw_r_s(der: &[u8], width: usize) -> Result<Vec<u8>> {
    let parsed = parse_der_signature(der)
        .filter(|p| p.r.len() <= width && p.s.len() <= width)
        .ok_or_else(|| {
            crate::Error::Catalogue(format!(
                "a signature is not a DER SEQUENCE of two integers of at most {width} bytes"
            ))
        })?;
    let mut out = vec![0u8; 2 * width];
    out[width - parsed.r.len()..width].copy_from_slice(&parsed.r);
    out[2 * width - parsed.s.len()..].copy_from_slice(&parsed.s);
    Ok(out)
}

/// Unpadded base64 with data characters appended until one is left over
/// (1 more than a multiple of 4).
fn dangling(b64: &str) -> String {
    let mut s = b64.trim_end_matches('=').to_owned();
    while s.len() % 4 != 1 {
        s.push('A');
    }
    s
}

fn wrap(s: &str, width: usize, sep: &str) -> String {
    s.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(sep)
}
