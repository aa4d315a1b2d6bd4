//! Keys upstream reads that are written in less common forms: RSASSA-PSS
//! keys (with and without restrictions), RSA keys over 4096 bits, EC keys
//! with explicit curve parameters, and EC points in compressed and hybrid
//! form. Each loads in both backends where
//! the backend can read it, verifies as upstream does, and a key that cannot
//! be used is never reported as a bad signature.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use common::openssl::openssl;
use common::{image, openssl_verifies, CliSalt};
use imgsig_contract::{Curve, HashMethod, Profile, PssSignSalt, Rejection, SignatureProperties};
use imgsig_crypto::cert::{Certificate, CertificateParams};
use imgsig_crypto::verify::{CertificateLookup, UploadVerifier};
use imgsig_crypto::{
    digest_bytes, BackendKind, EcCurve, KeyAlgorithm, KeySpec, PrivateKey, PssDigest, PssKeyParams,
    RsaPssKey,
};

const UUID: &str = "5b1c9f7e-2d2a-4a55-9b55-0e8f3f0c8a11";

fn pinned(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors/keys")
        .join(name)
}

fn pinned_key(name: &str) -> PrivateKey {
    let path = pinned(name);
    PrivateKey::from_pem_or_der(&std::fs::read(&path).expect("pinned key")).expect("reads")
}

/// Sign `data` with `backend`.
fn sign(
    key: &PrivateKey,
    backend: BackendKind,
    hash: HashMethod,
    salt: PssSignSalt,
    data: &[u8],
) -> Vec<u8> {
    let b = backend.backend();
    let digest = digest_bytes(b, hash, data).expect("digest");
    b.sign_digest(key, hash, &digest, salt).expect("sign")
}

/// The whole upload check with the certificate `cert`, on one backend (or
/// the default routing with `None`).
fn upload(
    cert: &Certificate,
    signature: &[u8],
    hash: HashMethod,
    key_type: imgsig_contract::KeyType,
    data: &[u8],
    profile: Profile,
    backend: Option<BackendKind>,
) -> Result<(), Rejection> {
    let map = SignatureProperties::to_map(signature, hash, key_type, UUID, profile);
    let props =
        match SignatureProperties::parse(&map, profile, imgsig_contract::Base64Mode::Lenient)? {
            imgsig_contract::Request::Verify(p) => p,
            imgsig_contract::Request::Unverified { .. } => panic!("all four properties are set"),
        };
    let mut v = UploadVerifier::new(
        props,
        CertificateLookup::Found(cert.to_pem().expect("pem")),
        profile,
    )?;
    if let Some(b) = backend {
        v = v.using(b);
    }
    v.update(data);
    v.finish()
}

struct OpensslPssKey {
    _dir: tempfile::TempDir,
    key: PrivateKey,
    cert: Certificate,
    /// `openssl dgst -<own hash> -sign … -sigopt rsa_padding_mode:pss` over IMAGE.
    cli_signature: Vec<u8>,
    cli_hash: HashMethod,
}

const IMAGE_LEN: usize = 70_000;

/// `openssl genpkey -algorithm RSA-PSS` keys, their `openssl req -x509`
/// certificates and an `openssl dgst` signature each.
fn openssl_pss_key(bits: u32, pkeyopts: &[&str], hash: HashMethod) -> OpensslPssKey {
    let dir = tempfile::tempdir().expect("tempdir");
    let bits_opt = format!("rsa_keygen_bits:{bits}");
    let mut args = vec!["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", &bits_opt];
    for o in pkeyopts {
        args.extend(["-pkeyopt", o]);
    }
    args.extend(["-out", "k.pem"]);
    openssl(dir.path(), &args);
    openssl(
        dir.path(),
        &[
            "req", "-new", "-x509", "-key", "k.pem", "-subj", "/CN=pss", "-days", "30", "-out",
            "c.pem",
        ],
    );
    std::fs::write(dir.path().join("img"), image(IMAGE_LEN)).expect("image");
    let md = format!("-{}", hash.as_str().replace('-', "").to_ascii_lowercase());
    openssl(
        dir.path(),
        &[
            "dgst",
            &md,
            "-sign",
            "k.pem",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-out",
            "sig",
            "img",
        ],
    );
    let read = |f: &str| std::fs::read(dir.path().join(f)).expect("read");
    OpensslPssKey {
        key: PrivateKey::from_pem_or_der(&read("k.pem")).expect("key reads"),
        cert: Certificate::from_pem_or_der(&read("c.pem")).expect("certificate reads"),
        cli_signature: read("sig"),
        cli_hash: hash,
        _dir: dir,
    }
}

