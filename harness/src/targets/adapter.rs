//! The adapter target: a shim protocol, like rustls' BoGo shim, for
//! implementations without the OpenStack HTTP APIs (a library, a Nova-like
//! consumer). Two modes ([`AdapterMode`]): per case (protocol 1), the runner
//! starts `CMD` once per case, writes one [`AdapterRequest`] as JSON to its
//! standard input and reads one [`AdapterVerdict`] as JSON from its
//! standard output; in a session (protocol 2), a few `CMD` processes stay up
//! for the whole run and answer one request line with one verdict line. The
//! protocol is documented in `docs/adapter-protocol.md`.

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

/// The protocol version of a per-case request.
pub const PROTOCOL: u32 = 1;
/// The protocol version of session requests (one JSON line each).
pub const SESSION_PROTOCOL: u32 = 2;
/// The environment variable that asks an adapter for a session.
pub const SESSION_ENV: &str = "IMGSIG_ADAPTER_PROTOCOL";

/// How the runner talks to an adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AdapterMode {
    /// One process per case, one request on stdin (protocol 1).
    #[default]
    PerCase,
    /// A few long-lived processes, one request line and one verdict line at
    /// a time each (protocol 2).
    Session,
}

/// The first line a session adapter prints: which protocol it speaks.
#[derive(Debug, Deserialize)]
struct Hello {
    protocol: u32,
}

/// One long-lived adapter process.
struct Session {
    _child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::BufReader<tokio::process::ChildStdout>,
}

impl Session {
    async fn start(
        command: &str,
        protocol: u32,
        stderr: &Path,
        timeout: Duration,
    ) -> Result<Session, String> {
        let stderr = std::fs::File::create(stderr)
            .map_err(|e| format!("cannot create {}: {e}", stderr.display()))?;
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .env(SESSION_ENV, protocol.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start adapter `{command}`: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the adapter's pipes are missing".into());
        };
        let mut session = Session {
            _child: child,
            stdin,
            stdout: tokio::io::BufReader::new(stdout),
        };
        let line = session.read_line(timeout).await?;
        match serde_json::from_str::<Hello>(&line) {
            Ok(h) if h.protocol == protocol => Ok(session),
            _ => Err(format!(
                "the adapter did not open a protocol {protocol} session (first line \
                 {:?}); run it with --adapter-mode per-case",
                line.trim_end()
            )),
        }
    }

    async fn read_line(&mut self, timeout: Duration) -> Result<String, String> {
        use tokio::io::AsyncBufReadExt;
        let mut line = String::new();
        match tokio::time::timeout(timeout, self.stdout.read_line(&mut line)).await {
            Err(_) => Err(format!(
                "adapter did not answer within {}s",
                timeout.as_secs()
            )),
            Ok(Err(e)) => Err(format!("adapter failed: {e}")),
            Ok(Ok(0)) => Err("the adapter exited".into()),
            Ok(Ok(_)) => Ok(line),
        }
    }

    async fn ask(&mut self, mut line: Vec<u8>, timeout: Duration) -> Result<String, String> {
        line.push(b'\n');
        self.stdin
            .write_all(&line)
            .await
            .map_err(|e| format!("cannot write to the adapter: {e}"))?;
        self.stdin
            .flush()
            .await
            .map_err(|e| format!("cannot write to the adapter: {e}"))?;
        self.read_line(timeout).await
    }
}

/// The long-lived processes of a session run, each answering one request
/// at a time; a process that fails is replaced for the next case.
pub(crate) struct SessionPool {
    command: String,
    protocol: u32,
    slots: Vec<tokio::sync::Mutex<Option<Session>>>,
    next: std::sync::atomic::AtomicUsize,
    stderr_dir: PathBuf,
}

impl SessionPool {
    /// `processes` sessions of `command` speaking `protocol`, their
    /// standard error in `stderr_dir`.
    pub(crate) fn new(
        command: String,
        protocol: u32,
        processes: usize,
        stderr_dir: PathBuf,
    ) -> SessionPool {
        SessionPool {
            command,
            protocol,
            slots: (0..processes.max(1))
                .map(|_| tokio::sync::Mutex::new(None))
                .collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            stderr_dir,
        }
    }

