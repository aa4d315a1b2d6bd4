//! Consumer targets: Nova's side. For each consumer case the runner's
//! attempt prepares the cloud (the signing certificate and every trusted
//! certificate as Barbican secrets, the image created and uploaded, then
//! the case's [`Tamper`], if any) and asks a consumer, handed the image id,
//! the trusted ids and the cloud's credentials, whether it would boot the
//! image. Consumers: the [`reference`](mod@reference) one (imgsig's model of Nova's
//! download path) or a process speaking the consumer request of the
//! adapter protocol ([`request`], `docs/adapter-protocol.md`).
//!
//! A consumer's message names secrets by their ids; the attempt maps them
//! back to the case's names ([`SIGNING_NAME`], the trusted names) so the
//! message can be judged against the rules' wording.
//!
//! The cloud side is the [`OpenStackTarget`]'s: the same client scopes,
//! upload, evidence, cleanup and breaker; a consumer attempt adds the
//! trusted certificates, the tamper and the question.
//!
//! A shared-image case (`con.shared.*`) needs the target's second identity,
//! a user of another project ([`ConsumerTarget::with_member`]): the owner shares the
//! image with that project (and, if the case says, the signing certificate
//! with that user through a Barbican ACL), the member accepts it, stores
//! the trusted certificates if they are the consumer's, and the consumer is
//! asked with the member's token. Each side cleans up what it created.

pub mod reference;
pub mod request;

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;

use super::openstack::{self, Member, OpenStackAttempt};
use super::{Attempt, CaseContext, Evidence, Leftover, OpenStackTarget, Target};
use crate::cases::consumer::SIGNING_NAME;
use crate::cases::{RunnableCase, Sharing, Tamper};
use crate::openstack::Client;
use crate::spec::{ImageState, Observed};
use crate::tag::RunTag;

pub use request::{ConsumerAdapter, ConsumerRequest};

/// Who decides.
#[derive(Debug, Clone)]
pub enum Consumer {
    /// imgsig's model of Nova's download path ([`reference::decide`]).
    Reference,
    /// A process speaking the consumer request (protocol 3).
    Adapter(Arc<ConsumerAdapter>),
}

/// A consumer on a cloud: the cloud's [`OpenStackTarget`] and who decides.
#[derive(Debug)]
pub struct ConsumerTarget {
    cloud: OpenStackTarget,
    consumer: Consumer,
}

impl ConsumerTarget {
    /// `consumer` deciding on images of `client`'s cloud, called `name`
    /// in reports.
    pub fn new(client: Client, name: impl Into<String>, consumer: Consumer) -> ConsumerTarget {
        ConsumerTarget {
            cloud: OpenStackTarget::new(client, name),
            consumer,
        }
    }

    /// `member`, a user of another project on the same cloud, as the
    /// consumer of the shared-image cases (without one they are skipped);
    /// `command_line` points `imgsig cleanup` at it (`--cloud NAME`).
    pub fn with_member(mut self, member: Client, command_line: Option<String>) -> ConsumerTarget {
        self.cloud = self.cloud.with_member(member, command_line);
        self
    }

    /// How `imgsig` is pointed at this cloud on a command line, for the
    /// cleanup command of a report.
    pub fn with_command_line(mut self, args: impl Into<String>) -> ConsumerTarget {
        self.cloud = self.cloud.with_command_line(args);
        self
    }
}

impl Target for ConsumerTarget {
    fn describe(&self) -> String {
        let who = match &self.consumer {
            Consumer::Reference => "the reference consumer".to_owned(),
            Consumer::Adapter(a) => format!("consumer `{}`", a.command()),
        };
        format!("{who} on {}", self.cloud.describe())
    }

    fn preflight(&self) -> BoxFuture<'_, crate::Result<()>> {
        self.cloud.preflight()
    }

    fn attempt(&self, case_id: &str) -> Box<dyn Attempt> {
        Box::new(ConsumerAttempt {
            cloud: self.cloud.open(case_id),
            consumer: self.consumer.clone(),
            answers: Mutex::default(),
        })
    }

    /// The owner's sweep, then the member's (its trusted certificates).
    fn sweep_command(&self, tag: &RunTag) -> Option<String> {
        self.cloud.sweep_command(tag)
    }
}

