//! `imgsig sign`: the four image properties for an image.

use std::fs::File;
use std::path::PathBuf;

use crate::cases::reproduce::{property_arg, secret_store, shell_quote};
use crate::crypto::{digest_reader, BackendKind, PrivateKey};
use crate::spec::{properties, HashMethod, Profile, PssSignSalt, SignatureProperties};
use crate::{Error, Result};

use super::Outcome;

/// Sign an image and print its four signature properties and the
/// `openstack image create` command that uploads it.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The private key (PEM or DER); its type decides img_signature_key_type.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// SHA-224, SHA-256, SHA-384 or SHA-512.
    #[arg(long, value_name = "METHOD")]
    hash_method: HashMethod,
    /// RSA-PSS salt length: `max` (emLen - hLen - 2), `digest` (the digest
    /// length, capped at the maximum) or a number of bytes. The default,
    /// `max`, is what cursive asks for and is accepted by every verifier,
    /// old (pyca/cryptography <= 41, which demands exactly the maximum) and
    /// new; `digest` reproduces the RHEL 9 OpenSSL 3.0.7 signatures that old
    /// verifiers reject.
    #[arg(long, default_value = "max", value_name = "max|digest|N")]
    salt: PssSignSalt,
    /// The Barbican secret id of the certificate, for the printed command.
    #[arg(long, value_name = "UUID")]
    cert_uuid: Option<String>,
    /// The signing certificate's PEM file, for the printed `openstack secret
    /// store` step (default: `certificate.pem` beside the key, as `imgsig
    /// keygen` writes it, if it is there).
    #[arg(long, value_name = "FILE", conflicts_with = "cert_uuid")]
    cert: Option<PathBuf>,
    /// Image name for the printed command (default: the file name).
    #[arg(long)]
    name: Option<String>,
    /// Crypto backend that signs.
    #[arg(long, value_parser = parse_backend)]
    backend: Option<BackendKind>,
    /// Print the properties as JSON.
    #[arg(long)]
    json: bool,
    /// The image file.
    image: PathBuf,
}

pub(crate) fn parse_backend(s: &str) -> Result<BackendKind> {
    Ok(s.parse()?)
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let key = PrivateKey::from_pem_or_der(&super::read(&args.key)?)?;
    let key_type = key.algorithm().key_type().ok_or_else(|| {
        imgsig_crypto::Error::UnsupportedKey(format!(
            "{}: upstream only knows RSA, DSA and the curves SECT571K1, SECT409K1, SECT571R1, \
             SECT409R1, SECP521R1 and SECP384R1",
            key.algorithm()
        ))
    })?;
    let backend = args
        .backend
        .unwrap_or_else(|| BackendKind::for_algorithm(key.algorithm()))
        .backend();
    let file = File::open(&args.image).map_err(Error::io(&args.image))?;
    let digest = digest_reader(backend, args.hash_method, file)?;
    let signature = backend.sign_digest(&key, args.hash_method, &digest, args.salt)?;
    let uuid = args
        .cert_uuid
        .clone()
        .unwrap_or_else(|| crate::cases::corpus::SECRET_ID.to_owned());
    let props = SignatureProperties::to_map(
        &signature,
        args.hash_method,
        key_type,
        &uuid,
        Profile::GlanceCurrent,
    );
    if args.json {
        let json = serde_json::to_string_pretty(&props).map_err(|e| Error::Stream(e.into()))?;
        println!("{json}");
        return Ok(Outcome::Success);
    }
    for name in properties::ALL {
        println!("{name}={}", props[name]);
    }
    let name = args.name.unwrap_or_else(|| {
        args.image.file_name().map_or_else(
            || "signed-image".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    println!();
    if args.cert_uuid.is_none() {
        let beside = args.key.with_file_name("certificate.pem");
        match args
            .cert
            .clone()
            .or_else(|| beside.exists().then_some(beside))
        {
            Some(cert) => {
                println!("# store the signing certificate in Barbican first:");
                println!(
                    "{}",
                    secret_store(&name, "certificate", &cert.to_string_lossy())
                );
            }
            None => {
                println!(
                    "# store the signing certificate in Barbican first (CERT: its PEM file; \
                     Glance's key manager refuses a DER one):"
                );
                println!("{}", secret_store(&name, "certificate", "CERT"));
            }
        }
    }
    println!("openstack image create --container-format bare --disk-format raw \\");
    for prop in properties::ALL {
        println!("  {} \\", property_arg(prop, &props[prop]));
    }
    println!(
        "  --file {} {}",
        shell_quote(&args.image.to_string_lossy()),
        shell_quote(&name)
    );
    Ok(Outcome::Success)
}