    async fn run(&self, request: &AdapterRequest, timeout: Duration) -> (Observed, Evidence) {
        let (answer, evidence) = match serde_json::to_vec(request) {
            Ok(line) => self.exchange(&request.case_id, line, timeout).await,
            Err(e) => (
                Err(format!("cannot encode the request: {e}")),
                no_evidence(),
            ),
        };
        (verdict_of(answer).observed(), evidence)
    }

    /// Send one encoded request line for case `case_id`; the answer line
    /// (or why there is none) and the evidence.
    pub(crate) async fn exchange(
        &self,
        case_id: &str,
        line: Vec<u8>,
        timeout: Duration,
    ) -> (Result<String, String>, Evidence) {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.slots.len();
        let stderr = self.stderr_dir.join(format!("adapter-{i}.stderr"));
        let mut evidence = Evidence {
            request: format!("{}  (session {i}) <<< {case_id}", self.command),
            status: None,
            body_excerpt: String::new(),
        };
        let mut slot = self.slots[i].lock().await;
        if slot.is_none() {
            match Session::start(&self.command, self.protocol, &stderr, timeout).await {
                Ok(s) => *slot = Some(s),
                Err(detail) => return (Err(detail), evidence),
            }
        }
        let answer = match slot.as_mut() {
            Some(session) => session.ask(line, timeout).await,
            None => Err("no adapter session".into()),
        };
        match answer {
            Ok(line) => {
                evidence.body_excerpt = excerpt(line.trim_end().as_bytes());
                (Ok(line), evidence)
            }
            Err(detail) => {
                // The process is gone or out of step: the next case gets a
                // fresh one.
                *slot = None;
                evidence.body_excerpt = format!("stderr in {}", stderr.display());
                (Err(detail), evidence)
            }
        }
    }
}

fn no_evidence() -> Evidence {
    Evidence {
        request: String::new(),
        status: None,
        body_excerpt: String::new(),
    }
}

/// The verdict in an adapter's answer (a failure to get one is an error
/// verdict).
pub(crate) fn verdict_of(answer: Result<String, String>) -> AdapterVerdict {
    match answer {
        Ok(line) => parse_verdict(line.as_bytes()),
        Err(detail) => AdapterVerdict::Error { detail },
    }
}

fn parse_verdict(output: &[u8]) -> AdapterVerdict {
    serde_json::from_slice::<AdapterVerdict>(output).unwrap_or_else(|e| AdapterVerdict::Error {
        detail: format!(
            "adapter output is not a verdict ({e}); expected e.g. {{\"result\": \"accept\"}}"
        ),
    })
}

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
    let (answer, evidence) = match serde_json::to_vec(request) {
        Ok(input) => run_once(command, &request.case_id, input, timeout).await,
        Err(e) => (
            Err(format!("cannot encode the request: {e}")),
            no_evidence(),
        ),
    };
    (verdict_of(answer).observed(), evidence)
}

