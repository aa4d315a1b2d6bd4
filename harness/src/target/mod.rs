//! Targets: what the cases run against. Each target receives a case and
//! reports what it observed; the runner owns concurrency, timeouts and
//! cleanup.

pub mod adapter;
pub mod openstack;

use std::io::Write as _;

use crate::outcome::{Evidence, Observed};
use adapter::{run_adapter, AdapterCertificate, AdapterRequest, PROTOCOL};

use crate::run::{RunOptions, RunnableCase};

/// What the cases run against.
#[derive(Debug)]
pub enum Target {
    /// The OpenStack APIs: Barbican for the certificate, Glance for the
    /// image (a live cloud or the mocks).
    OpenStack {
        /// The connection.
        cloud: openstack::OpenStack,
        /// What to call it in reports.
        name: String,
    },
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
            Target::OpenStack { cloud, name } => format!("{name} ({})", cloud.describe()),
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
            Target::OpenStack { cloud, .. } => {
                let mut evidence = Vec::new();
                let observed = match run_openstack(cloud, case, options, &mut evidence).await {
                    Ok(o) => o,
                    Err(e) => Observed::Error {
                        detail: e.to_string(),
                    },
                };
                (observed, evidence)
            }
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

/// Objects a case created, deleted when it ends.
struct Created<'a> {
    cloud: &'a openstack::OpenStack,
    image: Option<String>,
    secret: Option<String>,
}

impl Created<'_> {
    async fn delete(self) {
        // Images first: they refer to the secret. Failures here leave
        // names carrying the run tag, for `imgsig cleanup --run TAG`.
        if let Some(id) = &self.image {
            let _ = self.cloud.delete_image(id).await;
        }
        if let Some(id) = &self.secret {
            let _ = self.cloud.delete_secret(id).await;
        }
    }
}

async fn run_openstack(
    cloud: &openstack::OpenStack,
    case: &dyn RunnableCase,
    options: &RunOptions,
    evidence: &mut Vec<Evidence>,
) -> crate::Result<Observed> {
    let name = crate::run::object_name(&options.run_tag, case.id());
    let mut created = Created {
        cloud,
        image: None,
        secret: None,
    };
    let result = async {
        let mut secret_id = None;
        if let Some(secret) = case.secret() {
            let (id, r) = cloud.store_secret(&name, &secret).await?;
            evidence.push(r.evidence.clone());
            match id {
                Some(id) => {
                    created.secret = Some(id.clone());
                    secret_id = Some(id);
                }
                None => {
                    return Ok(Observed::Error {
                        detail: format!(
                            "Barbican refused the secret ({}): {}",
                            r.status,
                            r.message()
                        ),
                    })
                }
            }
        }
        let properties = case.properties(secret_id.as_deref());
        let (id, r) = cloud.create_image(&name, &properties).await?;
        evidence.push(r.evidence.clone());
        let Some(id) = id else {
            // Refusing the properties at creation is a refusal too (an
            // implementation may validate early).
            return Ok(Observed::Rejected {
                status: Some(r.status),
                message: r.message(),
                image: crate::outcome::ImageState::Deleted,
                data_retained: false,
            });
        };
        created.image = Some(id.clone());
        let upload = cloud.upload(&id, case.image(), case.image_len()).await?;
        evidence.push(upload.evidence.clone());
        let (image, r) = cloud.image_state(&id).await?;
        evidence.push(r.evidence);
        if upload.ok() {
            return Ok(Observed::Accepted { image });
        }
        let (data_retained, r) = cloud.has_data(&id).await?;
        evidence.push(r.evidence);
        Ok(Observed::Rejected {
            status: Some(upload.status),
            message: upload.message(),
            image,
            data_retained,
        })
    }
    .await;
    if !options.keep {
        created.delete().await;
    }
    result
}
