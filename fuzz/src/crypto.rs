//! Signatures, keys and certificates: base64, the properties, DER
//! signatures, PSS salt recovery, certificates, the whole upload check,
//! both backends on many keys, and certificate trust validation.

use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use imgsig::crypto::cert::Certificate;
use imgsig::crypto::der::parse_der_signature;
use imgsig::crypto::{digest_bytes, pss_salt_length, BackendKind, PrivateKey, PublicKey};
use imgsig::spec::base64::{decode_lenient, decode_strict, encode};
use imgsig::spec::{
    Base64Mode, HashMethod, Profile, PropertyMap, PssSignSalt, PssVerifySalt, Rejection, Request,
    SignatureProperties,
};
use imgsig::trust::{verify_certificate, TrustFailure, TrustOptions, TrustedCertificate, BASE};
use imgsig::verify::{CertificateLookup, UploadVerifier};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509StoreContext, X509};

/// The pinned certificates (PEM, the vectors' own) the upload check verifies against: small
/// keys of each family, the key size does not matter to the code under
/// test; the first one is RSA-1024.
pub const CERTIFICATES: [&str; 5] = [
    include_str!("../../vectors/keys/rsa-1024.crt.pem"),
    include_str!("../../vectors/keys/ecc-secp384r1.crt.pem"),
    include_str!("../../vectors/keys/ecc-secp521r1.crt.pem"),
    include_str!("../../vectors/keys/ecc-sect409r1.crt.pem"),
    include_str!("../../vectors/keys/dsa-1024-160.crt.pem"),
];

/// The public keys of [`CERTIFICATES`], in the same order, read once.
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

/// A property map from `name=value` lines (after byte 0), read under the
/// profile and base64 mode byte 0 picks: one reading per input, the
/// fuzzer varies the byte.
pub fn properties(data: &[u8]) {
    let profile = pick(Profile::ALL, data, 0);
    let mode = pick([Base64Mode::Lenient, Base64Mode::Strict], data, 0);
    let text = String::from_utf8_lossy(data.get(1..).unwrap_or_default());
    let map: PropertyMap = text
        .split('\n')
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let _ = SignatureProperties::parse(&map, profile, mode);
}

/// A DSA/ECDSA signature's DER structure.
pub fn der_signature(data: &[u8]) {
    if let Some(sig) = parse_der_signature(data) {
        let _ = (sig.r_bits(), sig.s_bits());
    }
}

/// PSS salt recovery on arbitrary signature bytes under the pinned
/// RSA-1024 key: byte 0 picks the hash and whether a digest is checked,
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
/// the default verifier (reading the certificate as Glance gets it: the
/// key's preferred backend checks, OpenSSL hashes) and by the other backend
/// alone on the key read once: both must agree, and both backends' hashes
/// of the image must be equal.
///
/// Bytes 0–2 pick the certificate, the hash and the profile; byte 3 is the
/// size of the chunks the image is fed in, less one; bytes 4–5 are the
/// signature length (big-endian); then come the signature and the image.
pub fn verify(data: &[u8]) {
    let _ = verify_verdict(data);
}

