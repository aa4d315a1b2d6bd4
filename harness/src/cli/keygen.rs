//! `imgsig keygen`: a private key and a self-signed certificate.

use std::path::PathBuf;

use crate::crypto::cert::CertificateParams;
use crate::crypto::{KeySpec, PrivateKey};
use crate::spec::KeyType;
use crate::{Error, Result};

use super::Outcome;

/// Generate a signing key and a self-signed X.509 certificate for it.
///
/// Writes private_key.pem (PKCS#8), certificate.pem and certificate.der to
/// the output directory.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Key type: RSA-PSS, DSA or ECC_<CURVE> (e.g. ECC_SECP384R1).
    #[arg(long, value_name = "TYPE")]
    key_type: KeyType,
    /// RSA modulus size (default 2048), or the DSA p size L (default 2048).
    #[arg(long)]
    bits: Option<usize>,
    /// DSA q size N (default 160 for L=1024, else 256).
    #[arg(long)]
    q_bits: Option<usize>,
    /// Certificate validity in days from now.
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Certificate subject common name.
    #[arg(long, default_value = "imgsig test signer")]
    cn: String,
    /// Directory to write to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let spec = KeySpec::for_key_type(args.key_type, args.bits, args.q_bits)?;
    let key = PrivateKey::generate(spec)?;
    let cert = CertificateParams::new(args.cn, args.days).self_signed(&key)?;
    std::fs::create_dir_all(&args.out).map_err(Error::io(&args.out))?;
    let key_path = args.out.join("private_key.pem");
    write_private(&key_path, &key.to_pem()?)?;
    let pem_path = args.out.join("certificate.pem");
    std::fs::write(&pem_path, cert.to_pem()?).map_err(Error::io(&pem_path))?;
    let der_path = args.out.join("certificate.der");
    std::fs::write(&der_path, cert.der()).map_err(Error::io(&der_path))?;
    println!("{spec} key for {}", args.key_type);
    println!("  private key  {}", key_path.display());
    println!("  certificate  {} (and .der)", pem_path.display());
    Ok(Outcome::Success)
}

/// Write a private key readable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(Error::io(path))?;
    file.write_all(bytes).map_err(Error::io(path))
}