static UNRESTRICTED: LazyLock<OpensslPssKey> =
    LazyLock::new(|| openssl_pss_key(2048, &[], HashMethod::Sha256));
static SHA512_ONLY: LazyLock<OpensslPssKey> = LazyLock::new(|| {
    openssl_pss_key(
        2048,
        &[
            "rsa_pss_keygen_md:sha512",
            "rsa_pss_keygen_mgf1_md:sha512",
            "rsa_pss_keygen_saltlen:64",
        ],
        HashMethod::Sha512,
    )
});
static SHA256_ONLY_3072: LazyLock<OpensslPssKey> =
    LazyLock::new(|| openssl_pss_key(3072, &["rsa_pss_keygen_md:sha256"], HashMethod::Sha256));

#[test]
fn openssl_rsa_pss_keys_load_as_rsa_keys_with_their_parameters() {
    let cases = [
        (&*UNRESTRICTED, 2048, RsaPssKey::Unrestricted),
        (
            &*SHA512_ONLY,
            2048,
            RsaPssKey::Restricted(PssKeyParams {
                hash: PssDigest::Sha512,
                mgf1_hash: PssDigest::Sha512,
                min_salt_len: 64,
            }),
        ),
        (
            // rsa_pss_keygen_md alone leaves MGF1 at SHA-1 and the salt at 20.
            &*SHA256_ONLY_3072,
            3072,
            RsaPssKey::Restricted(PssKeyParams {
                hash: PssDigest::Sha256,
                mgf1_hash: PssDigest::Sha1,
                min_salt_len: 20,
            }),
        ),
    ];
    for (k, bits, pss) in cases {
        assert_eq!(k.key.algorithm(), &KeyAlgorithm::Rsa { bits });
        assert_eq!(k.key.rsa_pss(), Some(pss));
        let public = k.cert.public_key().expect("the certificate's key reads");
        assert_eq!(public.algorithm(), &KeyAlgorithm::Rsa { bits });
        assert_eq!(public.rsa_pss(), Some(pss));
        assert_eq!(
            public.spki_der(),
            k.key.public_key().expect("test setup").spki_der()
        );
    }
}

/// `openssl dgst -sign` follows the key's restrictions, MGF1 included;
/// cursive always uses MGF1 over the image's hash. So a key made with
/// `rsa_pss_keygen_md:sha256` alone (MGF1 left at SHA-1) signs what upstream
/// rejects: pyca/cryptography 50.0.2 and 41.0.7, run here on such a
/// signature, reject it with MGF1-SHA-256 and accept it with MGF1-SHA-1.
#[test]
fn openssl_made_signatures_with_rsa_pss_keys_verify_as_upstream() {
    let data = image(IMAGE_LEN);
    for backend in [
        None,
        Some(BackendKind::RustCrypto),
        Some(BackendKind::OpenSsl),
    ] {
        let k = &*SHA256_ONLY_3072;
        let got = upload(
            &k.cert,
            &k.cli_signature,
            k.cli_hash,
            imgsig_contract::KeyType::RsaPss,
            &data,
            Profile::GlanceCurrent,
            backend,
        );
        assert_eq!(got, Err(Rejection::SignatureMismatch), "{backend:?}");
    }
    for k in [&*UNRESTRICTED, &*SHA512_ONLY] {
        for backend in [
            None,
            Some(BackendKind::RustCrypto),
            Some(BackendKind::OpenSsl),
        ] {
            let got = upload(
                &k.cert,
                &k.cli_signature,
                k.cli_hash,
                imgsig_contract::KeyType::RsaPss,
                &data,
                Profile::GlanceCurrent,
                backend,
            );
            assert_eq!(got, Ok(()), "{:?} {backend:?}", k.key.rsa_pss());
        }
    }
}

