//! `imgsig verify`: check an image against its signature properties the
//! way Glance does on upload.

use std::fs::File;
use std::path::PathBuf;

use crate::crypto::BackendKind;
use crate::spec::{properties, Base64Mode, Profile, PropertyMap, Request, SignatureProperties};
use crate::trust::TrustOptions;
use crate::verify::{CertificateLookup, UploadVerifier};
use crate::{Error, Result};

use super::{KeySource, Outcome};

/// Verify an image as Glance does on upload (streaming, constant memory);
/// with `--trusted-cert`, first validate the signing certificate against
/// those, as Nova does before it boots the image.
///
/// Exit status 0 and "signature OK", or 1 with upstream's reason (an
/// untrusted certificate or a bad signature); for a failed RSA-PSS
/// signature also the salt length found and the one the profile requires;
/// 2 when the check could not run.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    key: KeySource,
    /// img_signature_hash_method, taken as written (SHA-256, …).
    #[arg(long, value_name = "METHOD")]
    hash_method: String,
    /// img_signature_key_type, taken as written (RSA-PSS, DSA, ECC_SECP384R1, …).
    #[arg(long, value_name = "TYPE")]
    key_type: String,
    /// img_signature: the base64 signature.
    #[arg(long, value_name = "B64")]
    signature: String,
    /// Whose rules to apply.
    #[arg(long, default_value = "glance-current", value_parser = parse_profile)]
    profile: Profile,
    /// Decode the signature strictly (RFC 4648) instead of as upstream does.
    #[arg(long)]
    strict_base64: bool,
    /// Crypto backend that hashes and checks, alone (default: OpenSSL
    /// hashes, and RustCrypto checks where it can).
    #[arg(long, value_parser = super::sign::parse_backend)]
    backend: Option<BackendKind>,
    /// A trusted certificate (repeat for each, in order; PEM or DER): the
    /// signing certificate (`--cert`) must chain to them, by cursive's
    /// rules, before the signature is checked.
    #[arg(long = "trusted-cert", value_name = "FILE", requires = "cert")]
    trusted_cert: Vec<PathBuf>,
    /// The image file.
    image: PathBuf,
}

pub(crate) fn parse_profile(s: &str) -> Result<Profile> {
    Ok(s.parse()?)
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    // A private key given as the certificate is a mistake to point out
    // (exit 2), not a verdict; other unreadable certificates get Glance's
    // answer, unless they must also be validated.
    if let Some(path) = &args.key.cert {
        super::trust::refuse_private_key(path)?;
    }
    let source_name = args
        .key
        .cert
        .as_ref()
        .or(args.key.public_key.as_ref())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let map = PropertyMap::from([
        (properties::SIGNATURE.to_owned(), args.signature.clone()),
        (properties::HASH_METHOD.to_owned(), args.hash_method.clone()),
        (properties::KEY_TYPE.to_owned(), args.key_type.clone()),
        (properties::CERTIFICATE_UUID.to_owned(), source_name),
    ]);
    let mode = if args.strict_base64 {
        Base64Mode::Strict
    } else {
        Base64Mode::Lenient
    };
    let props = match SignatureProperties::parse(&map, args.profile, mode) {
        Ok(Request::Verify(props)) => props,
        Ok(Request::Unverified { missing }) => {
            return Ok(fail(
                &format!("missing properties: {}", missing.join(", ")),
                None,
            ))
        }
        Err(rejection) => return Ok(fail(&rejection.to_string(), None)),
    };
    let started = match &args.key.cert {
        Some(path) => UploadVerifier::new(
            props,
            CertificateLookup::Found(super::read(path)?),
            args.profile,
        ),
        None => {
            UploadVerifier::with_public_key(props, args.key.load()?, args.profile.pss_verify_salt())
        }
    };
    let signing = match (&args.key.cert, args.trusted_cert.is_empty()) {
        (Some(path), false) => Some(super::trust::load_certificate(path)?),
        _ => None,
    };
    let mut verifier = match started {
        Ok(v) => v,
        Err(rejection) => return Ok(fail(&rejection.to_string(), None)),
    };
    if let (Some(signing), Some(cert_path)) = (&signing, &args.key.cert) {
        if !super::trust::check(
            signing,
            cert_path,
            &args.trusted_cert,
            TrustOptions::default(),
        )? {
            return Ok(Outcome::Failure);
        }
    }
    if let Some(backend) = args.backend {
        verifier = verifier.using(backend);
    }
    let file = File::open(&args.image).map_err(Error::io(&args.image))?;
    verifier.update_from(file).map_err(Error::io(&args.image))?;
    let conclusion = verifier.conclude();
    match conclusion.result {
        Ok(()) => {
            println!("signature OK");
            Ok(Outcome::Success)
        }
        Err(rejection) => Ok(fail(
            &rejection.to_string(),
            conclusion.pss.map(|p| p.to_string()),
        )),
    }
}

fn fail(reason: &str, diagnosis: Option<String>) -> Outcome {
    println!("signature verification failed: {reason}");
    if let Some(d) = diagnosis {
        println!("  {d}");
    }
    Outcome::Failure
}
