//! The Python virtualenvs the project makes for itself under the target
//! directory, one per environment, each from its committed lock file in
//! `xtask/venvs/` (every transitive dependency pinned) and nothing by hand.
//!
//! An environment may add pins installed without dependency resolution
//! over its lock file (pyca/cryptography 41.0.7, which the resolver
//! refuses next to today's OpenStack libraries although Glance, castellan
//! and cursive run with it). A copy of what was installed, kept in the venv,
//! makes a second call skip pip.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{output, root, Result};

/// The legacy cryptography: the last release whose PSS verification
/// demands the maximum salt.
pub const LEGACY_CRYPTOGRAPHY: &str = "cryptography==41.0.7";

/// An environment: its lock file and what goes over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    /// cursive and castellan (`cargo xtask adapter-cursive`).
    Cursive,
    /// The same with [`LEGACY_CRYPTOGRAPHY`] (`adapter-cursive --legacy`).
    CursiveLegacy,
    /// python-openstackclient and python-barbicanclient
    /// (`cargo xtask mock-interop`).
    MockInterop,
    /// Keystone, Barbican, Glance and the clients (`cargo xtask live`).
    Live,
    /// python-subunit (`cargo xtask report-check`).
    ReportTools,
    /// The live stack's legacy Glance: [`Env::Live`] with
    /// [`LEGACY_CRYPTOGRAPHY`].
    LiveLegacy,
    /// The real Nova code's download path (`cargo xtask adapter-nova`):
    /// [`NOVA`] without its dependencies over what that path imports.
    Nova,
}

/// The Nova release of Glance 33's series.
pub const NOVA: &str = "nova==34.0.0";

impl Env {
    /// The committed lock file.
    pub fn lock_file(self) -> PathBuf {
        let name = match self {
            Env::Cursive | Env::CursiveLegacy => "cursive.txt",
            Env::MockInterop => "mock-interop.txt",
            Env::Live | Env::LiveLegacy => "live.txt",
            Env::ReportTools => "report-tools.txt",
            Env::Nova => "nova.txt",
        };
        root().join("xtask/venvs").join(name)
    }

    /// Pins installed over the lock file without dependency resolution.
    fn forced(self) -> &'static [&'static str] {
        match self {
            Env::CursiveLegacy | Env::LiveLegacy => &[LEGACY_CRYPTOGRAPHY],
            Env::Nova => &[NOVA],
            Env::Cursive | Env::MockInterop | Env::Live | Env::ReportTools => &[],
        }
    }
}

/// A virtualenv at a path.
#[derive(Debug, Clone)]
pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The virtualenv at `dir` (not necessarily made yet).
    pub fn at(dir: impl Into<PathBuf>) -> Venv {
        Venv { dir: dir.into() }
    }

    /// A program of the venv (`python`, `openstack`, `keystone-manage`, …).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    /// The venv's python.
    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }

    /// Make the venv with the machine's `python3` if it is not there, then
    /// install `env`'s lock file (and its forced pins) with pip, pip's
    /// output going to `log`, unless exactly that was installed before.
    pub fn ensure(&self, env: Env, log: &Path) -> Result<&Venv> {
        let lock_path = env.lock_file();
        let mut wanted = std::fs::read_to_string(&lock_path)
            .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
        for pin in env.forced() {
            wanted.push_str(&format!("# --no-deps\n{pin}\n"));
        }
        let marker = self.dir.join("imgsig-installed.txt");
        let python = self.python();
        if python.exists() && std::fs::read_to_string(&marker).is_ok_and(|have| have == wanted) {
            return Ok(self);
        }
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        if !python.exists() {
            self.create()?;
        }
        let started = Instant::now();
        eprintln!(
            "installing {} into {} (a few minutes the first time; log: {})",
            lock_path.display(),
            self.dir.display(),
            log.display()
        );
        let lock_arg = lock_path.display().to_string();
        let mut status = self.pip(&["-r", &lock_arg], log, false)?;
        if status.success() && !env.forced().is_empty() {
            let mut args = vec!["--no-deps"];
            args.extend(env.forced());
            status = self.pip(&args, log, true)?;
        }
        if !status.success() {
            return Err(format!(
                "pip install -r {} failed ({status}); the end of {}:\n{}\n\
                 (packages built from source need the C compiler and the Python \
                 headers: are gcc and python3-dev installed?)",
                lock_path.display(),
                log.display(),
                tail(log, 25)
            ));
        }
        eprintln!("installed in {:.0} s", started.elapsed().as_secs_f64());
        std::fs::write(&marker, wanted).map_err(|e| format!("{}: {e}", marker.display()))?;
        Ok(self)
    }

    /// `pip install ARGS`, its output written (or appended) to `log`.
    fn pip(&self, args: &[&str], log: &Path, append: bool) -> Result<std::process::ExitStatus> {
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(log)
                .map_err(|e| format!("cannot write {}: {e}", log.display()))
        };
        let (out, err): (File, File) = (open()?, open()?);
        Command::new(self.python())
            .args(["-m", "pip", "install", "--disable-pip-version-check"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", self.python().display()))
    }

    /// `python3 -m venv`; where ensurepip is missing (Debian without
    /// python3-venv), a venv without pip, with pip put in by the system's
    /// pip.
    fn create(&self) -> Result<()> {
        eprintln!("creating virtualenv {}", self.dir.display());
        let out = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&self.dir)
            .output()
            .map_err(|e| format!("cannot run python3 ({e}): install CPython 3.11 or newer"))?;
        if out.status.success() {
            return Ok(());
        }
        let why = String::from_utf8_lossy(&out.stderr).into_owned();
        if !why.contains("ensurepip") {
            return Err(format!(
                "python3 -m venv {} failed: {why}",
                self.dir.display()
            ));
        }
        eprintln!("python3 has no ensurepip; creating the venv without pip");
        // A half-made venv from the failed attempt; absent is fine too.
        let _ = std::fs::remove_dir_all(&self.dir);
        output(
            Command::new("python3")
                .args(["-m", "venv", "--without-pip"])
                .arg(&self.dir),
        )?;
        output(
            Command::new("python3")
                .args(["-m", "pip", "--python"])
                .arg(self.python())
                .args(["install", "--disable-pip-version-check", "pip"]),
        )
        .map(|_| ())
        .map_err(|e| {
            format!(
                "{e}\nthis python3 has neither ensurepip nor a pip of its own: install \
                 python3-venv (or python3-pip) with the system's package manager"
            )
        })
    }
}

/// The last `n` lines of a text file (empty if unreadable).
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_environment_has_a_fully_pinned_lock_file() {
        for env in [
            Env::Cursive,
            Env::CursiveLegacy,
            Env::MockInterop,
            Env::Live,
            Env::LiveLegacy,
            Env::ReportTools,
            Env::Nova,
        ] {
            let path = env.lock_file();
            let text = std::fs::read_to_string(&path).expect("lock file");
            let pins: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect();
            assert!(!pins.is_empty(), "{}", path.display());
            for pin in pins {
                assert!(
                    pin.split_once("==")
                        .is_some_and(|(n, v)| !n.is_empty() && !v.is_empty()),
                    "{}: {pin:?} is not name==version",
                    path.display()
                );
            }
        }
    }
}
