//! Python virtualenvs the project creates for itself under `target/`,
//! from pinned requirements; nothing is installed by hand.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{output, Result};

/// A virtualenv at a path.
pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The virtualenv at `dir` (not necessarily created yet).
    pub fn at(dir: impl Into<PathBuf>) -> Venv {
        Venv { dir: dir.into() }
    }

    /// The venv's python.
    pub fn python(&self) -> PathBuf {
        self.dir.join("bin").join("python")
    }

    /// Create the venv with the machine's `python3` if it does not exist,
    /// then install `requirements` (pinned `name==version` lines) with pip,
    /// and afterwards `forced` ones without dependency resolution (for pins
    /// the resolver refuses although the code works with them, like an old
    /// cryptography under current OpenStack libraries). A marker file with
    /// the requirements makes a second call a no-op.
    pub fn ensure(&self, requirements: &[&str], forced: &[&str]) -> Result<&Venv> {
        let marker = self.dir.join("imgsig-requirements.txt");
        let wanted = format!(
            "{}\n--no-deps\n{}\n",
            requirements.join("\n"),
            forced.join("\n")
        );
        if std::fs::read_to_string(&marker).is_ok_and(|have| have == wanted) {
            return Ok(self);
        }
        if !self.python().exists() {
            eprintln!("creating virtualenv {}", self.dir.display());
            output(Command::new("python3").args(["-m", "venv"]).arg(&self.dir))
                .map_err(|e| format!("{e}\n(is python3 with the venv module installed?)"))?;
        }
        let pip = |args: &[&str], pins: &[&str]| -> Result<()> {
            if pins.is_empty() {
                return Ok(());
            }
            eprintln!("installing {} into {}", pins.join(" "), self.dir.display());
            output(
                Command::new(self.python())
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args(args)
                    .args(pins),
            )
            .map(|_| ())
        };
        pip(&[], requirements)?;
        pip(&["--no-deps"], forced)?;
        std::fs::write(&marker, wanted).map_err(|e| format!("{}: {e}", marker.display()))?;
        Ok(self)
    }
}
