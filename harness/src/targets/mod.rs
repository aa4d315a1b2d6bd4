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
    /// The OpenStack APIs: Barbican for the certificate, Glance for the
    /// image (a live cloud or the mocks).
    OpenStack {
        /// The connection (each case works in its own scope of it).
        client: crate::openstack::Client,
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
            Target::OpenStack { client, name } => format!("{name} ({})", client.describe()),
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
            Target::OpenStack { client, .. } => {
                let scope = client.scope();
                let observed = match run_openstack(&scope, case, options).await {
                    Ok(o) => o,
                    Err(e) => Observed::Error {
                        detail: e.to_string(),
                    },
                };
                if options.keep {
                    // The scope would delete what it created when dropped.
                    let _ = scope.cleanup().keep();
                } else {
                    // Images first, then secrets; what cannot be deleted
                    // keeps the run tag in its name for `imgsig cleanup`.
                    let _ = scope.cleanup().run().await;
                }
                let evidence = scope
                    .take_exchanges()
                    .iter()
                    .map(crate::openstack::Exchange::to_evidence)
                    .collect();
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

/// Store the secret, create the image, upload, and look at what became of
/// it; everything created is registered in `client`'s scope for cleanup.
async fn run_openstack(
    client: &crate::openstack::Client,
    case: &dyn RunnableCase,
    options: &RunOptions,
) -> crate::Result<Observed> {
    use crate::openstack::{NewImage, NewSecret};
    use crate::outcome::ImageState;

    let name = crate::run::object_name(&options.run_tag, case.id());
    let mut secret_id = None;
    if let Some(secret) = case.secret() {
        let stored = client
            .store_secret(&NewSecret {
                name: name.clone(),
                payload: secret.payload,
                secret_type: secret.secret_type,
                algorithm: None,
                expiration: None,
            })
            .await?;
        secret_id = Some(stored.id);
    }
    let properties = case.properties(secret_id.as_deref());
    let image = match client
        .create_image(&NewImage::new(name).with_properties(properties))
        .await
    {
        Ok(image) => image,
        // Refusing the properties at creation is a refusal too (an
        // implementation may validate early).
        Err(crate::Error::Api(failure)) => {
            return Ok(Observed::Rejected {
                status: Some(failure.status()),
                message: failure.exchange.message(),
                image: ImageState::Deleted,
                data_retained: false,
            })
        }
        Err(e) => return Err(e),
    };
    let upload = client
        .upload_blocking(&image.id, case.image(), Some(case.image_len()))
        .await?;
    let state = match client.image(&image.id).await? {
        Some(after) => ImageState::Status(after.status),
        None => ImageState::Deleted,
    };
    if upload.accepted() {
        return Ok(Observed::Accepted { image: state });
    }
    let data_retained = client.download_status(&image.id).await?.has_data;
    Ok(Observed::Rejected {
        status: Some(upload.status),
        message: upload.message(),
        image: state,
        data_retained,
    })
}