/// Run `command` once with `input` on its standard input (case
/// `case_id`): its standard output (or why there is none) and the
/// evidence.
pub(crate) async fn run_once(
    command: &str,
    case_id: &str,
    input: Vec<u8>,
    timeout: Duration,
) -> (Result<String, String>, Evidence) {
    let mut evidence = Evidence {
        request: format!("{command}  < {case_id}"),
        status: None,
        body_excerpt: String::new(),
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
                Err(format!("cannot start adapter `{command}`: {e}")),
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
        Ok(Err(e)) => return (Err(format!("adapter failed: {e}")), evidence),
        Err(_) => {
            return (
                Err(format!(
                    "adapter did not answer within {}s",
                    timeout.as_secs()
                )),
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
    (
        Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
        evidence,
    )
}

/// An implementation behind the adapter protocol: `CMD` is run (through
/// `sh -c`) once per case, or kept running for a session, with each image
/// in a scratch file.
pub struct AdapterTarget {
    command: String,
    scratch: tempfile::TempDir,
    sessions: Option<std::sync::Arc<SessionPool>>,
}

impl std::fmt::Debug for AdapterTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdapterTarget")
            .field("command", &self.command)
            .field("session", &self.sessions.is_some())
            .finish_non_exhaustive()
    }
}

impl AdapterTarget {
    /// An adapter target with its own scratch directory, one process per
    /// case.
    pub fn new(command: impl Into<String>) -> crate::Result<AdapterTarget> {
        AdapterTarget::with_mode(command, AdapterMode::PerCase)
    }

    /// An adapter target in the given mode; a session keeps one process
    /// per core.
    pub fn with_mode(
        command: impl Into<String>,
        mode: AdapterMode,
    ) -> crate::Result<AdapterTarget> {
        let command = command.into();
        let scratch = tempfile::Builder::new().prefix("imgsig-").tempdir()?;
        let sessions = match mode {
            AdapterMode::PerCase => None,
            AdapterMode::Session => Some(std::sync::Arc::new(SessionPool::new(
                command.clone(),
                SESSION_PROTOCOL,
                std::thread::available_parallelism().map_or(2, usize::from),
                scratch.path().to_owned(),
            ))),
        };
        Ok(AdapterTarget {
            command,
            scratch,
            sessions,
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
            sessions: self.sessions.clone(),
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
    sessions: Option<std::sync::Arc<SessionPool>>,
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
            if case.secret().is_some_and(|s| s.owner.is_other_project()) {
                return Observed::Skipped {
                    why: "who may read the certificate is Barbican's to decide (a project and \
                          its ACLs), and an adapter is handed the certificate: a cloud target \
                          runs this case"
                        .into(),
                };
            }
            if let Err(e) = write_image(case, &self.image_path) {
                return Observed::Error {
                    detail: format!("cannot write the image for the adapter: {e}"),
                };
            }
            let secret = case.secret();
            let secret_id = secret.as_ref().map(|_| secret_id(case.id()));
            let request = AdapterRequest {
                protocol: if self.sessions.is_some() {
                    SESSION_PROTOCOL
                } else {
                    PROTOCOL
                },
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
            let (observed, evidence) = match &self.sessions {
                Some(pool) => pool.run(&request, context.timeout).await,
                None => run_adapter(&self.command, &request, context.timeout).await,
            };
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

    /// A session: the hello line, then one verdict line per request line,
    /// from the same process; a process that dies is replaced.
    #[tokio::test]
    async fn sessions_answer_line_by_line_and_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = Duration::from_secs(5);
        // Accepts requests whose case id ends in "ok", dies on "die".
        let script = r#"test "$IMGSIG_ADAPTER_PROTOCOL" = 2 || exit 9
echo '{"protocol": 2}'
n=0
while read -r line; do
  n=$((n+1))
  case "$line" in
    *'"case_id":"die"'*) exit 1 ;;
    *'ok"'*) echo "{\"result\":\"accept\"}" ;;
    *) echo "{\"result\":\"reject\",\"reason\":\"line $n\"}" ;;
  esac
done"#;
        std::fs::write(dir.path().join("a.sh"), script).expect("write");
        let pool = SessionPool::new(
            format!("sh {}", dir.path().join("a.sh").display()),
            SESSION_PROTOCOL,
            1,
            dir.path().to_owned(),
        );
        let mut r = request();
        r.protocol = SESSION_PROTOCOL;
        r.case_id = "sig.ok".into();
        assert!(matches!(pool.run(&r, t).await.0, Observed::Accepted { .. }));
        r.case_id = "sig.no".into();
        let (o, _) = pool.run(&r, t).await;
        // The second line of the same process.
        assert!(matches!(o, Observed::Rejected { message, .. } if message == "line 2"));
        r.case_id = "die".into();
        assert!(matches!(pool.run(&r, t).await.0, Observed::Error { .. }));
        r.case_id = "sig.no".into();
        let (o, _) = pool.run(&r, t).await;
        assert!(matches!(o, Observed::Rejected { message, .. } if message == "line 1"));

        // An adapter that only speaks protocol 1 is told to run per case.
        let old = SessionPool::new(
            "cat >/dev/null".into(),
            SESSION_PROTOCOL,
            1,
            dir.path().to_owned(),
        );
        let (o, _) = old.run(&r, Duration::from_millis(300)).await;
        assert!(matches!(o, Observed::Error { .. }));
    }
}
