//! Shared test fixtures: one freshly generated key per spec of the matrix,
//! and a driver for the `openssl` command.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use imgsig::crypto::{KeySpec, PrivateKey, PublicKey};
use imgsig::spec::HashMethod;

/// One key per spec of the matrix, generated in parallel once per test binary.
pub static KEYS: LazyLock<HashMap<KeySpec, PrivateKey>> = LazyLock::new(|| {
    std::thread::scope(|s| {
        let handles: Vec<_> = KeySpec::matrix()
            .into_iter()
            .map(|spec| s.spawn(move || (spec, PrivateKey::generate(spec).expect("keygen"))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("keygen thread"))
            .collect()
    })
});

pub fn key(spec: KeySpec) -> &'static PrivateKey {
    &KEYS[&spec]
}

/// How the `openssl` command should treat the PSS salt when verifying.
#[derive(Clone, Copy)]
pub enum CliSalt {
    /// `rsa_pss_saltlen:auto`
    Auto,
    /// `rsa_pss_saltlen:N`
    Exact(usize),
}

/// `openssl dgst -<hash> -verify pub.pem -signature sig image`: does the
/// command accept the signature?
pub fn openssl_verifies(
    dir: &Path,
    key: &PublicKey,
    hash: HashMethod,
    signature: &[u8],
    image: &[u8],
    salt: CliSalt,
) -> bool {
    let pub_path = dir.join("pub.pem");
    let sig_path = dir.join("sig.bin");
    let img_path = dir.join("image.bin");
    std::fs::write(&pub_path, key.to_pem().expect("pem")).expect("write");
    std::fs::write(&sig_path, signature).expect("write");
    std::fs::write(&img_path, image).expect("write");
    let mut cmd = Command::new("openssl");
    cmd.arg("dgst")
        .arg(format!("-{}", hash.openssl_name()))
        .arg("-verify")
        .arg(&pub_path)
        .arg("-signature")
        .arg(&sig_path);
    if matches!(key.algorithm(), imgsig::crypto::KeyAlgorithm::Rsa { .. }) {
        let saltlen = match salt {
            CliSalt::Auto => "auto".to_owned(),
            CliSalt::Exact(n) => n.to_string(),
        };
        cmd.args(["-sigopt", "rsa_padding_mode:pss"])
            .args(["-sigopt", &format!("rsa_pss_saltlen:{saltlen}")])
            .args(["-sigopt", &format!("rsa_mgf1_md:{}", hash.openssl_name())]);
    }
    let out = cmd.arg(&img_path).output().expect("run openssl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    match (out.status.success(), stdout.contains("Verified OK")) {
        (true, true) => true,
        (false, false) => false,
        other => panic!("openssl answered inconsistently: {other:?} {stdout}"),
    }
}

/// A deterministic test image of `len` bytes.
pub fn image(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}
