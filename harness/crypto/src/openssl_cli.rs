//! The `openssl` command as an independent peer: `openssl dgst -verify`
//! with the explicit PSS options, the way a person would check a signature.

use std::path::Path;
use std::process::Command;

use super::keys::{KeyAlgorithm, PublicKey};
use crate::{Error, Result};
use imgsig_contract::HashMethod;

/// The digest name the `openssl` command takes (`openssl dgst -sha256`).
pub const fn digest_name(hash: HashMethod) -> &'static str {
    match hash {
        HashMethod::Sha224 => "sha224",
        HashMethod::Sha256 => "sha256",
        HashMethod::Sha384 => "sha384",
        HashMethod::Sha512 => "sha512",
    }
}

/// How the command should treat the PSS salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliSalt {
    /// `rsa_pss_saltlen:auto`.
    Auto,
    /// `rsa_pss_saltlen:N`.
    Exact(usize),
}

/// Does `openssl dgst -<hash> -verify` accept `signature` over the file
/// `image`? Scratch files go to `dir`.
pub fn openssl_verifies(
    dir: &Path,
    key: &PublicKey,
    hash: HashMethod,
    signature: &[u8],
    image: &Path,
    salt: CliSalt,
) -> Result<bool> {
    let pub_path = dir.join("imgsig-check-pub.pem");
    let sig_path = dir.join("imgsig-check-sig.bin");
    // The key as upstream reads it: `openssl dgst` would enforce the
    // restrictions of an RSASSA-PSS key, which upstream ignores.
    let upstream_view = PublicKey::from_pem_or_der(&key.verifying_spki_der()?)?;
    std::fs::write(&pub_path, upstream_view.to_pem()?).map_err(Error::io(&pub_path))?;
    std::fs::write(&sig_path, signature).map_err(Error::io(&sig_path))?;
    let mut cmd = Command::new("openssl");
    cmd.arg("dgst")
        .arg(format!("-{}", digest_name(hash)))
        .arg("-verify")
        .arg(&pub_path)
        .arg("-signature")
        .arg(&sig_path);
    if matches!(key.algorithm(), KeyAlgorithm::Rsa { .. }) {
        let saltlen = match salt {
            CliSalt::Auto => "auto".to_owned(),
            CliSalt::Exact(n) => n.to_string(),
        };
        cmd.args(["-sigopt", "rsa_padding_mode:pss"])
            .args(["-sigopt", &format!("rsa_pss_saltlen:{saltlen}")])
            .args(["-sigopt", &format!("rsa_mgf1_md:{}", digest_name(hash))]);
    }
    let out = cmd
        .arg(image)
        .output()
        .map_err(|e| Error::OpensslCommand(format!("cannot run the openssl command: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match (out.status.success(), stdout.contains("Verified OK")) {
        (true, true) => Ok(true),
        (false, false) => Ok(false),
        _ => Err(Error::OpensslCommand(format!(
            "the openssl command answered inconsistently: status {}, {stdout}",
            out.status
        ))),
    }
}