/// [`verify`], answering the default verifier's verdict (`None` when the
/// input does not make a verification request).
pub fn verify_verdict(data: &[u8]) -> Option<Result<(), Rejection>> {
    let index = byte(data, 0) % CERTIFICATES.len();
    let hash = pick(HashMethod::ALL, data, 1);
    let profile = pick(Profile::ALL, data, 2);
    let chunk = byte(data, 3) + 1;
    let rest = data.get(6..).unwrap_or_default();
    let (signature, image) = rest.split_at((byte(data, 4) << 8 | byte(data, 5)).min(rest.len()));
    let key = &KEYS[index];
    let key_type = key.algorithm().key_type()?;
    let map = SignatureProperties::to_map(signature, hash, key_type, "fuzz", profile);
    let Ok(Request::Verify(props)) = SignatureProperties::parse(&map, profile, Base64Mode::Lenient)
    else {
        return None;
    };
    let feed = |mut verifier: UploadVerifier| {
        for part in image.chunks(chunk) {
            verifier.update(part);
        }
        verifier.finish()
    };
    let lookup = CertificateLookup::Found(CERTIFICATES[index].as_bytes().to_vec());
    let default = UploadVerifier::new(props.clone(), lookup, profile).and_then(feed);
    let other = BackendKind::for_key(key).other();
    if other.backend().reads(key) {
        let alone = UploadVerifier::with_public_key(props, key.clone(), profile.pss_verify_salt())
            .map(|v| v.using(other))
            .and_then(feed);
        assert_eq!(
            default, alone,
            "{other} alone disagrees with the default verifier"
        );
    }
    let digests: Vec<_> = BackendKind::ALL
        .iter()
        .map(|b| digest_bytes(b.backend(), hash, image).ok())
        .collect();
    assert_eq!(
        digests[0], digests[1],
        "the backends hash {hash} differently"
    );
    Some(default)
}

/// The keys `verify_keys` draws from (private PEM): the catalogue's, and
/// sizes and encodings it lacks (RSA 1025 with e = 3, 4097, 8192, an
/// RSASSA-PSS key, explicit-parameter curves, P-256). The small ones
/// first: most inputs take one of them (the code paths are the same, the
/// arithmetic a tenth), one in eight a large one.
const SIGNING_KEYS: [&str; 22] = [
    include_str!("../../vectors/keys/rsa-1024.pem"),
    include_str!("../keys/rsa-1025-e3.pem"),
    include_str!("../keys/rsa-pss-oid-1024.pem"),
    include_str!("../../vectors/keys/dsa-1024-160.pem"),
    include_str!("../../vectors/keys/ecc-secp384r1.pem"),
    include_str!("../../vectors/keys/ecc-secp384r1-other.pem"),
    include_str!("../../vectors/keys/ecc-secp521r1.pem"),
    include_str!("../../vectors/keys/ecc-sect409k1.pem"),
    include_str!("../../vectors/keys/ecc-sect409r1.pem"),
    include_str!("../../vectors/keys/ecc-secp384r1-explicit.pem"),
    include_str!("../../vectors/keys/ecc-secp521r1-explicit.pem"),
    include_str!("../keys/ecc-prime256v1.pem"),
    // The large ones.
    include_str!("../../vectors/keys/rsa-2048.pem"),
    include_str!("../../vectors/keys/rsa-3072.pem"),
    include_str!("../../vectors/keys/rsa-4096.pem"),
    include_str!("../keys/rsa-4097.pem"),
    include_str!("../../vectors/keys/rsa-8192.pem"),
    include_str!("../../vectors/keys/dsa-2048-224.pem"),
    include_str!("../../vectors/keys/dsa-2048-256.pem"),
    include_str!("../../vectors/keys/dsa-3072-256.pem"),
    include_str!("../../vectors/keys/ecc-sect571k1.pem"),
    include_str!("../../vectors/keys/ecc-sect571r1.pem"),
];

/// How many of [`SIGNING_KEYS`] are small.
const SMALL_KEYS: usize = 12;

/// The key a `key` byte picks: below 224 a small one, else a large one.
fn key_index(key: u8) -> usize {
    match key.checked_sub(224) {
        None => usize::from(key) % SMALL_KEYS,
        Some(large) => SMALL_KEYS + usize::from(large) % (SIGNING_KEYS.len() - SMALL_KEYS),
    }
}

/// The message digest every cached signature signs (per hash: its first
/// `digest_len` bytes).
const MESSAGE: &[u8] = b"imgsig verify_keys";

/// A pinned key, read once: its public half (as SPKI DER too) and one
/// signature per hash with the maximum PSS salt.
struct Signer {
    public: PublicKey,
    spki: Vec<u8>,
    signatures: Vec<Vec<u8>>,
}