/// What pyca/cryptography 50.0.2 and 41.0.7 answered (run here) for the
/// 2048-bit key restricted to SHA-512 / MGF1-SHA-512 / salt ≥ 64: the
/// restrictions are ignored, only the profile's salt rule applies.
#[test]
fn rsa_pss_key_restrictions_are_ignored_as_upstream_ignores_them() {
    let data = image(IMAGE_LEN);
    let k = &*SHA512_ONLY;
    let cases = [
        // (hash, salt, accepted by glance-current, by glance-legacy)
        (HashMethod::Sha256, PssSignSalt::Max, true, true),
        (HashMethod::Sha256, PssSignSalt::Fixed(0), true, false),
        (HashMethod::Sha384, PssSignSalt::Fixed(20), true, false),
        (HashMethod::Sha512, PssSignSalt::Fixed(0), true, false),
        (HashMethod::Sha224, PssSignSalt::Max, true, true),
    ];
    for (hash, salt, current, legacy) in cases {
        for signer in BackendKind::ALL {
            let sig = sign(&k.key, signer, hash, salt, &data);
            for (profile, want) in [
                (Profile::GlanceCurrent, current),
                (Profile::GlanceLegacy, legacy),
            ] {
                for backend in BackendKind::ALL {
                    let got = upload(
                        &k.cert,
                        &sig,
                        hash,
                        imgsig_contract::KeyType::RsaPss,
                        &data,
                        profile,
                        Some(backend),
                    );
                    let want = if want {
                        Ok(())
                    } else {
                        Err(Rejection::SignatureMismatch)
                    };
                    assert_eq!(
                        got, want,
                        "{hash} {salt:?} signed by {signer}, {profile}, {backend}"
                    );
                }
            }
            // The openssl command, given the key as upstream reads it.
            let dir = tempfile::tempdir().expect("test setup");
            assert!(
                openssl_verifies(
                    dir.path(),
                    &k.cert.public_key().expect("test setup"),
                    hash,
                    &sig,
                    &data,
                    CliSalt::Auto
                ),
                "openssl dgst -verify, {hash} {salt:?}"
            );
        }
    }
    // Tampered data is still a mismatch, not a key error.
    let sig = sign(
        &k.key,
        BackendKind::OpenSsl,
        HashMethod::Sha256,
        PssSignSalt::Max,
        &data,
    );
    let mut tampered = data.clone();
    tampered[7] ^= 1;
    for backend in BackendKind::ALL {
        assert_eq!(
            upload(
                &k.cert,
                &sig,
                HashMethod::Sha256,
                imgsig_contract::KeyType::RsaPss,
                &tampered,
                Profile::GlanceCurrent,
                Some(backend)
            ),
            Err(Rejection::SignatureMismatch)
        );
    }
}

#[test]
fn generated_rsa_pss_keys_match_openssls_form() {
    let data = image(1000);
    for pss in [
        RsaPssKey::Unrestricted,
        RsaPssKey::Restricted(PssKeyParams::for_hash(HashMethod::Sha384)),
    ] {
        let key = PrivateKey::generate(KeySpec::RsaPss(2048, pss)).expect("keygen");
        assert_eq!(key.rsa_pss(), Some(pss));
        let cert = CertificateParams::new("generated pss", 30)
            .self_signed(&key)
            .expect("a restricted key signs its certificate with its own digest");
        let public = cert.public_key().expect("test setup");
        assert_eq!(public.rsa_pss(), Some(pss));
        // The openssl command reads what we wrote as the same kind of key.
        let dir = tempfile::tempdir().expect("test setup");
        std::fs::write(dir.path().join("c.pem"), cert.to_pem().expect("test setup"))
            .expect("test setup");
        let text = Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in", "c.pem"])
            .current_dir(dir.path())
            .output()
            .expect("test setup");
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Public Key Algorithm: rsassaPss"), "{text}");
        if let Some(p) = pss.params() {
            assert!(text.contains("Minimum Salt Length: 48"), "{p}: {text}");
        }
        let sig = sign(
            &key,
            BackendKind::RustCrypto,
            HashMethod::Sha256,
            PssSignSalt::Max,
            &data,
        );
        for backend in BackendKind::ALL {
            assert_eq!(
                upload(
                    &cert,
                    &sig,
                    HashMethod::Sha256,
                    imgsig_contract::KeyType::RsaPss,
                    &data,
                    Profile::GlanceLegacy,
                    Some(backend)
                ),
                Ok(())
            );
        }
    }
}

