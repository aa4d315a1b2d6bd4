//! The stack's virtualenvs: the machine's `python3`, then exactly the pins
//! of `xtask/live/requirements.txt`; the legacy Glance's venv then gets
//! pyca/cryptography 41.0.7 without dependency resolution (the resolver
//! refuses it next to today's OpenStack libraries, though Glance, castellan
//! and cursive run with it). A copy of what was installed in the venv makes
//! a second `up` skip pip.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::services::Service;
use super::Layout;
use crate::util::{root, Result};

/// The committed lock file.
pub fn requirements() -> std::path::PathBuf {
    root().join("xtask/live/requirements.txt")
}

/// The legacy Glance's cryptography, installed over the lock file.
pub const LEGACY_CRYPTOGRAPHY: &str = "cryptography==41.0.7";

/// Create `service`'s venv if needed and install the lock file (and the
/// legacy cryptography) unless exactly that was installed before.
pub fn ensure(layout: &Layout, service: Service) -> Result<()> {
    let lock_path = requirements();
    let mut lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let legacy = service == Service::GlanceLegacy;
    if legacy {
        lock.push_str(&format!("# --no-deps\n{LEGACY_CRYPTOGRAPHY}\n"));
    }
    let venv = layout.venv_of(service);
    let marker = venv.join("imgsig-live-requirements.txt");
    let python = venv.join("bin/python");
    if python.exists() && std::fs::read_to_string(&marker).is_ok_and(|have| have == lock) {
        return Ok(());
    }
    super::mkdir(&layout.path("logs"))?;
    let log_name = if legacy {
        "install-legacy.log"
    } else {
        "install.log"
    };
    let log_path = layout.path("logs").join(log_name);
    if !python.exists() {
        create(&venv)?;
    }
    let started = Instant::now();
    println!(
        "live: installing the pinned stack into {} (a few minutes the first time; log: {})",
        venv.display(),
        log_path.display()
    );
    let log =
        File::create(&log_path).map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let pip = |args: &[&str], log: File, log_err: File| {
        Command::new(&python)
            .args(["-m", "pip", "install", "--disable-pip-version-check"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))
    };
    let lock_arg = lock_path.display().to_string();
    let mut status = pip(&["-r", &lock_arg], log, log_err)?;
    if status.success() && legacy {
        let (log, log_err) = append_log(&log_path)?;
        status = pip(&["--no-deps", LEGACY_CRYPTOGRAPHY], log, log_err)?;
    }
    if !status.success() {
        return Err(format!(
            "pip install -r {} failed ({status}); the end of {}:\n{}\n\
             (uwsgi builds with the C compiler: is gcc installed? Are the \
             Python headers there (python3-dev)?)",
            lock_path.display(),
            log_path.display(),
            tail(&log_path, 25)
        ));
    }
    println!(
        "live: installed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, lock).map_err(|e| format!("{}: {e}", marker.display()))
}

/// The install log opened for appending, twice (stdout and stderr).
fn append_log(path: &std::path::Path) -> Result<(File, File)> {
    let open = || {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    Ok((open()?, open()?))
}

/// `python3 -m venv`; where ensurepip is missing (Debian without
/// python3-venv), a venv without pip, with pip put in by the system's pip.
fn create(venv: &std::path::Path) -> Result<()> {
    let venv = venv.to_path_buf();
    println!("live: creating virtualenv {}", venv.display());
    let out = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("cannot run python3 ({e}): install CPython 3.11 or newer"))?;
    if out.status.success() {
        return Ok(());
    }
    let why = String::from_utf8_lossy(&out.stderr).into_owned();
    if !why.contains("ensurepip") {
        return Err(format!("python3 -m venv {} failed: {why}", venv.display()));
    }
    eprintln!("live: python3 has no ensurepip; creating the venv without pip");
    let _ = std::fs::remove_dir_all(&venv);
    run_quiet(
        Command::new("python3")
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv),
    )?;
    run_quiet(
        Command::new("python3")
            .args(["-m", "pip", "--python"])
            .arg(venv.join("bin/python"))
            .args(["install", "--disable-pip-version-check", "pip"]),
    )
    .map_err(|e| {
        format!(
            "{e}\nthis python3 has neither ensurepip nor a pip of its own: install \
             python3-venv (or python3-pip) with the system's package manager"
        )
    })
}

/// Run a command, its output captured; an error carries it.
fn run_quiet(cmd: &mut Command) -> Result<()> {
    crate::util::output(cmd).map(|_| ())
}

/// The last `n` lines of a text file (empty if unreadable).
pub fn tail(path: &std::path::Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
