//! `imgsig inspect`: everything that can be learned about a signature.

use std::fs::File;
use std::path::PathBuf;

use crate::crypto::der::parse_der_signature;
use crate::crypto::{digest_reader, pss_salt_length, BackendKind, EcCurve, KeyAlgorithm};
use crate::spec::base64::{decode_lenient, decode_strict};
use crate::spec::{HashMethod, Profile};
use crate::{Error, Result};

use super::{KeySource, Outcome};

/// Explain a signature: the key, the encoding, for RSA-PSS the salt length
/// and which profiles accept it, for DSA/ECDSA the DER structure, and what
/// each backend says.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    key: KeySource,
    /// img_signature: the base64 signature.
    #[arg(long, value_name = "B64")]
    signature: String,
    /// SHA-224, SHA-256, SHA-384 or SHA-512.
    #[arg(long, value_name = "METHOD")]
    hash_method: HashMethod,
    /// The image file.
    image: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let key = args.key.load()?;
    let hash = args.hash_method;
    println!("key           {}", key.algorithm());
    if let Some(pss) = key.rsa_pss() {
        println!(
            "key form      {pss}; upstream reads it as a plain RSA key and ignores the parameters"
        );
    }
    if let KeyAlgorithm::Ec(EcCurve::Explicit(_)) = key.algorithm() {
        println!(
            "key form      explicit curve parameters: pyca/cryptography >= 42 reads them, <= 41 cannot load the key"
        );
    }
    match key.algorithm().key_type() {
        Some(t) => println!("key type      {t}"),
        None => println!(
            "key type      none of the contract's (upstream accepts it for any ECC_ key type)"
        ),
    }
    let signature = match decode_lenient(&args.signature) {
        Ok(s) => s,
        Err(e) => {
            println!("base64        invalid as upstream decodes it: {e}");
            return Ok(Outcome::Failure);
        }
    };
    let strict = match decode_strict(&args.signature) {
        Ok(_) => "canonical".to_owned(),
        Err(e) => format!("accepted by upstream's lenient decoder only ({e})"),
    };
    println!(
        "base64        {} characters, {strict}",
        args.signature.chars().count()
    );
    println!("signature     {} bytes", signature.len());

    let mut valid_somewhere = false;
    for kind in BackendKind::ALL {
        let backend = kind.backend();
        if !backend.supports(key.algorithm()) {
            println!("{:<13} cannot handle {}", kind.name(), key.algorithm());
            continue;
        }
        let file = File::open(&args.image).map_err(Error::io(&args.image))?;
        let digest = digest_reader(backend, hash, file)?;
        let verdicts: Vec<String> = Profile::ALL
            .into_iter()
            .map(|p| {
                match backend.verify_digest(&key, hash, &digest, &signature, p.pss_verify_salt()) {
                    Ok(ok) => {
                        valid_somewhere |= ok;
                        format!("{p}: {}", if ok { "valid" } else { "INVALID" })
                    }
                    Err(e) => format!("{p}: could not check ({e})"),
                }
            })
            .collect();
        println!("{:<13} {}", kind.name(), verdicts.join(", "));
        if kind == BackendKind::OpenSsl || !BackendKind::OpenSsl.backend().supports(key.algorithm())
        {
            describe_encoding(&key, hash, &signature, &digest);
        }
    }
    Ok(if valid_somewhere {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

fn describe_encoding(
    key: &crate::crypto::PublicKey,
    hash: HashMethod,
    signature: &[u8],
    digest: &[u8],
) {
    match key.algorithm() {
        KeyAlgorithm::Rsa { .. } => match pss_salt_length(signature, key, hash, Some(digest)) {
            Ok(d) => {
                println!(
                    "pss           salt {} bytes (maximum {}{}), digest {}",
                    d.salt_len,
                    d.max_salt_len,
                    if d.salt_len == d.max_salt_len {
                        ": accepted by strict verifiers"
                    } else {
                        ": rejected by pyca/cryptography <= 41"
                    },
                    match d.digest_matches {
                        Some(true) => "matches the image",
                        _ => "does NOT match the image",
                    }
                );
            }
            Err(e) => println!("pss           not a PSS signature under this key and {hash}: {e}"),
        },
        KeyAlgorithm::Dsa { .. } | KeyAlgorithm::Ec(_) => match parse_der_signature(signature) {
            Some(der) => println!(
                "der           SEQUENCE {{ r: {} bits, s: {} bits }}{}",
                der.r_bits(),
                der.s_bits(),
                if der.canonical {
                    ""
                } else {
                    ", NOT canonical DER"
                }
            ),
            None => println!("der           not a DER SEQUENCE of two INTEGERs"),
        },
    }
}
