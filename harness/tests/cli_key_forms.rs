//! `imgsig verify` and `imgsig inspect` on the keys of issue 14, made and
//! used with the `openssl` command as a person would: an RSASSA-PSS key
//! (`openssl genpkey -algorithm RSA-PSS`), an 8192-bit RSA key, an EC key
//! with explicit curve parameters.

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;

#[path = "../crypto/tests/common/openssl.rs"]
mod openssl_command;
use openssl_command::openssl;

fn imgsig(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run imgsig")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Write an image, a certificate for `key.pem` and `openssl dgst` signature;
/// return the signature in base64.
fn certificate_and_signature(dir: &Path, digest: &str, pss: bool) -> String {
    std::fs::write(dir.join("myimage"), b"an image for issue 14\n".repeat(300))
        .expect("test setup");
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "key.pem",
            "-subj",
            "/CN=issue14",
            "-days",
            "30",
            "-out",
            "cert.pem",
        ],
    );
    openssl(
        dir,
        &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"],
    );
    let mut args = vec!["dgst", digest, "-sign", "key.pem"];
    if pss {
        args.extend(["-sigopt", "rsa_padding_mode:pss"]);
    }
    args.extend(["-out", "sig.bin", "myimage"]);
    openssl(dir, &args);
    base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(dir.join("sig.bin")).expect("test setup"))
}

#[test]
fn an_rsassa_pss_certificate_verifies_and_inspects() {
    let dir = tempfile::tempdir().expect("test setup");
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA-PSS",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "key.pem",
        ],
    );
    let sig = certificate_and_signature(d, "-sha256", true);
    for source in [["--cert", "cert.pem"], ["--public-key", "pub.pem"]] {
        let out = imgsig(
            d,
            &[
                "verify",
                source[0],
                source[1],
                "--hash-method",
                "SHA-256",
                "--key-type",
                "RSA-PSS",
                "--signature",
                &sig,
                "myimage",
            ],
        );
        assert!(out.status.success(), "{source:?}: {}", text(&out));
        assert!(text(&out).contains("signature OK"), "{}", text(&out));
    }
    let out = imgsig(
        d,
        &[
            "inspect",
            "--cert",
            "cert.pem",
            "--hash-method",
            "SHA-256",
            "--signature",
            &sig,
            "myimage",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("RSA 2048-bit"), "{shown}");
    assert!(
        shown.contains("RSASSA-PSS key without parameters"),
        "{shown}"
    );
    assert!(
        shown.contains("rustcrypto    glance-current: valid"),
        "{shown}"
    );
}

#[test]
fn an_8192_bit_key_verifies_on_every_backend() {
    let dir = tempfile::tempdir().expect("test setup");
    let d = dir.path();
    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/keys/rsa-8192.pem");
    std::fs::copy(pinned, d.join("key.pem")).expect("test setup");
    let sig = certificate_and_signature(d, "-sha512", true);
    for backend in ["rustcrypto", "openssl"] {
        let out = imgsig(
            d,
            &[
                "verify",
                "--public-key",
                "pub.pem",
                "--hash-method",
                "SHA-512",
                "--key-type",
                "RSA-PSS",
                "--signature",
                &sig,
                "--backend",
                backend,
                "myimage",
            ],
        );
        assert!(out.status.success(), "{backend}: {}", text(&out));
    }
}

#[test]
fn an_explicit_parameter_ec_certificate_follows_the_profile() {
    let dir = tempfile::tempdir().expect("test setup");
    let d = dir.path();
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "secp384r1",
            "-param_enc",
            "explicit",
            "-genkey",
            "-noout",
            "-out",
            "key.pem",
        ],
    );
    let sig = certificate_and_signature(d, "-sha384", false);
    let verify = |profile: &str, signature: &str| {
        imgsig(
            d,
            &[
                "verify",
                "--cert",
                "cert.pem",
                "--hash-method",
                "SHA-384",
                "--key-type",
                "ECC_SECP384R1",
                "--signature",
                signature,
                "--profile",
                profile,
                "myimage",
            ],
        )
    };
    let out = verify("glance-current", &sig);
    assert!(out.status.success(), "{}", text(&out));
    // pyca/cryptography 41.0.7 cannot load the key: a load error, exit 1.
    let out = verify("glance-legacy", &sig);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Unable to load the certificate with ID: cert.pem"),
        "{}",
        text(&out)
    );
    // A bad signature is still a bad signature.
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(&sig)
        .expect("test setup");
    let n = raw.len();
    raw[n - 2] ^= 1;
    let bad = base64::engine::general_purpose::STANDARD.encode(raw);
    let out = verify("glance-current", &bad);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Signature verification failed"),
        "{}",
        text(&out)
    );
}