/// Every key of [`SIGNING_KEYS`], read and used to sign once.
static SIGNERS: LazyLock<Vec<Signer>> = LazyLock::new(|| {
    SIGNING_KEYS
        .iter()
        .enumerate()
        .map(|(i, pem)| {
            let private = PrivateKey::from_pem_or_der(pem.as_bytes())
                .unwrap_or_else(|e| panic!("signing key {i} does not read: {e}"));
            let public = private.public_key().expect("a public key");
            let backend = BackendKind::OpenSsl.backend();
            let signatures = HashMethod::ALL
                .iter()
                .map(|&hash| {
                    let digest = digest_bytes(backend, hash, MESSAGE).expect("a digest");
                    backend
                        .sign_digest(&private, hash, &digest, PssSignSalt::Max)
                        .unwrap_or_else(|e| panic!("signing key {i} does not sign: {e}"))
                })
                .collect();
            Signer {
                spki: public.spki_der().to_vec(),
                public,
                signatures,
            }
        })
        .collect()
});

/// One edit of a byte string.
#[derive(Debug, Arbitrary)]
enum Edit {
    Set { at: u16, byte: u8 },
    Flip { at: u16, bit: u8 },
    Insert { at: u16, byte: u8 },
    Remove { at: u16 },
    Truncate { at: u16 },
}

impl Edit {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let at = |i: u16| usize::from(i) % (bytes.len() + 1);
        match *self {
            Edit::Set { at: i, byte } => {
                let i = at(i);
                if let Some(b) = bytes.get_mut(i) {
                    *b = byte;
                }
            }
            Edit::Flip { at: i, bit } => {
                let i = at(i);
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= 1 << (bit % 8);
                }
            }
            Edit::Insert { at: i, byte } => {
                let i = at(i);
                bytes.insert(i, byte);
            }
            Edit::Remove { at: i } => {
                let i = at(i);
                if i < bytes.len() {
                    bytes.remove(i);
                }
            }
            Edit::Truncate { at: i } => {
                let i = at(i);
                bytes.truncate(i);
            }
        }
    }
}

/// The input of `verify_keys`.
#[derive(Debug, Arbitrary)]
struct KeyedCheck {
    key: u8,
    hash: u8,
    salt: u8,
    key_edits: Vec<Edit>,
    signature_edits: Vec<Edit>,
    digest_edit: Option<Edit>,
}

/// Differential on many keys: a cached signature (edited or not) over a
/// digest (edited or not) under a pinned key (its SPKI edited or not), read
/// and checked by both backends where both support the key. They must
/// agree; an unedited signature must verify.
pub fn verify_keys(data: &[u8]) {
    let Ok(input) = KeyedCheck::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let signer = &SIGNERS[key_index(input.key)];
    let hash = HashMethod::ALL[usize::from(input.hash) % HashMethod::ALL.len()];
    let salt = match input.salt % 4 {
        0 | 1 => PssVerifySalt::Auto,
        2 => PssVerifySalt::ExactMax,
        _ => PssVerifySalt::Exact(usize::from(input.salt / 4)),
    };
    let key = if input.key_edits.is_empty() {
        signer.public.clone()
    } else {
        let mut spki = signer.spki.clone();
        for edit in input.key_edits.iter().take(4) {
            edit.apply(&mut spki);
        }
        match PublicKey::from_pem_or_der(&spki) {
            Ok(key) => key,
            Err(_) => return,
        }
    };
    let Ok(mut digest) = digest_bytes(BackendKind::OpenSsl.backend(), hash, MESSAGE) else {
        return;
    };
    if let Some(edit) = &input.digest_edit {
        edit.apply(&mut digest);
    }
    let mut signature = signer.signatures[usize::from(input.hash) % HashMethod::ALL.len()].clone();
    for edit in input.signature_edits.iter().take(4) {
        edit.apply(&mut signature);
    }
    let verdicts: Vec<(BackendKind, bool)> = BackendKind::ALL
        .into_iter()
        .filter(|b| b.backend().reads(&key))
        .map(|b| {
            let ok = b
                .backend()
                .verify_digest(&key, hash, &digest, &signature, salt)
                .unwrap_or(false);
            (b, ok)
        })
        .collect();
    if let [(a, x), (b, y)] = verdicts[..] {
        assert_eq!(x, y, "{a} says {x}, {b} says {y} for {}", key.algorithm());
    }
    let unedited = input.key_edits.is_empty()
        && input.signature_edits.is_empty()
        && input.digest_edit.is_none()
        && matches!(salt, PssVerifySalt::Auto | PssVerifySalt::ExactMax);
    if unedited {
        for (backend, ok) in verdicts {
            assert!(
                ok,
                "{backend} rejects a good signature by {}",
                key.algorithm()
            );
        }
    }
}

