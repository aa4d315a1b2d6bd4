//! `imgsig trust`: validate a signing certificate as Nova does.

use std::path::PathBuf;

use crate::crypto::cert::Certificate;
use crate::trust::{verify_certificate, TrustOptions, TrustedCertificate};
use crate::Result;

use super::Outcome;

/// Validate a signing certificate against trusted certificates the way
/// Nova does before booting a signed image (cursive's rules: dates,
/// CA + keyCertSign issuers, chain to a self-signed trusted certificate,
/// path length).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The image's signing certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// A trusted certificate (repeat for each; PEM or DER).
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
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let cert = Certificate::from_pem_or_der(&super::read(&args.cert)?)?;
    let trusted = args
        .trusted
        .iter()
        .map(|p| {
            Ok(TrustedCertificate {
                id: p.display().to_string(),
                certificate: Certificate::from_pem_or_der(&super::read(p)?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let options = TrustOptions {
        enforce_valid_dates: !args.no_dates,
        enforce_signing_extensions: !args.no_signing_extensions,
        enforce_path_length: !args.no_path_length,
        ..TrustOptions::default()
    };
    match verify_certificate(&cert, &trusted, options)? {
        Ok(chain) => {
            let base = args.cert.display().to_string();
            let chain: Vec<&str> = chain
                .iter()
                .map(|id| {
                    if id == "base" {
                        base.as_str()
                    } else {
                        id.as_str()
                    }
                })
                .collect();
            println!("certificate trusted, chain: {}", chain.join(" -> "));
            Ok(Outcome::Success)
        }
        Err(failure) => {
            println!("certificate not trusted: {failure}");
            Ok(Outcome::Failure)
        }
    }
}