struct ConsumerAttempt {
    /// The upload side: the owner's and the member's scopes, evidence,
    /// cleanup.
    cloud: OpenStackAttempt,
    consumer: Consumer,
    /// The consumer's own evidence (its steps, an adapter's answer).
    answers: Mutex<Vec<Evidence>>,
}

/// The cloud prepared for one case.
struct Prepared {
    /// Whose token the consumer is handed: the owner's, or the member's.
    consumer: Client,
    image_id: String,
    trusted_ids: Vec<String>,
    /// Secret id → the case's name for it.
    names: Vec<(String, String)>,
}

impl Prepared {
    /// `text` with every secret id replaced by the case's name for it.
    fn named(&self, text: &str) -> String {
        self.names
            .iter()
            .fold(text.to_owned(), |t, (id, name)| t.replace(id, name))
    }
}

impl ConsumerAttempt {
    fn note(&self, evidence: Evidence) {
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(evidence);
    }

    /// Secrets, image, upload, tamper; `Err(observed)` when the case cannot
    /// run here.
    async fn prepare(
        &self,
        case: &dyn RunnableCase,
        context: &CaseContext,
    ) -> crate::Result<Result<Prepared, Observed>> {
        let Some(side) = case.consumer() else {
            return Ok(Err(Observed::Skipped {
                why: "an upload case: consumer targets run the consumer catalogue".into(),
            }));
        };
        // A shared-image case needs its member before anything is made.
        let member = match side.shared {
            Some(_) => match self.cloud.member() {
                Ok(member) => Some(member),
                Err(skipped) => return Ok(Err(skipped)),
            },
            None => None,
        };
        let client = self.cloud.scope();
        let upload = match openstack::upload(&self.cloud, case, context).await? {
            Ok(upload) => upload,
            Err(skipped) => return Ok(Err(skipped)),
        };
        let (Observed::Accepted { .. }, Some(image_id)) = (&upload.observed, upload.image_id)
        else {
            return Ok(Err(Observed::Error {
                detail: format!(
                    "the cloud refused the case's upload ({}), so there is nothing to consume",
                    upload.observed
                ),
            }));
        };
        let signing_id = upload.secret_id;
        let consumer = match (side.shared, member) {
            (Some(sharing), Some(member)) => {
                self.share(&image_id, signing_id.as_deref(), sharing, member)
                    .await?;
                member.client.clone()
            }
            _ => client.clone(),
        };
        let mut names: Vec<(String, String)> = signing_id
            .iter()
            .map(|id| (id.clone(), SIGNING_NAME.to_owned()))
            .collect();
        let name = context.run_tag.name(case.id());
        // The trusted certificates are the consumer's, except where a case
        // puts them in the owner's project.
        let keeper = match side.shared {
            Some(s) if !s.trusted_of_consumer => client,
            _ => &consumer,
        };
        let mut trusted_ids = Vec::new();
        for t in &side.trusted {
            let id = match &t.certificate {
                Some(cert) => {
                    let pem = cert.to_pem()?;
                    keeper
                        .store_certificate(&format!("{name}-trusted-{}", t.name), &pem)
                        .await?
                        .id
                }
                None => missing_id(&format!("{name}-missing-{}", t.name)),
            };
            names.push((id.clone(), t.name.clone()));
            trusted_ids.push(id);
        }
        match side.tamper {
            None => {}
            Some(Tamper::ServeData(data)) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut data.reader(), &mut bytes)?;
                if !client.replace_served_data(&image_id, bytes).await? {
                    return Ok(Err(Observed::Skipped {
                        why: "the cloud cannot swap an image's data (the mock Glance's \
                              test control, imgsig-mock --test-controls)"
                            .into(),
                    }));
                }
            }
            Some(Tamper::DeleteSigningCertificate) => {
                if let Some(id) = &signing_id {
                    client.delete_secret(id).await?;
                }
            }
        }
        Ok(Ok(Prepared {
            consumer,
            image_id,
            trusted_ids,
            names,
        }))
    }

    /// Share the image with the member's project (which accepts it) and,
    /// if `sharing` says, the signing certificate with the member's user.
    async fn share(
        &self,
        image_id: &str,
        signing_id: Option<&str>,
        sharing: Sharing,
        member: Member<'_>,
    ) -> crate::Result<()> {
        let owner = self.cloud.scope();
        owner.share_image(image_id, member.project).await?;
        member.client.accept_image(image_id, member.project).await?;
        if let (true, Some(signing_id)) = (sharing.certificate_shared, signing_id) {
            owner.share_secret(signing_id, member.user).await?;
        }
        Ok(())
    }

    async fn ask(&self, prepared: &Prepared, context: &CaseContext) -> crate::Result<Observed> {
        let (verdict, evidence) = match &self.consumer {
            Consumer::Reference => {
                let decision = reference::decide(
                    &prepared.consumer,
                    &prepared.image_id,
                    &prepared.trusted_ids,
                    reference::Settings::now(context.profile),
                )
                .await?;
                let evidence = Evidence {
                    request: format!("reference consumer, image {}", prepared.image_id),
                    status: None,
                    body_excerpt: decision.steps.join("; "),
                };
                let verdict = decision.verdict.map(|_| ()).map_err(|r| {
                    let mut message = r.rejection.to_string();
                    for reason in r.reasons {
                        message.push_str(&format!(" ({reason})"));
                    }
                    message
                });
                (Ok(verdict), evidence)
            }
            Consumer::Adapter(adapter) => {
                let request = ConsumerRequest::new(
                    &prepared.consumer,
                    self.cloud.case_id(),
                    context.profile,
                    &prepared.image_id,
                    &prepared.trusted_ids,
                )
                .await?;
                adapter.ask(&request, context.timeout).await
            }
        };
        self.note(Evidence {
            request: prepared.named(&evidence.request),
            status: evidence.status,
            body_excerpt: prepared.named(&evidence.body_excerpt),
        });
        Ok(match verdict {
            Ok(Ok(())) => Observed::Accepted {
                image: ImageState::Unknown,
            },
            Ok(Err(message)) => Observed::Rejected {
                status: None,
                message: prepared.named(&message),
                image: ImageState::Unknown,
                data_retained: false,
            },
            Err(detail) => Observed::Error { detail },
        })
    }
}

