//! Every hash × key type (and every RSA/DSA size): a signature made by one
//! backend verifies with the other backend and with the `openssl` command,
//! and tampered data, a wrong key and a wrong hash fail everywhere.

mod common;

use common::{image, key, openssl_verifies, CliSalt};
use imgsig_contract::{HashMethod, PssSignSalt, PssVerifySalt};
use imgsig_crypto::{digest_bytes, BackendKind, KeyAlgorithm, KeySpec, PrivateKey};

/// The backends that can sign with this key.
fn signers(key: &PrivateKey) -> Vec<BackendKind> {
    BackendKind::ALL
        .into_iter()
        .filter(|b| b.backend().supports(key.algorithm()))
        .collect()
}

/// Does `checker` accept `signature` over `data`? `None` when it cannot
/// handle the key.
fn backend_verifies(
    checker: BackendKind,
    key: &PrivateKey,
    hash: HashMethod,
    data: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let backend = checker.backend();
    let public = key.public_key().expect("public key");
    if !backend.reads(&public) {
        return None;
    }
    let digest = digest_bytes(backend, hash, data).expect("digest");
    Some(
        backend
            .verify_digest(&public, hash, &digest, signature, PssVerifySalt::Auto)
            .expect("verify runs"),
    )
}

/// Another key of the same family (a different size or curve).
fn other_key_of_family(spec: KeySpec) -> KeySpec {
    let matrix = KeySpec::matrix();
    let same_family: Vec<_> = matrix
        .iter()
        .filter(|s| s.key_type().family() == spec.key_type().family() && **s != spec)
        .collect();
    *same_family[0]
}

#[test]
fn every_signature_verifies_everywhere_and_every_corruption_fails_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = image(4097);
    let mut tampered = data.clone();
    tampered[0] ^= 1;
    let mut checked = 0;
    for spec in KeySpec::matrix() {
        let key = key(spec);
        let public = key.public_key().expect("public");
        for hash in HashMethod::ALL {
            for signer in signers(key) {
                let backend = signer.backend();
                let digest = digest_bytes(backend, hash, &data).expect("digest");
                let sig = backend
                    .sign_digest(key, hash, &digest, PssSignSalt::Max)
                    .unwrap_or_else(|e| panic!("{signer} signs {spec} {hash}: {e}"));
                let ctx = format!("{spec} {hash} signed by {signer}");

                // Valid everywhere.
                for checker in BackendKind::ALL {
                    if let Some(ok) = backend_verifies(checker, key, hash, &data, &sig) {
                        assert!(ok, "{ctx}: {checker} rejects a valid signature");
                    }
                }
                assert!(
                    openssl_verifies(dir.path(), &public, hash, &sig, &data, CliSalt::Auto),
                    "{ctx}: the openssl command rejects a valid signature"
                );

                // Tampered data fails everywhere.
                for checker in BackendKind::ALL {
                    if let Some(ok) = backend_verifies(checker, key, hash, &tampered, &sig) {
                        assert!(!ok, "{ctx}: {checker} accepts tampered data");
                    }
                }
                assert!(
                    !openssl_verifies(dir.path(), &public, hash, &sig, &tampered, CliSalt::Auto),
                    "{ctx}: the openssl command accepts tampered data"
                );

                // A wrong hash method fails everywhere.
                let wrong_hash = HashMethod::ALL[(hash as usize + 1) % 4];
                for checker in BackendKind::ALL {
                    if let Some(ok) = backend_verifies(checker, key, wrong_hash, &data, &sig) {
                        assert!(!ok, "{ctx}: {checker} accepts it as {wrong_hash}");
                    }
                }
                assert!(!openssl_verifies(
                    dir.path(),
                    &public,
                    wrong_hash,
                    &sig,
                    &data,
                    CliSalt::Auto
                ));

                // A key of the same family that did not sign fails everywhere.
                let wrong = common::key(other_key_of_family(spec));
                for checker in BackendKind::ALL {
                    if let Some(ok) = backend_verifies(checker, wrong, hash, &data, &sig) {
                        assert!(!ok, "{ctx}: {checker} accepts it under another key");
                    }
                }
                let wrong_public = wrong.public_key().expect("public");
                assert!(!openssl_verifies(
                    dir.path(),
                    &wrong_public,
                    hash,
                    &sig,
                    &data,
                    CliSalt::Auto
                ));
                checked += 1;
            }
        }
    }
    // 4 RSA + 4 DSA + 2 prime curves, signed by both backends; 4 binary
    // curves by OpenSSL only; four hashes each.
    assert_eq!(checked, (10 * 2 + 4) * 4);
}