#[test]
fn rsa_8192_keys_sign_and_verify_on_both_backends_and_openssl() {
    let key = pinned_key("rsa-8192.pem");
    assert_eq!(key.algorithm(), &KeyAlgorithm::Rsa { bits: 8192 });
    let cert = CertificateParams::new("rsa 8192", 30)
        .self_signed(&key)
        .expect("test setup");
    let data = image(3000);
    for signer in BackendKind::ALL {
        for hash in [HashMethod::Sha256, HashMethod::Sha512] {
            let sig = sign(&key, signer, hash, PssSignSalt::Max, &data);
            assert_eq!(sig.len(), 1024);
            for backend in BackendKind::ALL {
                for profile in [Profile::GlanceCurrent, Profile::GlanceLegacy] {
                    assert_eq!(
                        upload(
                            &cert,
                            &sig,
                            hash,
                            imgsig_contract::KeyType::RsaPss,
                            &data,
                            profile,
                            Some(backend)
                        ),
                        Ok(()),
                        "signed by {signer}, {hash}, {backend}, {profile}"
                    );
                }
            }
            let dir = tempfile::tempdir().expect("test setup");
            assert!(openssl_verifies(
                dir.path(),
                &cert.public_key().expect("test setup"),
                hash,
                &sig,
                &data,
                CliSalt::Auto
            ));
            let mut bad = sig.clone();
            bad[100] ^= 1;
            assert_eq!(
                upload(
                    &cert,
                    &bad,
                    hash,
                    imgsig_contract::KeyType::RsaPss,
                    &data,
                    Profile::GlanceCurrent,
                    Some(BackendKind::RustCrypto)
                ),
                Err(Rejection::SignatureMismatch)
            );
        }
    }
}

#[test]
fn ec_keys_with_explicit_parameters_are_read_by_openssl_and_verify_as_upstream() {
    for (file, curve, hash) in [
        (
            "ecc-secp384r1-explicit.pem",
            Curve::Secp384r1,
            HashMethod::Sha384,
        ),
        (
            "ecc-secp521r1-explicit.pem",
            Curve::Secp521r1,
            HashMethod::Sha256,
        ),
    ] {
        let key = pinned_key(file);
        assert_eq!(key.algorithm(), &KeyAlgorithm::Ec(EcCurve::Explicit(curve)));
        assert_eq!(
            BackendKind::for_algorithm(key.algorithm()),
            BackendKind::OpenSsl
        );
        let cert = CertificateParams::new("explicit", 30)
            .self_signed(&key)
            .expect("test setup");
        assert_eq!(
            cert.public_key().expect("test setup").algorithm(),
            &KeyAlgorithm::Ec(EcCurve::Explicit(curve)),
            "the certificate keeps the explicit parameters"
        );
        let data = image(4000);
        // RustCrypto cannot read the form: an error, never a signature.
        let rc = BackendKind::RustCrypto.backend();
        let digest = digest_bytes(rc, hash, &data).expect("test setup");
        assert!(rc
            .sign_digest(&key, hash, &digest, PssSignSalt::Max)
            .is_err());
        assert!(rc
            .verify_digest(
                &key.public_key().expect("test setup"),
                hash,
                &digest,
                b"0",
                imgsig_contract::PssVerifySalt::Auto
            )
            .is_err());

        let sig = sign(&key, BackendKind::OpenSsl, hash, PssSignSalt::Max, &data);
        let key_type = imgsig_contract::KeyType::Ecc(curve);
        // Asking for RustCrypto keeps the backend that reads the key.
        for backend in [
            None,
            Some(BackendKind::RustCrypto),
            Some(BackendKind::OpenSsl),
        ] {
            assert_eq!(
                upload(
                    &cert,
                    &sig,
                    hash,
                    key_type,
                    &data,
                    Profile::GlanceCurrent,
                    backend
                ),
                Ok(()),
                "{file} {backend:?}"
            );
        }
        let mut tampered = data.clone();
        tampered[0] ^= 1;
        assert_eq!(
            upload(
                &cert,
                &sig,
                hash,
                key_type,
                &tampered,
                Profile::GlanceCurrent,
                None
            ),
            Err(Rejection::SignatureMismatch)
        );
        // pyca/cryptography 41.0.7 cannot load the key: a load error.
        assert_eq!(
            upload(
                &cert,
                &sig,
                hash,
                key_type,
                &data,
                Profile::GlanceLegacy,
                None
            ),
            Err(Rejection::UnreadableCertificate(UUID.into()))
        );
        let dir = tempfile::tempdir().expect("test setup");
        assert!(openssl_verifies(
            dir.path(),
            &cert.public_key().expect("test setup"),
            hash,
            &sig,
            &data,
            CliSalt::Auto
        ));
    }
}

