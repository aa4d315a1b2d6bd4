//! `cargo xtask fuzz [TARGET] [--seconds N]`: run the cargo-fuzz targets
//! under `fuzz/`, each for N seconds, starting from the committed seeds.
//!
//! Needs the nightly toolchain; installs cargo-fuzz (`cargo install
//! cargo-fuzz --locked`) when it is missing. New corpus entries go to
//! `fuzz/corpus/<target>/` and crashes to `fuzz/artifacts/<target>/`, both
//! ignored by git: turn a crash into a fixed bug and a regression test.

use std::process::{Command, ExitCode};

use crate::util::{output, root, Result};

/// Arguments of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this target (default: every target, one after the other).
    target: Option<String>,
    /// How long to fuzz each target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
}

/// The rustup proxy, not the `cargo` running us: only the proxy takes
/// `+nightly`.
fn nightly_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly").current_dir(root()).env_remove("CARGO");
    cmd
}

/// Install cargo-fuzz into the default cargo bin directory if it is not
/// there yet.
fn ensure_cargo_fuzz() -> Result<()> {
    let mut version = nightly_cargo();
    version.args(["fuzz", "--version"]);
    if output(&mut version).is_ok() {
        return Ok(());
    }
    eprintln!("xtask: cargo-fuzz is missing; installing it");
    let mut install = Command::new("cargo");
    install.args(["install", "cargo-fuzz", "--locked"]);
    let status = install
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo install cargo-fuzz --locked failed ({status})"
        ))
    }
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let mut toolchain = nightly_cargo();
    toolchain.arg("--version");
    output(&mut toolchain)
        .map_err(|e| format!("fuzzing needs the nightly toolchain (rustup): {e}"))?;
    ensure_cargo_fuzz()?;
    let mut list = nightly_cargo();
    list.args(["fuzz", "list"]);
    let all = output(&mut list)?;
    let targets: Vec<&str> = match &args.target {
        Some(t) if all.lines().any(|l| l == t) => vec![t.as_str()],
        Some(t) => return Err(format!("no fuzz target {t}; there are: {}", all.trim())),
        None => all.lines().collect(),
    };
    let fuzz = root().join("fuzz");
    let mut failed = Vec::new();
    for target in targets {
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        println!("== {target}: {} s", args.seconds);
        let mut run = nightly_cargo();
        run.args(["fuzz", "run", target])
            .arg(&corpus)
            .arg(fuzz.join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", args.seconds));
        let status = run
            .status()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        if !status.success() {
            failed.push(target);
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "xtask: fuzzing failed for {} (see fuzz/artifacts/)",
            failed.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}
