//! RSA signatures are integers: one whose leading zero octet is dropped
//! (shorter than the modulus) is the same signature to OpenSSL and to
//! pyca/cryptography 41 and 50, one with an extra leading zero octet is
//! refused by both. Both backends and the PSS reader must agree (found by
//! the `verify_keys` fuzz target, whose cached signature of a 1025-bit key
//! started with a zero octet in about half the processes:
//! `fuzz/regressions/verify_keys/rsa-signature-without-its-leading-zero-octet`).

use imgsig_contract::{HashMethod, PssSignSalt, PssVerifySalt};
use imgsig_crypto::{digest_bytes, pss_salt_length, BackendKind, PrivateKey};

const KEYS: [&str; 3] = [
    include_str!("../../../fuzz/keys/rsa-1025-e3.pem"),
    include_str!("../../../vectors/keys/rsa-1024.pem"),
    include_str!("../../../vectors/keys/rsa-2048.pem"),
];

/// A signature by `key` over `digest` whose first octet is zero.
fn signature_with_leading_zero(key: &PrivateKey, hash: HashMethod, digest: &[u8]) -> Vec<u8> {
    let openssl = BackendKind::OpenSsl.backend();
    (0..20_000)
        .map(|_| {
            openssl
                .sign_digest(key, hash, digest, PssSignSalt::Max)
                .expect("signs")
        })
        .find(|s| s[0] == 0)
        .expect("one signature in 20 000 starts with a zero octet")
}

#[test]
fn a_signature_without_its_leading_zero_octet_verifies_everywhere() {
    let hash = HashMethod::Sha256;
    for pem in KEYS {
        let private = PrivateKey::from_pem_or_der(pem.as_bytes()).expect("the key reads");
        let public = private.public_key().expect("a public key");
        let digest =
            digest_bytes(BackendKind::OpenSsl.backend(), hash, b"imgsig").expect("a digest");
        let full = signature_with_leading_zero(&private, hash, &digest);
        let short = &full[1..];
        let long = [&[0u8][..], &full].concat();
        for (signature, accepted) in [(&full[..], true), (short, true), (&long[..], false)] {
            for backend in BackendKind::ALL {
                let ok = backend
                    .backend()
                    .verify_digest(&public, hash, &digest, signature, PssVerifySalt::Auto)
                    .expect("verify runs");
                assert_eq!(
                    ok,
                    accepted,
                    "{backend}, {} with a {}-byte signature",
                    public.algorithm(),
                    signature.len()
                );
            }
        }
        let decoded = pss_salt_length(short, &public, hash, Some(&digest)).expect("reads");
        assert_eq!(decoded.digest_matches, Some(true));
        assert_eq!(decoded.salt_len, decoded.max_salt_len);
        assert!(pss_salt_length(&long, &public, hash, None).is_err());
    }
}
