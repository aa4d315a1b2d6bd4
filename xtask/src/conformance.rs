//! `cargo xtask conformance`: the main job.
//!
//! Until the case runner lands this runs the cryptographic self-check: the
//! whole hash × key-type matrix signed by each backend and verified by the
//! other backend and by the `openssl` command.

use std::process::ExitCode;

use crate::util::{cargo, run_status, Result};

/// Arguments of `cargo xtask conformance`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Run it.
pub fn run(_args: Args) -> Result<ExitCode> {
    let mut cmd = cargo();
    cmd.args(["test", "--quiet", "-p", "imgsig", "--test", "crypto_matrix"]);
    run_status(cmd)
}
