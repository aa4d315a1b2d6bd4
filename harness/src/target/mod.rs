//! Targets: what the cases run against. Each target receives a case and
//! reports what it observed; the runner owns concurrency, timeouts and
//! cleanup.

pub mod adapter;

use std::io::Write as _;

use crate::outcome::{Evidence, Observed};
use adapter::{run_adapter, AdapterCertificate, AdapterRequest, PROTOCOL};

use crate::run::{RunOptions, RunnableCase};

/// What the cases run against.
#[derive(Debug)]
pub enum Target {
    /// An implementation behind the adapter shim protocol.
    Adapter {
        /// The command (run through `sh -c`).
        command: String,
        /// Where image files for the adapter are written.
        scratch: tempfile::TempDir,
    },
}

impl Target {
    /// An adapter target with its own scratch directory.
    pub fn adapter(command: impl Into<String>) -> crate::Result<Target> {
        Ok(Target::Adapter {
            command: command.into(),
            scratch: tempfile::Builder::new().prefix("imgsig-").tempdir()?,
        })
    }

    /// A line naming the target for reports.
    pub fn describe(&self) -> String {
        match self {
            Target::Adapter { command, .. } => format!("adapter `{command}`"),
        }
    }

    /// Run one case; never fails (a failure to run is an observation).
    pub async fn run(
        &self,
        case: &dyn RunnableCase,
        options: &RunOptions,
    ) -> (Observed, Vec<Evidence>) {
        match self {
            Target::Adapter { command, scratch } => {
                let path = scratch.path().join(format!("{}.img", case.id()));
                if let Err(e) = write_image(case, &path) {
                    return (
                        Observed::Error {
                            detail: format!("cannot write the image for the adapter: {e}"),
                        },
                        Vec::new(),
                    );
                }
                let secret = case.secret();
                let secret_id = secret.as_ref().map(|_| secret_id(case.id()));
                let request = AdapterRequest {
                    protocol: PROTOCOL,
                    case_id: case.id().to_owned(),
                    profile: options.profile,
                    image_path: path.clone(),
                    image_size: case.image_len(),
                    properties: case.properties(secret_id.as_deref()),
                    certificate: secret.map(|s| AdapterCertificate {
                        secret_type: s.secret_type,
                        payload_base64: crate::spec::base64::encode(&s.payload),
                    }),
                };
                let (observed, evidence) = run_adapter(command, &request, options.timeout).await;
                if !options.keep {
                    let _ = std::fs::remove_file(&path);
                }
                (observed, vec![evidence])
            }
        }
    }
}

/// The id under which an adapter "stores" a case's secret: stable, so a
/// request is reproducible.
fn secret_id(case_id: &str) -> String {
    format!("imgsig-secret-{case_id}")
}

fn write_image(case: &dyn RunnableCase, path: &std::path::Path) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    std::io::copy(&mut case.image(), &mut file)?;
    file.flush()
}
