//! The bodies of the fuzz targets: one function per untrusted input, each a
//! few lines over imgsig's public API. `fuzz_targets/*.rs` wrap them for
//! libFuzzer; `harness/tests/fuzz_smoke.rs` includes this file and runs the
//! committed seeds and pseudo-random inputs through them on stable Rust.
//!
//! Every function must return normally for any input: a panic is a bug.

use std::sync::LazyLock;

use imgsig::crypto::cert::Certificate;
use imgsig::crypto::der::parse_der_signature;
use imgsig::crypto::{pss_salt_length, BackendKind, PublicKey};
use imgsig::spec::base64::{decode_lenient, decode_strict, encode};
use imgsig::spec::{Base64Mode, HashMethod, Profile, PropertyMap, Request, SignatureProperties};
use imgsig::verify::{CertificateLookup, UploadVerifier};

/// A target's body: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// Every target: its name (as cargo-fuzz and `fuzz/seeds/` know it) and its
/// body.
pub const TARGETS: [(&str, Target); 6] = [
    ("base64_lenient", base64_lenient),
    ("properties", properties),
    ("der_signature", der_signature),
    ("pss_decode", pss_decode),
    ("certificate", certificate),
    ("verify", verify),
];

/// The pinned certificates (PEM) the key-dependent targets verify against;
/// the first one is RSA-2048.
pub const CERTIFICATES: [&str; 6] = [
    include_str!("../certs/rsa-2048.pem"),
    include_str!("../certs/rsa-1024.pem"),
    include_str!("../certs/ecc-secp384r1.pem"),
    include_str!("../certs/ecc-secp521r1.pem"),
    include_str!("../certs/ecc-sect409r1.pem"),
    include_str!("../certs/dsa-2048.pem"),
];

/// The public keys of [`CERTIFICATES`], in the same order.
static KEYS: LazyLock<Vec<PublicKey>> = LazyLock::new(|| {
    CERTIFICATES
        .iter()
        .map(|pem| {
            Certificate::from_pem_or_der(pem.as_bytes())
                .and_then(|c| c.public_key())
                .expect("a pinned certificate reads")
        })
        .collect()
});

/// The byte at `i`, or 0 past the end.
fn byte(data: &[u8], i: usize) -> usize {
    data.get(i).copied().map_or(0, usize::from)
}

fn pick<T: Copy, const N: usize>(items: [T; N], data: &[u8], i: usize) -> T {
    items[byte(data, i) % N]
}

/// Lenient base64 never panics, and what it decodes survives a round trip
/// through the encoder and both decoders.
pub fn base64_lenient(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(bytes) = decode_lenient(&text) {
        let again = encode(&bytes);
        assert_eq!(decode_lenient(&again).ok().as_ref(), Some(&bytes));
        assert_eq!(decode_strict(&again).ok().as_ref(), Some(&bytes));
    }
}

/// A property map from `name=value` lines, read under every profile in
/// both base64 modes.
pub fn properties(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let map: PropertyMap = text
        .split('\n')
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for profile in Profile::ALL {
        for mode in [Base64Mode::Lenient, Base64Mode::Strict] {
            let _ = SignatureProperties::parse(&map, profile, mode);
        }
    }
}

/// A DSA/ECDSA signature's DER structure.
pub fn der_signature(data: &[u8]) {
    if let Some(sig) = parse_der_signature(data) {
        let _ = (sig.r_bits(), sig.s_bits());
    }
}

/// PSS salt recovery on arbitrary signature bytes under the pinned
/// RSA-2048 key: byte 0 picks the hash and whether a digest is checked,
/// the rest is the signature.
pub fn pss_decode(data: &[u8]) {
    let hash = pick(HashMethod::ALL, data, 0);
    let digest = vec![0x5a; hash.digest_len()];
    let message_digest = (byte(data, 0) & 4 != 0).then_some(digest.as_slice());
    let signature = data.get(1..).unwrap_or_default();
    let _ = pss_salt_length(signature, &KEYS[0], hash, message_digest);
}

/// A certificate in PEM or DER, and its public key.
pub fn certificate(data: &[u8]) {
    if let Ok(cert) = Certificate::from_pem_or_der(data) {
        let _ = cert.public_key();
    }
}

/// A whole upload check against one of the pinned certificates, made by
/// the default verifier and by each backend alone: all must agree.
///
/// Bytes 0–2 pick the certificate, the hash and the profile; byte 3 is the
/// size of the chunks the image is fed in, less one; bytes 4–5 are the
/// signature length (big-endian); then come the signature and the image.
pub fn verify(data: &[u8]) {
    let index = byte(data, 0) % CERTIFICATES.len();
    let hash = pick(HashMethod::ALL, data, 1);
    let profile = pick(Profile::ALL, data, 2);
    let chunk = byte(data, 3) + 1;
    let rest = data.get(6..).unwrap_or_default();
    let (signature, image) = rest.split_at((byte(data, 4) << 8 | byte(data, 5)).min(rest.len()));
    let Some(key_type) = KEYS[index].algorithm().key_type() else {
        return;
    };
    let map = SignatureProperties::to_map(signature, hash, key_type, "fuzz", profile);
    let Ok(Request::Verify(props)) = SignatureProperties::parse(&map, profile, Base64Mode::Lenient)
    else {
        return;
    };
    let check = |backend: Option<BackendKind>| {
        let lookup = CertificateLookup::Found(CERTIFICATES[index].as_bytes().to_vec());
        let mut verifier = UploadVerifier::new(props.clone(), lookup, profile)?;
        if let Some(backend) = backend {
            verifier = verifier.using(backend);
        }
        for part in image.chunks(chunk) {
            verifier.update(part);
        }
        verifier.finish()
    };
    let default = check(None);
    for backend in BackendKind::ALL {
        let alone = check(Some(backend));
        assert_eq!(
            default, alone,
            "{backend} alone disagrees with the default verifier"
        );
    }
}
