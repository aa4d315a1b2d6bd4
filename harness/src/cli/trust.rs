//! `imgsig trust`: validate a signing certificate as Nova does; the same
//! check behind `imgsig verify --trusted-cert`.

use std::path::{Path, PathBuf};

use crate::crypto::cert::Certificate;
use crate::trust::{verify_certificate, TrustOptions, TrustedCertificate, Validation, BASE};
use crate::{Error, Result};

use super::Outcome;

/// Validate a signing certificate against trusted certificates the way
/// Nova does before booting a signed image (cursive 0.3.1's rules: dates,
/// CA + keyCertSign issuers, a chain to a self-signed trusted certificate,
/// path length). Exit 0 trusted, 1 not trusted, 2 could not run.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The image's signing certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// A trusted certificate (repeat for each, in order; PEM or DER).
    #[arg(long = "trusted", value_name = "FILE", required = true)]
    trusted: Vec<PathBuf>,
    /// Do not check validity dates.
    #[arg(long)]
    no_dates: bool,
    /// Do not require CA and keyCertSign of issuers.
    #[arg(long)]
    no_signing_extensions: bool,
    /// Do not enforce path length constraints.
    #[arg(long)]
    no_path_length: bool,
    /// Validate at this time (Unix seconds) instead of now.
    #[arg(long, value_name = "SECONDS")]
    at: Option<i64>,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let cert = load_certificate(&args.cert)?;
    let options = TrustOptions {
        enforce_valid_dates: !args.no_dates,
        enforce_signing_extensions: !args.no_signing_extensions,
        enforce_path_length: !args.no_path_length,
        now: args.at.unwrap_or_else(|| TrustOptions::default().now),
    };
    let trusted = check(&cert, &args.cert, &args.trusted, options)?;
    Ok(if trusted {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// Read a certificate file; a private key or anything else that is no
/// certificate is an error that says so (exit 2).
pub(crate) fn load_certificate(path: &Path) -> Result<Certificate> {
    let bytes = refuse_private_key(path)?;
    Certificate::from_pem_or_der(&bytes)
        .map_err(|e| Error::Config(format!("{}: not an X.509 certificate: {e}", path.display())))
}

/// Read a file given as a certificate; one that holds a private key is an
/// error that says so (a private key never belongs in a trust check).
pub(crate) fn refuse_private_key(path: &Path) -> Result<Vec<u8>> {
    let bytes = super::read(path)?;
    if String::from_utf8_lossy(&bytes).contains("PRIVATE KEY-----") {
        return Err(Error::Config(format!(
            "{} holds a private key, not a certificate: give the X.509 certificate \
             (for example the certificate.pem that `imgsig keygen` writes beside it)",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Validate `cert` (read from `cert_path`) against the certificates in
/// `trusted` (their paths are their ids), print the verdict with its
/// reasons, and say whether it is trusted.
pub(crate) fn check(
    cert: &Certificate,
    cert_path: &Path,
    trusted: &[PathBuf],
    options: TrustOptions,
) -> Result<bool> {
    let trusted = trusted
        .iter()
        .map(|p| {
            Ok(TrustedCertificate::new(
                p.display().to_string(),
                load_certificate(p)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let validation = verify_certificate(cert, &trusted, options)?;
    print!("{}", render(&validation, &cert_path.display().to_string()));
    Ok(validation.is_trusted())
}

/// The verdict as `imgsig` prints it: upstream's message, then the reasons.
pub(crate) fn render(validation: &Validation, signing_name: &str) -> String {
    let mut out = String::new();
    match &validation.verdict {
        Ok(chain) => {
            let chain: Vec<&str> = chain
                .iter()
                .map(|id| {
                    if id == BASE {
                        signing_name
                    } else {
                        id.as_str()
                    }
                })
                .collect();
            out.push_str(&format!(
                "certificate trusted, chain: {}\n",
                chain.join(" -> ")
            ));
            for s in &validation.skipped {
                out.push_str(&format!("  note: {}\n", s.reason()));
            }
        }
        Err(failure) => {
            out.push_str(&format!("certificate not trusted: {failure}\n"));
            for line in validation.reasons() {
                out.push_str(&format!("  why: {line}\n"));
            }
        }
    }
    out
}
