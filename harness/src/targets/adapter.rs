//! The adapter target: a shim protocol, like rustls' BoGo shim, for
//! implementations without the OpenStack HTTP APIs (a library, a Nova-like
//! consumer). The runner starts `CMD` once per case, writes one
//! [`AdapterRequest`] as JSON to its standard input and reads one
//! [`AdapterVerdict`] as JSON from its standard output. The protocol is
//! documented in `docs/adapter-protocol.md`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use futures_util::future::BoxFuture;

use super::{Attempt, CaseContext, Evidence, Leftover, Target};
use crate::cases::RunnableCase;
use crate::spec::{ImageState, Observed, Profile, PropertyMap};
use crate::tag::RunTag;

/// The protocol version in every request.
pub const PROTOCOL: u32 = 1;

/// The certificate secret the key manager holds for the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterCertificate {
    /// Barbican secret type (`certificate`, `opaque`, …).
    pub secret_type: String,
    /// The secret's payload (PEM or DER), base64.
    pub payload_base64: String,
}

/// What the adapter is asked to verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterRequest {
    /// Protocol version ([`PROTOCOL`]).
    pub protocol: u32,
    /// The case id.
    pub case_id: String,
    /// The profile the run holds targets to (for adapters that model several).
    pub profile: Profile,
    /// The image data, in a file the adapter may stream.
    pub image_path: PathBuf,
    /// Its size in bytes.
    pub image_size: u64,
    /// The image properties, raw.
    pub properties: PropertyMap,
    /// The secret behind `img_signature_certificate_uuid`; `null` when the
    /// key manager has no such secret.
    pub certificate: Option<AdapterCertificate>,
}

/// What the adapter answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum AdapterVerdict {
    /// The image is accepted.
    Accept,
    /// The image is refused.
    Reject {
        /// The implementation's reason (compared with upstream's wording).
        reason: String,
    },
    /// The adapter could not decide (setup problem, crash).
    Error {
        /// What went wrong.
        detail: String,
    },
}

impl AdapterVerdict {
    /// The observation this verdict amounts to.
    pub fn observed(self) -> Observed {
        match self {
            AdapterVerdict::Accept => Observed::Accepted {
                image: ImageState::Unknown,
            },
            AdapterVerdict::Reject { reason } => Observed::Rejected {
                status: None,
                message: reason,
                image: ImageState::Unknown,
                data_retained: false,
            },
            AdapterVerdict::Error { detail } => Observed::Error { detail },
        }
    }
}

const EXCERPT: usize = 2000;

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.chars().take(EXCERPT).collect()
}

/// Run `command` (through `sh -c`) with `request` and read its verdict.
/// Never fails: a crash, a timeout or garbage output is an
/// [`Observed::Error`] with the adapter's output as evidence.
pub async fn run_adapter(
    command: &str,
    request: &AdapterRequest,
    timeout: Duration,
) -> (Observed, Evidence) {
    let mut evidence = Evidence {
        request: format!("{command}  < {}", request.case_id),
        status: None,
        body_excerpt: String::new(),
    };
    let input = match serde_json::to_vec(request) {
        Ok(i) => i,
        Err(e) => {
            return (
                Observed::Error {
                    detail: format!("cannot encode the request: {e}"),
                },
                evidence,
            )
        }
    };
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return (
                Observed::Error {
                    detail: format!("cannot start adapter `{command}`: {e}"),
                },
                evidence,
            )
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // An adapter that exits without reading its input is judged by
        // what it printed, so a broken pipe here is not an error.
        let _ = stdin.write_all(&input).await;
    }
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => {
            return (
                Observed::Error {
                    detail: format!("adapter failed: {e}"),
                },
                evidence,
            )
        }
        Err(_) => {
            return (
                Observed::Error {
                    detail: format!("adapter did not answer within {}s", timeout.as_secs()),
                },
                evidence,
            )
        }
    };
    evidence.status = output.status.code().and_then(|c| u16::try_from(c).ok());
    evidence.body_excerpt = format!(
        "{}{}",
        excerpt(&output.stdout),
        if output.stderr.is_empty() {
            String::new()
        } else {
            format!(" | stderr: {}", excerpt(&output.stderr))
        }
    );
    let verdict = serde_json::from_slice::<AdapterVerdict>(&output.stdout).unwrap_or_else(|e| {
        AdapterVerdict::Error {
            detail: format!(
                "adapter output is not a verdict ({e}); expected e.g. {{\"result\": \"accept\"}}"
            ),
        }
    });
    (verdict.observed(), evidence)
}

/// An implementation behind the adapter protocol: `CMD` is run (through
/// `sh -c`) once per case, with the image in a scratch file.
#[derive(Debug)]
pub struct AdapterTarget {
    command: String,
    scratch: tempfile::TempDir,
}

