//! Helpers shared by the tasks: the workspace root and running commands.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// An xtask failure, as text for the user.
pub type Result<T> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `cargo` as the one running us.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, or `target/` in the root).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Run a command to completion: how it ended, and what it printed
/// (standard output, then standard error). Only a command that could not
/// start is an error.
pub fn run_and_read(cmd: &mut Command) -> Result<(ExitStatus, String)> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    Ok((
        out.status,
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// Run a command to completion and return its standard output; a failure
/// (not started, or a non-zero exit) is an error carrying its stderr.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout)
        .map_err(|e| format!("{:?}: output is not UTF-8: {e}", cmd.get_program()))
}