#[test]
fn backends_hash_identically() {
    let data = image(3 * 1024 * 1024 + 7);
    for hash in HashMethod::ALL {
        let a = digest_bytes(BackendKind::RustCrypto.backend(), hash, &data).expect("digest");
        let b = digest_bytes(BackendKind::OpenSsl.backend(), hash, &data).expect("digest");
        assert_eq!(a, b, "{hash}");
        assert_eq!(a.len(), hash.digest_len());
    }
}

#[test]
fn pss_salt_policies_decide_as_the_spec_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = image(100);
    for bits in [1024, 2048] {
        let key = key(KeySpec::Rsa(bits));
        let public = key.public_key().expect("public");
        for hash in HashMethod::ALL {
            for salt in [
                PssSignSalt::Max,
                PssSignSalt::DigestLength,
                PssSignSalt::Fixed(0),
                PssSignSalt::Fixed(20),
            ] {
                let used = salt.resolve(bits, hash).expect("fits");
                let max = imgsig_contract::max_salt_len(bits, hash).expect("max");
                for signer in BackendKind::ALL {
                    let backend = signer.backend();
                    let digest = digest_bytes(backend, hash, &data).expect("digest");
                    let sig = backend.sign_digest(key, hash, &digest, salt).expect("sign");
                    let ctx = format!("RSA-{bits} {hash} salt {salt} by {signer}");

                    let found = imgsig_crypto::pss_salt_length(&sig, &public, hash, Some(&digest))
                        .expect("decodes");
                    assert_eq!(found.salt_len, used, "{ctx}");
                    assert_eq!(found.max_salt_len, max, "{ctx}");
                    assert_eq!(found.digest_matches, Some(true), "{ctx}");

                    for checker in BackendKind::ALL {
                        let b = checker.backend();
                        let auto = b
                            .verify_digest(&public, hash, &digest, &sig, PssVerifySalt::Auto)
                            .expect("verify");
                        assert!(auto, "{ctx}: {checker} auto rejects");
                        let strict = b
                            .verify_digest(&public, hash, &digest, &sig, PssVerifySalt::ExactMax)
                            .expect("verify");
                        assert_eq!(strict, used == max, "{ctx}: {checker} exact-max");
                    }
                    assert!(openssl_verifies(
                        dir.path(),
                        &public,
                        hash,
                        &sig,
                        &data,
                        CliSalt::Auto
                    ));
                    assert_eq!(
                        openssl_verifies(
                            dir.path(),
                            &public,
                            hash,
                            &sig,
                            &data,
                            CliSalt::Exact(max)
                        ),
                        used == max,
                        "{ctx}: openssl command with the exact maximum"
                    );
                }
            }
        }
    }
}

#[test]
fn salt_recovery_refuses_what_is_not_pss() {
    let key = key(KeySpec::Rsa(2048));
    let public = key.public_key().expect("public");
    let other = common::key(KeySpec::Rsa(2048 + 1024))
        .public_key()
        .expect("public");
    let digest = digest_bytes(BackendKind::OpenSsl.backend(), HashMethod::Sha256, b"x").expect("d");
    // A signature whose first byte is 0 (1 in 256 with a random salt) is
    // the same integer without it, and OpenSSL 3.0 verifies it so: only a
    // signature that does not start with 0 loses its value when cut.
    let sig = std::iter::repeat_with(|| {
        BackendKind::OpenSsl
            .backend()
            .sign_digest(key, HashMethod::Sha256, &digest, PssSignSalt::Max)
            .expect("sign")
    })
    .take(64)
    .find(|sig| sig[0] != 0)
    .expect("a signature not starting with 0");
    assert!(imgsig_crypto::pss_salt_length(&sig, &other, HashMethod::Sha256, None).is_err());
    assert!(
        imgsig_crypto::pss_salt_length(&[0u8; 256], &public, HashMethod::Sha256, None).is_err()
    );
    assert!(imgsig_crypto::pss_salt_length(&sig[1..], &public, HashMethod::Sha256, None).is_err());
    let ec = common::key(KeySpec::Ec(imgsig_contract::Curve::Secp384r1))
        .public_key()
        .expect("pub");
    assert!(matches!(ec.algorithm(), KeyAlgorithm::Ec(_)));
    assert!(imgsig_crypto::pss_salt_length(&sig, &ec, HashMethod::Sha256, None).is_err());
}