impl AdapterTarget {
    /// An adapter target with its own scratch directory.
    pub fn new(command: impl Into<String>) -> crate::Result<AdapterTarget> {
        Ok(AdapterTarget {
            command: command.into(),
            scratch: tempfile::Builder::new().prefix("imgsig-").tempdir()?,
        })
    }
}

impl Target for AdapterTarget {
    fn describe(&self) -> String {
        format!("adapter `{}`", self.command)
    }

    fn attempt(&self, case_id: &str) -> Box<dyn Attempt> {
        Box::new(AdapterAttempt {
            command: self.command.clone(),
            image_path: self.scratch.path().join(format!("{case_id}.img")),
            case_id: case_id.to_owned(),
            evidence: Mutex::default(),
        })
    }

    fn sweep_command(&self, _tag: &RunTag) -> Option<String> {
        None
    }
}

struct AdapterAttempt {
    command: String,
    case_id: String,
    image_path: PathBuf,
    evidence: Mutex<Vec<Evidence>>,
}

impl Attempt for AdapterAttempt {
    fn run<'a>(
        &'a self,
        case: &'a dyn RunnableCase,
        context: &'a CaseContext,
    ) -> BoxFuture<'a, Observed> {
        Box::pin(async move {
            if let Err(e) = write_image(case, &self.image_path) {
                return Observed::Error {
                    detail: format!("cannot write the image for the adapter: {e}"),
                };
            }
            let secret = case.secret();
            let secret_id = secret.as_ref().map(|_| secret_id(case.id()));
            let request = AdapterRequest {
                protocol: PROTOCOL,
                case_id: case.id().to_owned(),
                profile: context.profile,
                image_path: self.image_path.clone(),
                image_size: case.image_len(),
                properties: case.properties(secret_id.as_deref()),
                certificate: secret.map(|s| AdapterCertificate {
                    secret_type: s.secret_type,
                    payload_base64: crate::spec::base64::encode(&s.payload),
                }),
            };
            let (observed, evidence) = run_adapter(&self.command, &request, context.timeout).await;
            self.evidence
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(evidence);
            observed
        })
    }

    fn evidence(&self) -> Vec<Evidence> {
        self.evidence
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn cleanup(&self) -> BoxFuture<'_, Vec<Leftover>> {
        Box::pin(async move {
            match std::fs::remove_file(&self.image_path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => vec![Leftover {
                    case_id: self.case_id.clone(),
                    what: format!("image file {}", self.image_path.display()),
                    reason: e.to_string(),
                    delete_command: format!("rm -f '{}'", self.image_path.display()),
                }],
                _ => Vec::new(),
            }
        })
    }

    fn keep(&self) {}
}

/// The id under which an adapter "stores" a case's secret: stable, so a
/// request is reproducible.
fn secret_id(case_id: &str) -> String {
    format!("imgsig-secret-{case_id}")
}

fn write_image(case: &dyn RunnableCase, path: &Path) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    std::io::copy(&mut case.image(), &mut file)?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> AdapterRequest {
        AdapterRequest {
            protocol: PROTOCOL,
            case_id: "sig.x".into(),
            profile: Profile::GlanceCurrent,
            image_path: "/dev/null".into(),
            image_size: 0,
            properties: PropertyMap::new(),
            certificate: None,
        }
    }

    #[tokio::test]
    async fn verdicts_errors_and_timeouts() {
        let t = Duration::from_secs(5);
        let (o, _) = run_adapter(
            r#"cat >/dev/null; echo '{"result":"accept"}'"#,
            &request(),
            t,
        )
        .await;
        assert!(matches!(o, Observed::Accepted { .. }));
        let (o, _) = run_adapter(
            r#"cat >/dev/null; echo '{"result":"reject","reason":"Signature verification failed"}'"#,
            &request(),
            t,
        )
        .await;
        assert!(matches!(o, Observed::Rejected { status: None, .. }));
        let (o, e) = run_adapter("echo nonsense; echo oops >&2; exit 3", &request(), t).await;
        assert!(matches!(o, Observed::Error { .. }));
        assert_eq!(e.status, Some(3));
        assert!(e.body_excerpt.contains("oops"));
        let (o, _) = run_adapter("sleep 5", &request(), Duration::from_millis(200)).await;
        assert!(matches!(o, Observed::Error { detail } if detail.contains("did not answer")));
        // The request reaches the adapter intact.
        let (o, _) = run_adapter(
            r#"grep -q '"case_id":"sig.x"' && echo '{"result":"accept"}'"#,
            &request(),
            t,
        )
        .await;
        assert!(matches!(o, Observed::Accepted { .. }));
    }
}
