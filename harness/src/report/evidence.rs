//! The evidence directory: for every case that failed, is a known failure
//! or is implementation-defined, the files a person needs to reproduce it
//! by hand, and a `reproduce.sh` whose commands use them. The reports
//! print the same commands.
//!
//! `DIR/<case id>/` holds `secret.bin` (the payload stored in Barbican,
//! byte for byte) and `certificate.pem` (the same certificate in PEM, when
//! it is one, for `imgsig verify --cert`), `image.bin` (or, for the big
//! seeded images, `image.recipe` and the `imgsig seeded-image` command in
//! `reproduce.sh` that regenerates it), `signature.b64` (`img_signature`),
//! `properties.json` (every image property, the certificate id written
//! `$SECRET_ID`) and `reproduce.sh`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cases::reproduce::{self, files, shell_quote};
use crate::cases::{corpus, Case, ImageSource, RunnableCase};
use crate::crypto::cert::Certificate;
use crate::outcome::{CaseOutcome, RunReport, Verdict};
use crate::spec::properties;
use crate::{Error, Result};

/// More names inside a case's evidence directory.
pub mod names {
    /// The secret as a PEM certificate (when the payload is one).
    pub const CERTIFICATE: &str = "certificate.pem";
    /// `img_signature`, as the image carries it.
    pub const SIGNATURE: &str = "signature.b64";
    /// How to regenerate a big seeded image.
    pub const RECIPE: &str = "image.recipe";
    /// The script that reproduces the case.
    pub const SCRIPT: &str = "reproduce.sh";
}

/// Whether a case's files are written: it did not go as expected, or the
/// answer was the target's to choose.
pub fn wanted(o: &CaseOutcome) -> bool {
    matches!(
        o.verdict,
        Verdict::Fail | Verdict::KnownFailure | Verdict::Acceptable
    )
}

/// The commands that reproduce `case` from its files in `dir`: for a
/// seeded image first the command that regenerates it, then storing the
/// secret (setting `SECRET_ID`) and creating the image.
pub fn commands(case: &Case, dir: &Path) -> Vec<String> {
    let shown = dir.display().to_string();
    let mut out = Vec::new();
    if let ImageSource::Seeded { seed, len } = case.image {
        out.push(format!(
            "imgsig seeded-image --seed {seed} --len {len} --out {}",
            shell_quote(&format!("{shown}/{}", files::IMAGE))
        ));
    }
    out.extend(reproduce::commands(case, &shown));
    out
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(Error::io(path))
}

/// The text of `reproduce.sh` for `case`, judged as `o` in `report`.
pub fn script(case: &Case, o: &CaseOutcome, report: &RunReport, dir: &Path) -> String {
    let mut s = String::from("#!/bin/sh\n");
    s.push_str(&format!(
        "# imgsig evidence: {}\n# why the case exists: {}\n",
        o.id, o.reason
    ));
    s.push_str(&format!(
        "# run {} against {}, profile {}\n",
        report.run_tag, report.target, report.profile
    ));
    if let Some(e) = o.expected.get(&report.profile) {
        s.push_str(&format!("# expected: {e}\n"));
    }
    s.push_str(&format!(
        "# seen: {}\n# verdict: {}\n",
        one_line(&o.observed.to_string()),
        one_line(&o.explanation)
    ));
    s.push_str(
        "# Needs the openstack client (python-openstackclient, python-barbicanclient)\n\
         # and credentials of the cloud (OS_CLOUD, or the OS_* variables of an openrc).\n\
         set -eu\n",
    );
    for command in commands(case, dir) {
        s.push_str(&command);
        s.push('\n');
    }
    if case.secret.is_some() {
        s.push_str(&format!(
            "# clean up: openstack image delete {}; openstack secret delete \"$SECRET_ID\"\n",
            shell_quote(&o.id)
        ));
    }
    s
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

/// Write the files of every case [`wanted`] under `root` (one directory
/// per case id), set each such outcome's reproduction to the commands that
/// use them and clear the others' (they have no files); `report` records
/// the directory. `cases` are the cases of the run (by id).
pub fn write_all(root: &Path, cases: &[Case], report: &mut RunReport) -> Result<usize> {
    let mut written = 0;
    let mut root_abs: Option<PathBuf> = None;
    for i in 0..report.outcomes.len() {
        let o = &report.outcomes[i];
        let case = match cases.iter().find(|c| c.id() == o.id.as_str()) {
            Some(c) if wanted(o) => c,
            _ => {
                report.outcomes[i].reproduce.clear();
                continue;
            }
        };
        let root = match &root_abs {
            Some(r) => r.clone(),
            None => {
                std::fs::create_dir_all(root).map_err(Error::io(root))?;
                let abs = std::fs::canonicalize(root).map_err(Error::io(root))?;
                root_abs = Some(abs.clone());
                abs
            }
        };
        let dir = root.join(&o.id);
        write_case(case, &dir)?;
        let script_path = dir.join(names::SCRIPT);
        write(&script_path, script(case, o, report, &dir).as_bytes())?;
        make_executable(&script_path)?;
        report.outcomes[i].reproduce = commands(case, &dir);
        written += 1;
    }
    report.evidence_dir = root_abs.map(|r| r.display().to_string());
    Ok(written)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(Error::io(path))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

/// The case's files (all but the script) in `dir`.
fn write_case(case: &Case, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    if let Some(secret) = &case.secret {
        write(&dir.join(files::SECRET), &secret.payload)?;
        if let Ok(pem) = Certificate::from_pem_or_der(&secret.payload).and_then(|c| c.to_pem()) {
            write(&dir.join(names::CERTIFICATE), &pem)?;
        }
    }
    match &case.image {
        ImageSource::Bytes(bytes) => write(&dir.join(files::IMAGE), bytes)?,
        ImageSource::Seeded { seed, len } => write(
            &dir.join(names::RECIPE),
            format!(
                "{{\"generator\": \"xorshift64*\", \"seed\": {seed}, \"len\": {len}, \
                 \"regenerate\": \"imgsig seeded-image --seed {seed} --len {len} --out image.bin\"}}\n"
            )
            .as_bytes(),
        )?,
    }
    let props = case.properties_with(case.secret.as_ref().map(|_| corpus::SECRET_ID));
    if let Some(signature) = props.get(properties::SIGNATURE) {
        write(&dir.join(names::SIGNATURE), signature.as_bytes())?;
    }
    let path = dir.join(files::PROPERTIES);
    let mut file = std::fs::File::create(&path).map_err(Error::io(&path))?;
    let json = serde_json::to_string_pretty(&props).map_err(|e| Error::Config(e.to_string()))?;
    writeln!(file, "{json}").map_err(Error::io(&path))?;
    Ok(())
}
