//! The families of the catalogue. Each function returns its cases without
//! expectations; [`catalogue`] derives those from the rules.

use std::collections::BTreeMap;

use super::expect::expectations;
use super::image::ImageSource;
use super::keys::{self, NOT_AFTER, NOT_BEFORE};
use super::{Case, CaseId, PssRecord, UuidRef};
use crate::crypto::cert::{Certificate, DAY};
use crate::crypto::der::parse_der_signature;
use crate::crypto::{digest_reader, BackendKind, KeyAlgorithm, KeySpec, PrivateKey, RSA_SIZES};
use crate::run::Secret;
use crate::spec::base64::encode;
use crate::spec::{properties, Curve, HashMethod, KeyType, PropertyMap, PssSignSalt};
use crate::Result;

/// Size of the ordinary test image.
const IMAGE_LEN: usize = 1024;
/// A certificate id no secret has (the one in the wire transcript).
const UNKNOWN_ID: &str = "00000000-0000-0000-0000-000000000000";

/// FNV-1a: a stable seed per case id.
fn seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The id segment for a key: `rsa-pss-2048`, `dsa-2048-256`, `ecc-secp384r1`.
fn key_slug(spec: KeySpec) -> String {
    match spec.algorithm() {
        KeyAlgorithm::Rsa { bits } => format!("rsa-pss-{bits}"),
        other => other.slug(),
    }
}

/// A signature over `image` and, for RSA, how its PSS padding was made.
fn sign(
    key: &PrivateKey,
    hash: HashMethod,
    image: &ImageSource,
    salt: PssSignSalt,
) -> Result<(Vec<u8>, Option<PssRecord>)> {
    let backend = BackendKind::OpenSsl.backend();
    let digest = digest_reader(backend, hash, image.reader())?;
    let signature = backend.sign_digest(key, hash, &digest, salt)?;
    let pss = match key.algorithm() {
        KeyAlgorithm::Rsa { bits } => Some(PssRecord {
            modulus_bits: *bits,
            hash,
            salt_length: salt.resolve(*bits, hash)?,
        }),
        _ => None,
    };
    Ok((signature, pss))
}

fn props(signature: &str, hash: &str, key_type: &str) -> PropertyMap {
    PropertyMap::from([
        (properties::SIGNATURE.to_owned(), signature.to_owned()),
        (properties::HASH_METHOD.to_owned(), hash.to_owned()),
        (properties::KEY_TYPE.to_owned(), key_type.to_owned()),
    ])
}

fn pem_secret(cert: &Certificate) -> Result<Secret> {
    Ok(Secret {
        secret_type: "certificate".to_owned(),
        payload: cert.to_pem()?,
    })
}

/// A valid signed case: `key` signs `image` with `hash`; the certificate
/// of `key` is stored; the key type is the key's own.
struct Valid {
    key_name: String,
    key_type: KeyType,
    hash: HashMethod,
    image: ImageSource,
    signature: Vec<u8>,
    pss: Option<PssRecord>,
}

impl Valid {
    fn new(
        key_name: &str,
        hash: HashMethod,
        image: ImageSource,
        salt: PssSignSalt,
    ) -> Result<Valid> {
        let key = keys::key(key_name)?;
        let key_type = key
            .algorithm()
            .key_type()
            .ok_or_else(|| crate::Error::Catalogue(format!("{key_name} has no key type")))?;
        let (signature, pss) = sign(key, hash, &image, salt)?;
        Ok(Valid {
            key_name: key_name.to_owned(),
            key_type,
            hash,
            image,
            signature,
            pss,
        })
    }

    fn case(&self, id: String, reason: String) -> Result<Case> {
        Ok(Case {
            id: CaseId::new(id)?,
            reason,
            key: self.key_name.clone(),
            matrix: None,
            properties: props(
                &encode(&self.signature),
                self.hash.as_str(),
                &self.key_type.as_property(),
            ),
            uuid: UuidRef::Stored,
            secret: Some(pem_secret(keys::pinned_certificate(&self.key_name)?)?),
            image: self.image.clone(),
            pss: self.pss,
            implementation_defined: false,
            expected: BTreeMap::new(),
        })
    }
}

fn sig() -> Result<Vec<Case>> {
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
    Ok(out)
}

fn flip(bytes: &[u8], index: usize) -> ImageSource {
    let mut b = bytes.to_vec();
    if let Some(x) = b.get_mut(index) {
        *x ^= 0x01;
    }
    ImageSource::Bytes(b.into())
}

