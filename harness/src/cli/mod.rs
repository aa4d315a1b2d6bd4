//! The `imgsig` command line: argument handling and printing, no logic of
//! its own. Each subcommand lives in its own module; this one
//! parses arguments, dispatches, and turns outcomes into exit statuses:
//! 0 success, 1 a verification failed (or an unexpected outcome), 2 the
//! command could not run (bad arguments, unreadable files).

pub mod cases;
mod consume;
mod docs;
mod image;
mod inspect;
mod keygen;
mod run;
pub mod session;
mod sign;
mod trust;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::crypto::cert::Certificate;
use crate::crypto::PublicKey;
use crate::{Error, Result};
use clap::{Parser, Subcommand};

/// Conformance harness for OpenStack image signature verification.
#[derive(Debug, Parser)]
#[command(name = "imgsig", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Keygen(keygen::Args),
    Sign(sign::Args),
    Verify(verify::Args),
    Inspect(inspect::Args),
    Trust(trust::Args),
    Consume(consume::Args),
    Run(Box<run::RunArgs>),
    Cases(cases::Args),
    Cleanup(run::CleanupArgs),
    SeededImage(image::Args),
    Completions(docs::CompletionsArgs),
    Man(docs::ManArgs),
}

/// What a subcommand concluded.
pub(crate) enum Outcome {
    /// Everything as asked.
    Success,
    /// The command ran and the answer is "no" (a signature did not verify).
    Failure,
    /// Ctrl-C stopped it (exit 130, as shells report SIGINT).
    Interrupted,
}

/// Parse the command line, run the command, map the outcome to an exit
/// status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Trust(args) => trust::run(args),
        Command::Consume(args) => consume::run(args),
        Command::Run(args) => run::run(*args),
        Command::Cases(args) => cases::run(args),
        Command::Cleanup(args) => run::cleanup(args),
        Command::SeededImage(args) => image::run(args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(session::exit::INTERRUPTED),
        Err(e) => {
            eprintln!("imgsig: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Read a whole small file (at most [`crate::files::SMALL_FILE_LIMIT`]
/// bytes), naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    crate::files::read_small(path)
}

/// Where the verifying key comes from: a certificate or a bare public key.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct KeySource {
    /// The signing certificate (X.509, PEM or DER), as stored in Barbican.
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// The signer's public key (SubjectPublicKeyInfo, PEM or DER).
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
}

impl KeySource {
    /// The public key, whichever way it was given.
    pub(crate) fn load(&self) -> Result<PublicKey> {
        match (&self.cert, &self.public_key) {
            (Some(cert), _) => Ok(Certificate::from_pem_or_der(&read(cert)?)?.public_key()?),
            (None, Some(key)) => Ok(PublicKey::from_pem_or_der(&read(key)?)?),
            (None, None) => Err(Error::Config("give --cert or --public-key".into())),
        }
    }
}