/// An id no secret has, in Barbican's form (a UUID: python-barbicanclient
/// refuses anything else before asking), derived from `seed`.
fn missing_id(seed: &str) -> String {
    let mut hasher = crate::crypto::BackendKind::for_hashing()
        .backend()
        .hasher(crate::spec::HashMethod::Sha256);
    hasher.update(seed.as_bytes());
    let digest = hasher.finalize().unwrap_or_default();
    let h: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    if h.len() < 32 {
        return "00000000-0000-4000-8000-000000000000".to_owned();
    }
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

impl Attempt for ConsumerAttempt {
    fn run<'a>(
        &'a self,
        case: &'a dyn RunnableCase,
        context: &'a CaseContext,
    ) -> BoxFuture<'a, Observed> {
        Box::pin(async move {
            let result = async {
                match self.prepare(case, context).await? {
                    Ok(prepared) => self.ask(&prepared, context).await,
                    Err(observed) => Ok(observed),
                }
            }
            .await;
            result.unwrap_or_else(|e| self.cloud.failed(&e))
        })
    }

    fn evidence(&self) -> Vec<Evidence> {
        let mut out = self.cloud.evidence();
        out.extend(
            self.answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .cloned(),
        );
        out
    }

    fn cleanup(&self) -> BoxFuture<'_, Vec<Leftover>> {
        self.cloud.cleanup()
    }

    fn keep(&self) {
        self.cloud.keep();
    }

    fn unreachable(&self) -> bool {
        self.cloud.unreachable()
    }
}
