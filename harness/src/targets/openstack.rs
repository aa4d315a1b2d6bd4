//! The OpenStack target: Barbican for the certificate, Glance for the
//! image, through the harness's client (a live cloud or the mocks). Each
//! attempt works in its own scope of the client, whose registry records
//! every object it creates.
//!
//! A second identity, a user of another project on the same cloud
//! ([`OpenStackTarget::with_member`]), stores the certificate of the
//! `cert.project.*` cases (and shares it with the uploader through a
//! Barbican read ACL, if the case says), and is the consumer of the
//! shared-image consumer cases. It works in its own scope too, and each
//! side cleans up what it created. Without one, those cases are skipped
//! before anything is made.

use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;

use super::{Attempt, CaseContext, Evidence, Leftover, Target};
use crate::cases::{RunnableCase, SecretOwner};
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
    /// A user of another project, and how `imgsig` is pointed at it on a
    /// command line.
    member: Option<(Client, Option<String>)>,
}

impl OpenStackTarget {
    /// A target on `client`, called `name` in reports (`cloud imgsig-live`).
    pub fn new(client: Client, name: impl Into<String>) -> OpenStackTarget {
        OpenStackTarget {
            client,
            name: name.into(),
            command_line: None,
            member: None,
        }
    }

    /// `member`, a user of another project on the same cloud, as the
    /// second identity of the cases that need one (without it they are
    /// skipped); `command_line` points `imgsig cleanup` at it (`--cloud
    /// NAME`).
    pub fn with_member(mut self, member: Client, command_line: Option<String>) -> OpenStackTarget {
        self.member = Some((member, command_line));
        self
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
            member: self.member.as_ref().map(|(member, _)| member.scope()),
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

    /// The uploader's sweep, then the member's.
    fn sweep_command(&self, tag: &RunTag) -> Option<String> {
        let args = self.command_line.as_deref()?;
        let owner = format!("imgsig cleanup --run {tag} {args}");
        match self.member.as_ref().and_then(|(_, c)| c.as_deref()) {
            Some(member) => Some(format!("{owner} && imgsig cleanup --run {tag} {member}")),
            None => Some(owner),
        }
    }
}

/// One case on the cloud: a scope of the client whose registry records
/// what the case creates (the consumer target's attempts build on it).
pub(super) struct OpenStackAttempt {
    scope: Client,
    /// The member's scope, when the target has a member.
    member: Option<Client>,
    case_id: String,
    /// Whether the run ended in a transport failure (no answer).
    unreachable: AtomicBool,
}

impl OpenStackAttempt {
    /// The attempt's scope of the client.
    pub(super) fn scope(&self) -> &Client {
        &self.scope
    }

    /// The member, or why a case that needs one cannot run here.
    pub(super) fn member(&self) -> Result<Member<'_>, Observed> {
        let Some(client) = &self.member else {
            return Err(Observed::Skipped {
                why: "the case needs a user of another project on the same cloud \
                      (imgsig run --member-cloud NAME)"
                    .into(),
            });
        };
        match (client.project_id(), client.user_id()) {
            (Some(project), Some(user)) => Ok(Member {
                client,
                project,
                user,
            }),
            _ => Err(Observed::Skipped {
                why: "Keystone named no project or user for the member's token".into(),
            }),
        }
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
            match upload(self, case, context).await {
                Ok(Ok(u)) => u.observed,
                Ok(Err(skipped)) => skipped,
                Err(e) => self.failed(&e),
            }
        })
    }

    /// The uploader's exchanges, then the member's.
    fn evidence(&self) -> Vec<Evidence> {
        let mut exchanges = self.scope.exchanges();
        if let Some(member) = &self.member {
            exchanges.extend(member.exchanges());
        }
        exchanges.iter().map(evidence).collect()
    }

    /// The uploader's objects, then the member's (nothing of one depends
    /// on the other's: Glance does not hold on to a certificate).
    fn cleanup(&self) -> BoxFuture<'_, Vec<Leftover>> {
        Box::pin(async move {
            let mut left = clean(&self.scope, &self.case_id).await;
            if let Some(member) = &self.member {
                left.extend(clean(member, &self.case_id).await);
            }
            left
        })
    }

    fn keep(&self) {
        self.scope.cleanup().keep();
        if let Some(member) = &self.member {
            member.cleanup().keep();
        }
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

/// The member of a target: its scope, project and user.
#[derive(Clone, Copy)]
pub(super) struct Member<'a> {
    /// Its scope of the member's client.
    pub client: &'a Client,
    /// Its project id.
    pub project: &'a str,
    /// Its user id.
    pub user: &'a str,
}

/// Store the secret (in the member's project if the case says, shared
/// with the uploader through a read ACL if it says so too), create the
/// image, upload, and look at what became of it; everything created is
/// registered in the scope of whoever created it, for cleanup. `Err`
/// with the skip when the case needs a member the target lacks.
pub(super) async fn upload(
    attempt: &OpenStackAttempt,
    case: &dyn RunnableCase,
    context: &CaseContext,
) -> crate::Result<Result<Upload, Observed>> {
    let client = attempt.scope();
    let name = context.run_tag.name(case.id());
    let mut secret_id = None;
    if let Some(secret) = case.secret() {
        let member = match secret.owner.is_other_project().then(|| attempt.member()) {
            None => None,
            Some(Ok(member)) => Some(member),
            Some(Err(skipped)) => return Ok(Err(skipped)),
        };
        // An ACL names the uploader by its user id: known before anything
        // is made.
        let uploader = match (secret.owner, client.user_id()) {
            (SecretOwner::OtherProjectShared, None) => {
                return Ok(Err(Observed::Skipped {
                    why: "Keystone named no user for the uploader's token, so no ACL can name it"
                        .into(),
                }))
            }
            (SecretOwner::OtherProjectShared, Some(user)) => Some(user),
            _ => None,
        };
        let keeper = member.map_or(client, |m| m.client);
        let stored = keeper
            .store_secret(&NewSecret {
                name: name.clone(),
                payload: secret.payload,
                secret_type: secret.secret_type,
                algorithm: None,
                expiration: None,
            })
            .await?;
        if let (Some(uploader), Some(member)) = (uploader, member) {
            member.client.share_secret(&stored.id, uploader).await?;
        }
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
            return Ok(Ok(Upload {
                secret_id,
                image_id: None,
                observed: Observed::Rejected {
                    status: Some(failure.status()),
                    message: failure.exchange.message(),
                    image: ImageState::Deleted,
                    data_retained: false,
                },
            }))
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
    Ok(Ok(Upload {
        secret_id,
        image_id: Some(image.id),
        observed,
    }))
}
