//! `imgsig inspect`: everything that can be learned about a signature.

use std::fs::File;
use std::path::PathBuf;

use crate::crypto::inspect::{inspect, BackendReading, Encoding, Structure};
use crate::spec::HashMethod;
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
    let found =
        inspect(&key, hash, &args.signature, || File::open(&args.image)).map_err(|e| match e {
            imgsig_crypto::Error::Stream(source) => Error::Io {
                path: args.image.clone(),
                source,
            },
            other => other.into(),
        })?;
    println!("key           {}", found.algorithm);
    if let Some(form) = &found.key_form {
        println!("key form      {form}");
    }
    match found.key_type {
        Some(t) => println!("key type      {t}"),
        None => println!(
            "key type      none of the contract's (upstream accepts it for any ECC_ key type)"
        ),
    }
    match &found.encoding {
        Encoding::Invalid(e) => {
            println!("base64        invalid as upstream decodes it: {e}");
            return Ok(Outcome::Failure);
        }
        Encoding::Canonical => println!("base64        {} characters, canonical", found.chars),
        Encoding::LenientOnly(e) => println!(
            "base64        {} characters, accepted by upstream's lenient decoder only ({e})",
            found.chars
        ),
    }
    if let Some(len) = found.signature_len {
        println!("signature     {len} bytes");
    }
    // The length rule is the one `verify` applies (SignatureProperties::parse):
    // a profile that refuses the text never gets to the signature.
    for (p, rejection) in &found.too_long {
        println!("length        {p}: refused before any check ({rejection})");
    }
    for (kind, reading) in &found.backends {
        match reading {
            BackendReading::Unsupported => {
                println!("{:<13} cannot handle {}", kind.name(), found.algorithm);
            }
            BackendReading::Verdicts(verdicts) => {
                let verdicts: Vec<String> = verdicts
                    .iter()
                    .map(|(p, ok)| match ok {
                        _ if found.refused_for_length(*p) => format!("{p}: refused (too long)"),
                        Ok(true) => format!("{p}: valid"),
                        Ok(false) => format!("{p}: INVALID"),
                        Err(e) => format!("{p}: could not check ({e})"),
                    })
                    .collect();
                println!("{:<13} {}", kind.name(), verdicts.join(", "));
            }
        }
    }
    match &found.structure {
        Some(s @ (Structure::Pss { .. } | Structure::NotPss(_))) => {
            println!("pss           {}", s.describe(hash));
        }
        Some(s) => println!("der           {}", s.describe(hash)),
        None => {}
    }
    Ok(if found.valid_somewhere() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}
