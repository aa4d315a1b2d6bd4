//! `cargo xtask adapter-cursive`: run the catalogue through the real cursive
//! library (the code Glance and Nova verify with), over the adapter
//! protocol, in a virtualenv this task creates from pinned releases.
//!
//! `--legacy` does the same with pyca/cryptography 41.0.7, the last release
//! whose PSS verification demands the maximum salt: there the salt
//! regression cases fail for real, as the field reports describe.

use std::process::ExitCode;

use imgsig::cli::session::{exit, run_session, SessionArgs};
use imgsig::spec::Profile;
use imgsig::targets::AdapterTarget;

use crate::util::{root, target_dir, Result};
use crate::venv::Venv;

/// cursive and what it needs, pinned.
const CURSIVE: &[&str] = &["cursive==0.3.1", "castellan==5.8.0"];
/// The legacy cryptography. The resolver refuses it next to today's
/// OpenStack libraries, although cursive's code paths work with it, so it
/// is installed without dependency resolution.
const LEGACY_CRYPTOGRAPHY: &[&str] = &["cryptography==41.0.7"];

/// Arguments of `cargo xtask adapter-cursive`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Use pyca/cryptography 41.0.7 and hold it to the glance-legacy profile.
    #[arg(long)]
    legacy: bool,
    #[command(flatten)]
    session: SessionArgs,
}

/// Run it.
pub fn run(mut args: Args) -> Result<ExitCode> {
    let (dir, forced) = if args.legacy {
        ("cursive-legacy-venv", LEGACY_CRYPTOGRAPHY)
    } else {
        ("cursive-venv", &[][..])
    };
    let venv = Venv::at(target_dir().join("adapters").join(dir));
    venv.ensure(CURSIVE, forced)?;
    if args.legacy && args.session.profile == Profile::GlanceCurrent {
        args.session.profile = Profile::GlanceLegacy;
    }
    let command = format!(
        "{} {}",
        venv.python().display(),
        root().join("adapters/cursive/adapter.py").display()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let code = rt.block_on(async {
        let target = Box::new(AdapterTarget::new(command)?);
        run_session(&args.session, target).await
    });
    match code {
        Ok(c) => Ok(ExitCode::from(c)),
        Err(e) => {
            eprintln!("adapter-cursive: {e}");
            Ok(ExitCode::from(exit::ERROR))
        }
    }
}
