//! `imgsig trust` and `imgsig verify --trusted-cert`: the messages a person
//! reads (upstream's words, then why) and the exit statuses 0 / 1 / 2, on
//! the catalogue's trust situations written out as PEM files.

use std::path::Path;
use std::process::Command;

use imgsig::cases::trust::{situations, TrustSituation, VALIDATION_TIME};

fn imgsig(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run imgsig");
    format!(
        "exit {}\n{}{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn situation(name: &str) -> TrustSituation {
    situations()
        .expect("situations")
        .into_iter()
        .find(|s| s.name == name)
        .expect("known situation")
}

/// Write the situation's certificates as `signing.pem` and `<id>.pem`;
/// the `--trusted` arguments in order.
fn write(dir: &Path, s: &TrustSituation, flag: &str) -> Vec<String> {
    std::fs::write(dir.join("signing.pem"), s.signing.to_pem().expect("PEM")).expect("write");
    let mut args = Vec::new();
    for t in &s.trusted {
        let cert = t
            .fetched
            .as_ref()
            .expect("only fetched certificates as files");
        std::fs::write(
            dir.join(format!("{}.pem", t.id)),
            cert.to_pem().expect("PEM"),
        )
        .expect("write");
        args.push(flag.to_owned());
        args.push(format!("{}.pem", t.id));
    }
    args
}

#[test]
fn trust_verdicts_and_reasons() {
    let mut all = String::new();
    for name in [
        "depth-3",
        "path-len.0.one-intermediate",
        "missing.root",
        "impostor.only",
        "expired.signing",
        "expired.intermediate",
        "issuer.no-key-usage",
        "self-signed.no-ca-trusted",
        "self-signed.untrusted",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = situation(name);
        let trusted = write(dir.path(), &s, "--trusted");
        let at = VALIDATION_TIME.to_string();
        let mut args = vec!["trust", "--cert", "signing.pem", "--at", &at];
        args.extend(trusted.iter().map(String::as_str));
        all.push_str(&format!("$ imgsig {}   # {name}\n", args.join(" ")));
        all.push_str(&imgsig(dir.path(), &args));
        all.push('\n');
    }
    insta::assert_snapshot!(all);
}

#[test]
fn verify_checks_trust_before_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let key = root.join("vectors/keys/rsa-2048.pem");
    std::fs::copy(&key, dir.path().join("private_key.pem")).unwrap();
    std::fs::write(dir.path().join("image"), b"an image").unwrap();
    std::fs::write(dir.path().join("tampered"), b"an imagE").unwrap();
    let signed = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .current_dir(dir.path())
        .args([
            "sign",
            "--key",
            "private_key.pem",
            "--hash-method",
            "SHA-256",
            "--json",
            "image",
        ])
        .output()
        .unwrap();
    let props: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
    let sig = props["img_signature"].as_str().unwrap().to_owned();

    let mut all = String::new();
    let mut run = |what: &str, s: &TrustSituation, extra: &[&str], image: &str| {
        let trusted = write(dir.path(), s, "--trusted-cert");
        let mut args = vec![
            "verify",
            "--cert",
            "signing.pem",
            "--hash-method",
            "SHA-256",
            "--key-type",
            "RSA-PSS",
            "--signature",
            "$SIG",
        ];
        args.extend(trusted.iter().map(String::as_str));
        args.extend(extra);
        args.push(image);
        all.push_str(&format!("$ imgsig {}   # {what}\n", args.join(" ")));
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "$SIG" { sig.as_str() } else { a })
            .collect();
        all.push_str(&imgsig(dir.path(), &args));
        all.push('\n');
    };
    let good = situation("depth-3");
    run("trusted chain, good signature", &good, &[], "image");
    run("trusted chain, tampered image", &good, &[], "tampered");
    run(
        "untrusted: the root is missing",
        &situation("missing.root"),
        &[],
        "image",
    );
    run(
        "a private key given as a trusted certificate",
        &good,
        &["--trusted-cert", "private_key.pem"],
        "image",
    );
    run(
        "a trusted certificate file that is not there",
        &good,
        &["--trusted-cert", "nowhere.pem"],
        "image",
    );
    insta::assert_snapshot!(all);
}

#[test]
fn a_private_key_as_the_signing_certificate_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/keys/ecc-secp384r1.pem");
    std::fs::copy(key, dir.path().join("private_key.pem")).unwrap();
    let out = imgsig(
        dir.path(),
        &[
            "trust",
            "--cert",
            "private_key.pem",
            "--trusted",
            "private_key.pem",
        ],
    );
    insta::assert_snapshot!(out);
}
