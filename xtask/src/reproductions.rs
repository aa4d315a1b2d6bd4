//! The reproductions the harness prints, run as printed (part of
//! `cargo xtask mock-interop`): a session against the glance-current mocks
//! held to glance-legacy writes the evidence of a failing accepted case (a
//! PSS salt legacy refuses), a failing refused case (a binary curve) and an
//! implementation-defined one (a DER certificate payload); each case's
//! `reproduce.sh` then runs with the real python-openstackclient and must
//! end as the run saw it: exit 0 and an active image where the case was
//! accepted, a failed upload where it was refused.

use std::path::Path;
use std::process::Command;

use imgsig::outcome::{Observed, RunReport};
use imgsig_mock::MockCloud;

use crate::conformance::{session_args, session_on};
use crate::util::{run_and_read, Result};

/// The cases reproduced.
const CASES: [&str; 3] = [
    "reg.pss-salt.digest.2048.sha-256",
    "sig.ecc-sect571k1.sha-512.valid",
    "cert.payload-der",
];

/// Run the session, then every written `reproduce.sh` with `env` (the
/// mock cloud's OS_* variables and a PATH that finds `openstack`).
pub fn check(
    rt: &tokio::runtime::Runtime,
    cloud: &MockCloud,
    env: &[(String, String)],
    work: &Path,
) -> Result<()> {
    let evidence = work.join("evidence");
    let _ = std::fs::remove_dir_all(&evidence);
    let json = work.join("reproductions.json");
    let mut argv = vec![
        "reproductions".to_owned(),
        "--quiet".into(),
        "--profile".into(),
        "glance-legacy".into(),
        "--evidence-dir".into(),
        evidence.display().to_string(),
        "--report-json".into(),
        json.display().to_string(),
    ];
    for id in CASES {
        argv.extend(["--filter".to_owned(), id.to_owned()]);
    }
    let session = session_args(argv)?;
    rt.block_on(session_on(cloud, "embedded mocks".into(), &session))
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&json).map_err(|e| format!("{}: {e}", json.display()))?;
    let report: RunReport = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let dir = report
        .evidence_dir
        .clone()
        .ok_or("the run wrote no evidence directory")?;
    for o in &report.outcomes {
        if o.reproduce.is_empty() {
            return Err(format!("{} has no reproduction", o.id));
        }
        let script = Path::new(&dir).join(&o.id).join("reproduce.sh");
        eprintln!("$ sh {}", script.display());
        let (status, printed) = run_and_read(
            Command::new("sh")
                .arg(&script)
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v))),
        )?;
        let accepted = matches!(o.observed, Observed::Accepted { .. });
        let as_seen = if accepted {
            status.success() && printed.contains("active")
        } else {
            !status.success()
        };
        if !as_seen {
            return Err(format!(
                "{}: the run saw {}, the reproduction ended {} :\n{printed}",
                o.id, o.observed, status
            ));
        }
        eprintln!(
            "  {}: {} again",
            o.id,
            if accepted { "accepted" } else { "refused" }
        );
    }
    Ok(())
}
