//! The OpenStack target: Barbican for the certificate, Glance for the
//! image, through the harness's client (a live cloud or the mocks). Each
//! attempt works in its own scope of the client, whose registry records
//! every object it creates.

use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;

use super::{Attempt, CaseContext, Evidence, Leftover, Target};
use crate::cases::RunnableCase;
use crate::openstack::{Client, Exchange, NewImage, NewSecret};
use crate::spec::{ImageState, Observed};
use crate::tag::RunTag;
use crate::Error;

/// The OpenStack APIs of a cloud.
#[derive(Debug)]
pub struct OpenStackTarget {
    client: Client,
    name: String,
    command_line: Option<String>,
}

impl OpenStackTarget {
    /// A target on `client`, called `name` in reports (`cloud imgsig-live`).
    pub fn new(client: Client, name: impl Into<String>) -> OpenStackTarget {
        OpenStackTarget {
            client,
            name: name.into(),
            command_line: None,
        }
    }

    /// How `imgsig` is pointed at this cloud on a command line
    /// (`--cloud imgsig-live`), for the cleanup command of a report.
    pub fn with_command_line(mut self, args: impl Into<String>) -> OpenStackTarget {
        self.command_line = Some(args.into());
        self
    }
}

impl OpenStackTarget {
    /// A new attempt at case `case_id`: its own scope of the client.
    pub(super) fn open(&self, case_id: &str) -> OpenStackAttempt {
        OpenStackAttempt {
            scope: self.client.scope(),
            case_id: case_id.to_owned(),
            unreachable: AtomicBool::new(false),
        }
    }
}

impl Target for OpenStackTarget {
    fn describe(&self) -> String {
        format!("{} ({})", self.name, self.client.describe())
    }

    fn preflight(&self) -> BoxFuture<'_, crate::Result<()>> {
        Box::pin(self.client.reach())
    }

    fn attempt(&self, case_id: &str) -> Box<dyn Attempt> {
        Box::new(self.open(case_id))
    }

    fn sweep_command(&self, tag: &RunTag) -> Option<String> {
        let args = self.command_line.as_deref()?;
        Some(format!("imgsig cleanup --run {tag} {args}"))
    }
}

/// One case on the cloud: a scope of the client whose registry records
/// what the case creates (the consumer target's attempts build on it).
pub(super) struct OpenStackAttempt {
    scope: Client,
    case_id: String,
    /// Whether the run ended in a transport failure (no answer).
    unreachable: AtomicBool,
}

impl OpenStackAttempt {
    /// The attempt's scope of the client.
    pub(super) fn scope(&self) -> &Client {
        &self.scope
    }

    /// The case the attempt is at.
    pub(super) fn case_id(&self) -> &str {
        &self.case_id
    }

    /// `e` as the case's observation; a transport failure (no answer)
    /// marks the attempt unreachable, for the breaker.
    pub(super) fn failed(&self, e: &Error) -> Observed {
        if matches!(e, Error::Transport(_)) {
            self.unreachable.store(true, Ordering::SeqCst);
        }
        Observed::Error {
            detail: e.to_string(),
        }
    }
}

impl Attempt for OpenStackAttempt {
    fn run<'a>(
        &'a self,
        case: &'a dyn RunnableCase,
        context: &'a CaseContext,
    ) -> BoxFuture<'a, Observed> {
        Box::pin(async move {
            upload(&self.scope, case, context)
                .await
                .map_or_else(|e| self.failed(&e), |u| u.observed)
        })
    }

    fn evidence(&self) -> Vec<Evidence> {
        self.scope.exchanges().iter().map(evidence).collect()
    }

    fn cleanup(&self) -> BoxFuture<'_, Vec<Leftover>> {
        Box::pin(clean(&self.scope, &self.case_id))
    }

    fn keep(&self) {
        self.scope.cleanup().keep();
    }

    fn unreachable(&self) -> bool {
        self.unreachable.load(Ordering::SeqCst)
    }
}

/// Delete what `scope` created for case `case_id`, images first, then
/// secrets; what cannot be deleted keeps the run tag in its name for
/// `imgsig cleanup`.
pub(super) async fn clean(scope: &Client, case_id: &str) -> Vec<Leftover> {
    let report = scope.cleanup().run().await;
    report
        .failed
        .into_iter()
        .map(|(resource, reason)| Leftover {
            case_id: case_id.to_owned(),
            what: resource.to_string(),
            reason,
            delete_command: resource.delete_command(),
        })
        .collect()
}

/// The report model's shorter form of an exchange.
pub(super) fn evidence(exchange: &Exchange) -> Evidence {
    Evidence {
        request: exchange.request_line(),
        status: exchange.status,
        body_excerpt: exchange.body_excerpt.clone(),
    }
}

/// A case's upload: the ids it was given and what became of it.
pub(super) struct Upload {
    /// The stored secret's id, when the case stores one.
    pub secret_id: Option<String>,
    /// The image's id, when it was created.
    pub image_id: Option<String>,
    /// What the cloud did.
    pub observed: Observed,
}

/// Store the secret, create the image, upload, and look at what became of
/// it; everything created is registered in `client`'s scope for cleanup.
pub(super) async fn upload(
    client: &Client,
    case: &dyn RunnableCase,
    context: &CaseContext,
) -> crate::Result<Upload> {
    let name = context.run_tag.name(case.id());
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
            return Ok(Upload {
                secret_id,
                image_id: None,
                observed: Observed::Rejected {
                    status: Some(failure.status()),
                    message: failure.exchange.message(),
                    image: ImageState::Deleted,
                    data_retained: false,
                },
            })
        }
        Err(e) => return Err(e),
    };
    let upload = client
        .upload_blocking(&image.id, case.image(), Some(case.image_len()))
        .await?;
    let after = client.image(&image.id).await?;
    let listed_in_a_store = after.as_ref().is_some_and(|a| !a.stores.is_empty());
    let state = match after {
        Some(after) => ImageState::Status(after.status),
        None => ImageState::Deleted,
    };
    let observed = if upload.accepted() {
        Observed::Accepted { image: state }
    } else {
        Observed::Rejected {
            status: Some(upload.status),
            message: upload.message(),
            image: state,
            // A record that still names a store keeps its data (Glance 33
            // after a format refusal, whose download then says
            // `Content-Length: None`, which no HTTP client reads);
            // otherwise the download tells.
            data_retained: listed_in_a_store || client.download_status(&image.id).await?.has_data,
        }
    };
    Ok(Upload {
        secret_id,
        image_id: Some(image.id),
        observed,
    })
}