/// The pinned certificates of `trust_chain` (`certs/trust/make.sh`).
const TRUST_CERTIFICATES: [&str; 11] = [
    include_str!("../certs/trust/root-a.pem"),
    include_str!("../certs/trust/int-a.pem"),
    include_str!("../certs/trust/leaf-a.pem"),
    include_str!("../certs/trust/root-b.pem"),
    include_str!("../certs/trust/leaf-b.pem"),
    include_str!("../certs/trust/root-a-twin.pem"),
    include_str!("../certs/trust/int-nosign.pem"),
    include_str!("../certs/trust/expired-int.pem"),
    include_str!("../certs/trust/leaf-ec.pem"),
    include_str!("../certs/trust/leaf-expired-int.pem"),
    include_str!("../../vectors/keys/rsa-1024.crt.pem"),
];

/// [`TRUST_CERTIFICATES`] read once, with their DER.
static TRUST_SET: LazyLock<Vec<(Certificate, Vec<u8>)>> = LazyLock::new(|| {
    TRUST_CERTIFICATES
        .iter()
        .map(|pem| {
            let cert = Certificate::from_pem_or_der(pem.as_bytes()).expect("a pinned certificate");
            let der = cert.der().to_vec();
            (cert, der)
        })
        .collect()
});

/// A certificate of a trust input: pinned, pinned and edited, raw, or (as
/// a trusted id) one the key manager could not deliver.
#[derive(Debug, Arbitrary)]
enum CertInput {
    Pinned(u8),
    Edited { index: u8, edits: Vec<Edit> },
    Raw(Vec<u8>),
    Unavailable,
}

impl CertInput {
    /// The certificate, and whether it is an unedited pinned one.
    fn read(&self) -> Option<(Certificate, bool)> {
        let set = &*TRUST_SET;
        match self {
            CertInput::Pinned(i) => Some((set[usize::from(*i) % set.len()].0.clone(), true)),
            CertInput::Edited { index, edits } => {
                let mut der = set[usize::from(*index) % set.len()].1.clone();
                for edit in edits.iter().take(4) {
                    edit.apply(&mut der);
                }
                Some((Certificate::from_pem_or_der(&der).ok()?, false))
            }
            CertInput::Raw(bytes) => Some((Certificate::from_pem_or_der(bytes).ok()?, false)),
            CertInput::Unavailable => None,
        }
    }
}

/// The input of `trust_chain`.
#[derive(Debug, Arbitrary)]
struct TrustInput {
    base: CertInput,
    trusted: Vec<CertInput>,
    /// Days after 2027-01-01 to validate at (the pinned certificates are
    /// valid from 2026-12-01 for a century; `expired-int` for one day).
    day: u16,
    /// Which of cursive's checks to switch off (bits 0–2).
    skip: u8,
}