/// SEC 1 allows an EC point in compressed (02/03) and hybrid (06/07) form
/// beside the uncompressed one. pyca/cryptography 41.0.7 and 50.0.2 load
/// both from a certificate and verify with them (tried), so Glance accepts
/// such images. The RustCrypto crates read compressed points but no hybrid
/// one: that key goes to OpenSSL, and the default verifier accepts the
/// good signature (it reported the certificate as unreadable until the
/// `verify_keys` fuzz target found the disagreement).
#[test]
fn ec_points_in_compressed_and_hybrid_form_verify_as_upstream() {
    let dir = tempfile::tempdir().expect("tempdir");
    // (name, curve, the point's first octets, its length, who reads it)
    for (name, curve, tag, point_len, reader) in [
        (
            "ecc-secp384r1-hybrid",
            Curve::Secp384r1,
            [0x06, 0x07],
            1 + 2 * 48,
            BackendKind::OpenSsl,
        ),
        (
            "ecc-secp521r1-compressed",
            Curve::Secp521r1,
            [0x02, 0x03],
            1 + 66,
            BackendKind::RustCrypto,
        ),
    ] {
        let pem = std::fs::read(pinned(&format!("{name}.crt.pem"))).expect("pinned certificate");
        let cert = Certificate::from_pem_or_der(&pem).expect("reads");
        let public = cert.public_key().expect("a key");
        assert_eq!(public.algorithm(), &KeyAlgorithm::Ec(EcCurve::Named(curve)));
        // The point ends the SPKI (the BIT STRING's contents).
        let spki = public.spki_der();
        let first = spki[spki.len() - point_len];
        assert!(
            tag.contains(&first),
            "{name}: the point starts {first:#04x}"
        );
        assert_eq!(BackendKind::for_key(&public), reader, "{name}");
        assert!(BackendKind::OpenSsl.backend().reads(&public));

        let key = pinned_key(&format!("{name}.pem"));
        let hash = HashMethod::Sha384;
        let data = image(5000);
        let sig = sign(&key, BackendKind::OpenSsl, hash, PssSignSalt::Max, &data);
        assert!(openssl_verifies(
            dir.path(),
            &public,
            hash,
            &sig,
            &data,
            CliSalt::Auto
        ));
        let key_type = imgsig_contract::KeyType::Ecc(curve);
        for profile in [Profile::GlanceCurrent, Profile::GlanceLegacy] {
            let check = |data: &[u8]| upload(&cert, &sig, hash, key_type, data, profile, None);
            assert_eq!(check(&data), Ok(()), "{name} {profile}");
            let mut tampered = data.clone();
            tampered[0] ^= 1;
            assert_eq!(
                check(&tampered),
                Err(Rejection::SignatureMismatch),
                "{name} {profile}"
            );
        }
    }
}