fn neg() -> Result<Vec<Case>> {
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

fn cert() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    let rsa = Valid::new(
        "rsa-1024",
        HashMethod::Sha256,
        ImageSource::seeded(seed("cert"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let key = keys::key("rsa-1024")?;
    out.push(rsa.case(
        "cert.payload-pem".into(),
        "the certificate stored as PEM (castellan hands it over as DER)".into(),
    )?);
    let mut c = rsa.case(
        "cert.payload-der".into(),
        "the certificate stored as DER: castellan 5.8.0 reads certificate secrets as PEM and \
         the live stack refuses it, although the contract says Barbican may hold either \
         (implementation-defined)"
            .into(),
    )?;
    c.secret = Some(Secret {
        secret_type: "certificate".into(),
        payload: keys::pinned_certificate("rsa-1024")?.der().to_vec(),
    });
    // Seen on Keystone 30 / Barbican 23 / Glance 33 with castellan 5.8.0
    // (`cargo xtask live`): 400 "Unable to load PEM file". SPEC.md says
    // PEM or DER; until that is settled either answer conforms.
    c.implementation_defined = true;
    out.push(c);
    for (what, nb, na, reason) in [
        (
            "expired",
            NOT_BEFORE - 365 * DAY,
            NOT_BEFORE,
            "an expired certificate: Glance does not check dates on upload",
        ),
        (
            "not-yet-valid",
            NOT_AFTER,
            NOT_AFTER + 365 * DAY,
            "a certificate not yet valid: Glance does not check dates on upload",
        ),
    ] {
        let mut c = rsa.case(format!("cert.{what}"), reason.into())?;
        c.secret = Some(pem_secret(&keys::certificate_valid(key, what, nb, na)?)?);
        out.push(c);
    }
    let p521 = Valid::new(
        "ecc-secp521r1",
        HashMethod::Sha512,
        ImageSource::seeded(seed("cert-curve"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let mut c = p521.case(
        "cert.curve-mismatch".into(),
        "a P-521 certificate under ECC_SECP384R1: upstream does not compare curves (implementation-defined)".into())?;
    c.properties
        .insert(properties::KEY_TYPE.into(), "ECC_SECP384R1".into());
    c.implementation_defined = true;
    out.push(c);
    Ok(out)
}

fn reg() -> Result<Vec<Case>> {
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

fn doc() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    let rsa = Valid::new(
        "rsa-2048",
        HashMethod::Sha256,
        ImageSource::seeded(seed("doc"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    out.push(rsa.case(
        "doc.signature-length.344".into(),
        "a 344-character RSA-2048 signature: the docs limit img_signature to 255 characters, Glance accepts it".into())?);
    for curve in [Curve::Secp384r1, Curve::Sect571k1] {
        let name = format!("ecc-{}", curve.slug());
        let v = Valid::new(
            &name,
            HashMethod::Sha384,
            ImageSource::seeded(seed(&name), IMAGE_LEN),
            PssSignSalt::Max,
        )?;
        let mut c = v.case(
            format!("doc.key-type.bare-{}", curve.slug()),
            format!(
                "the documentation's bare curve name {}: the code wants ECC_{}",
                curve.name(),
                curve.name()
            ),
        )?;
        c.properties
            .insert(properties::KEY_TYPE.into(), curve.name().into());
        out.push(c);
    }
    let small = Valid::new(
        "rsa-1024",
        HashMethod::Sha512,
        ImageSource::seeded(seed("doc-1024"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let mut c = small.case(
        "doc.failed-image.state".into(),
        "after a failed verification the docs say the image is deleted; Glance 33 keeps it queued without data".into())?;
    c.image = flip(small.image.bytes().unwrap_or_default(), 7);
    out.push(c);
    Ok(out)
}

fn big() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for (spec, hash, gib) in [
        (KeySpec::Rsa(2048), HashMethod::Sha256, 1u64),
        (KeySpec::Ec(Curve::Secp384r1), HashMethod::Sha512, 1),
    ] {
        let id = format!("big.{}.{}.{gib}gib", key_slug(spec), hash.slug());
        let image = ImageSource::Seeded {
            seed: seed(&id),
            len: gib << 30,
        };
        let v = Valid::new(&keys::file_name(spec), hash, image, PssSignSalt::Max)?;
        out.push(v.case(id, format!("a {gib} GiB image, streamed end to end"))?);
    }
    Ok(out)
}

/// The whole catalogue with expectations; `big.*` only when asked for
/// (signing them hashes gigabytes).
pub fn catalogue(include_big: bool) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    cases.extend(sig()?);
    cases.extend(neg()?);
    cases.extend(cert()?);
    cases.extend(reg()?);
    cases.extend(doc()?);
    if include_big {
        cases.extend(big()?);
    }
    for c in &mut cases {
        c.expected = expectations(c);
    }
    Ok(cases)
}
