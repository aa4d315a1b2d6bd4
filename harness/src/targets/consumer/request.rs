//! The consumer request of the adapter protocol (protocol 3,
//! `docs/adapter-protocol.md`): a consumer process is handed an image id on
//! a cloud, the trusted certificate ids and the cloud's credentials, and
//! answers the verdict of protocol 1 (`accept`, `reject` with the reason,
//! `error`). Per case (one process, one request on standard input) or in a
//! session (`IMGSIG_ADAPTER_PROTOCOL=3`, the hello line `{"protocol": 3}`,
//! then one request line and one verdict line at a time).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::super::adapter::{run_once, verdict_of, AdapterMode, AdapterVerdict, SessionPool};
use super::super::Evidence;
use crate::openstack::Client;
use crate::spec::Profile;

/// The protocol version that has the consumer request.
pub const CONSUMER_PROTOCOL: u32 = 3;

/// The request kind of a consumer request.
pub const CONSUME: &str = "consume";

/// Where the consumer finds the cloud, and as whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerCloud {
    /// Keystone (`…/v3`), when the harness authenticated there; `null`
    /// for a cloud given as endpoints and a token.
    pub auth_url: Option<String>,
    /// A project-scoped token for Glance and Barbican (as Nova forwards
    /// the user's token).
    pub token: String,
    /// The project the token is scoped to, if Keystone said.
    pub project_id: Option<String>,
    /// Glance's base URL (no `/v2`).
    pub glance_url: String,
    /// Barbican's base URL (no `/v1`).
    pub barbican_url: String,
}

/// What a consumer is asked: would it boot this image?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerRequest {
    /// [`CONSUMER_PROTOCOL`].
    pub protocol: u32,
    /// [`CONSUME`].
    pub kind: String,
    /// The case id.
    pub case_id: String,
    /// The profile the run holds the consumer to.
    pub profile: Profile,
    /// The image, on Glance.
    pub image_id: String,
    /// The trusted certificate ids (Barbican secrets), in order, as
    /// `trusted_image_certificates` on server create; some may name no
    /// secret.
    pub trusted_certificate_ids: Vec<String>,
    /// The cloud.
    pub cloud: ConsumerCloud,
}

impl ConsumerRequest {
    /// The request for image `image_id` of `client`'s cloud.
    pub async fn new(
        client: &Client,
        case_id: &str,
        profile: Profile,
        image_id: &str,
        trusted_ids: &[String],
    ) -> crate::Result<ConsumerRequest> {
        Ok(ConsumerRequest {
            protocol: CONSUMER_PROTOCOL,
            kind: CONSUME.to_owned(),
            case_id: case_id.to_owned(),
            profile,
            image_id: image_id.to_owned(),
            trusted_certificate_ids: trusted_ids.to_vec(),
            cloud: ConsumerCloud {
                auth_url: client.auth_url(),
                token: client.current_token().await?,
                project_id: client.project_id().map(str::to_owned),
                glance_url: client.glance_url().to_owned(),
                barbican_url: client.barbican_url().to_owned(),
            },
        })
    }
}

/// A consumer process behind the adapter protocol.
pub struct ConsumerAdapter {
    command: String,
    sessions: Option<SessionPool>,
    _scratch: tempfile::TempDir,
}

impl std::fmt::Debug for ConsumerAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsumerAdapter")
            .field("command", &self.command)
            .field("session", &self.sessions.is_some())
            .finish_non_exhaustive()
    }
}

impl ConsumerAdapter {
    /// `command` (through `sh -c`), per case or in sessions (one process
    /// per core).
    pub fn new(command: impl Into<String>, mode: AdapterMode) -> crate::Result<Arc<Self>> {
        let command = command.into();
        let scratch = tempfile::Builder::new().prefix("imgsig-").tempdir()?;
        let sessions = match mode {
            AdapterMode::PerCase => None,
            AdapterMode::Session => Some(SessionPool::new(
                command.clone(),
                CONSUMER_PROTOCOL,
                std::thread::available_parallelism().map_or(2, usize::from),
                PathBuf::from(scratch.path()),
            )),
        };
        Ok(Arc::new(ConsumerAdapter {
            command,
            sessions,
            _scratch: scratch,
        }))
    }

    /// The command.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Ask: `Ok(Ok(()))` accept, `Ok(Err(reason))` reject, `Err(detail)`
    /// could not decide; with the evidence (the token is not in it).
    pub async fn ask(
        &self,
        request: &ConsumerRequest,
        timeout: Duration,
    ) -> (Result<Result<(), String>, String>, Evidence) {
        let line = match serde_json::to_vec(request) {
            Ok(l) => l,
            Err(e) => {
                return (
                    Err(format!("cannot encode the request: {e}")),
                    Evidence {
                        request: self.command.clone(),
                        status: None,
                        body_excerpt: String::new(),
                    },
                )
            }
        };
        let (answer, mut evidence) = match &self.sessions {
            Some(pool) => pool.exchange(&request.case_id, line, timeout).await,
            None => run_once(&self.command, &request.case_id, line, timeout).await,
        };
        evidence.request = format!("{} (image {})", evidence.request, request.image_id);
        evidence.body_excerpt = evidence
            .body_excerpt
            .replace(&request.cloud.token, "<token>");
        let verdict = match verdict_of(answer) {
            AdapterVerdict::Accept => Ok(Ok(())),
            AdapterVerdict::Reject { reason } => Ok(Err(reason)),
            AdapterVerdict::Error { detail } => Err(detail),
        };
        (verdict, evidence)
    }
}