/// OpenSSL's own path validation of `base` with `trusted` as the trust
/// store, at `now`: `Ok` or OpenSSL's reason; `None` if it cannot run.
fn openssl_trusts(
    base: &Certificate,
    trusted: &[TrustedCertificate],
    now: i64,
) -> Option<Result<(), String>> {
    let mut store = X509StoreBuilder::new().ok()?;
    for certificate in trusted.iter().filter_map(|t| t.fetched.as_ref().ok()) {
        store
            .add_cert(X509::from_der(certificate.der()).ok()?)
            .ok()?;
    }
    let mut param = openssl::x509::verify::X509VerifyParam::new().ok()?;
    param.set_time(now);
    store.set_param(&param).ok()?;
    let store = store.build();
    let leaf = X509::from_der(base.der()).ok()?;
    let chain = Stack::new().ok()?;
    let mut ctx = X509StoreContext::new().ok()?;
    ctx.init(&store, &leaf, &chain, |c| {
        Ok(if c.verify_cert()? {
            Ok(())
        } else {
            Err(c.error().to_string())
        })
    })
    .ok()
}

/// Whether two different trusted certificates have the same subject.
/// OpenSSL then looks issuers and the trust anchor up by name and takes
/// the first (`root-a-twin` before `root-a`: "self-signed certificate"),
/// where cursive's rules check the signature: no common ground.
fn subject_shared(trusted: &[TrustedCertificate]) -> bool {
    let subjects: Vec<(Vec<u8>, &[u8])> = trusted
        .iter()
        .filter_map(|t| {
            let der = t.fetched.as_ref().ok()?.der();
            let x = X509::from_der(der).ok()?;
            Some((x.subject_name().to_der().ok()?, der))
        })
        .collect();
    subjects.iter().enumerate().any(|(i, (name, der))| {
        subjects[i + 1..]
            .iter()
            .any(|(other, other_der)| other == name && other_der != der)
    })
}

/// Certificate trust validation (Nova's, cursive's rules) on a signing
/// certificate and a trusted set drawn from pinned, edited and raw
/// certificates. Where every certificate is a pinned one and all checks
/// are on, OpenSSL's path validation must reach the same verdict, except
/// where cursive has none (a loop: it never returns) or OpenSSL's depends
/// on the order of the store (two trusted certificates with one subject).
pub fn trust_chain(data: &[u8]) {
    let Ok(input) = TrustInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let Some((base, mut pinned)) = input.base.read() else {
        return;
    };
    let mut trusted = Vec::new();
    for (i, t) in input.trusted.iter().take(8).enumerate() {
        let id = format!("t{i}");
        match t.read() {
            Some((certificate, p)) => {
                pinned &= p;
                trusted.push(TrustedCertificate::new(id, certificate));
            }
            None => trusted.push(TrustedCertificate::unavailable(id, "Certificate not found")),
        }
    }
    let now = 1_798_761_600 + i64::from(input.day) * 86_400;
    let options = TrustOptions {
        enforce_valid_dates: input.skip & 1 == 0,
        enforce_signing_extensions: input.skip & 2 == 0,
        enforce_path_length: input.skip & 4 == 0,
        now,
    };
    let Ok(validation) = verify_certificate(&base, &trusted, options) else {
        return;
    };
    let _ = (validation.reasons(), validation.upstream_log());
    let ours = validation.verdict;
    match &ours {
        Ok(chain) => assert_eq!(chain.last().map(String::as_str), Some(BASE), "{chain:?}"),
        Err(failure) => assert!(!failure.to_string().is_empty()),
    }
    if !pinned
        || input.skip & 7 != 0
        || matches!(ours, Err(TrustFailure::Loop(_)))
        || subject_shared(&trusted)
    {
        return;
    }
    if let Some(theirs) = openssl_trusts(&base, &trusted, now) {
        assert_eq!(
            ours.is_ok(),
            theirs.is_ok(),
            "cursive's rules say {ours:?}, OpenSSL says {theirs:?}"
        );
    }
}
