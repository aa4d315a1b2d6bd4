//! Shared test fixtures: one freshly generated key per spec of the matrix,
//! and a driver for the `openssl` command.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use imgsig_contract::HashMethod;
use imgsig_crypto::{KeySpec, PrivateKey, PublicKey};

pub mod openssl;

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

pub use imgsig_crypto::openssl_cli::CliSalt;

/// `openssl dgst -<hash> -verify …` over `image` (written to `dir`).
pub fn openssl_verifies(
    dir: &Path,
    key: &PublicKey,
    hash: HashMethod,
    signature: &[u8],
    image: &[u8],
    salt: CliSalt,
) -> bool {
    let img_path = dir.join("image.bin");
    std::fs::write(&img_path, image).expect("write");
    imgsig_crypto::openssl_cli::openssl_verifies(dir, key, hash, signature, &img_path, salt)
        .expect("openssl runs")
}

/// A deterministic test image of `len` bytes.
pub fn image(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}
