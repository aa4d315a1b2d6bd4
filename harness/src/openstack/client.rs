//! The connection: an HTTP client, a token (kept fresh when it came from
//! Keystone), the Glance and Barbican base URLs, a journal of exchanges and
//! a cleanup registry per scope.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use super::catalog::base_url;
use super::cleanup::{Cleanup, Registry};
use super::config::CloudConfig;
use super::evidence::{Exchange, Redactor};
use super::failure::ApiFailure;
use super::keystone::{self, KeystoneAuth, Session};
use super::origin;
use super::retry::{RetryPolicy, Timeouts};
use super::transport::{self, Outgoing, Payload, Reply};
use crate::{Error, Result};

/// How the client behaves, whatever the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Time limits.
    pub timeouts: Timeouts,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Get a new token when the current one expires within this.
    pub reauth_margin: Duration,
    /// `--insecure`: accept any server certificate (overrides the cloud).
    pub insecure: bool,
    /// `--cacert`: trust this PEM bundle (overrides the cloud's `cacert`).
    pub cacert: Option<PathBuf>,
    /// Bytes read from an upload source at a time.
    pub upload_chunk: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            reauth_margin: Duration::from_secs(120),
            insecure: false,
            cacert: None,
            upload_chunk: 256 * 1024,
        }
    }
}

/// Glance and Barbican without Keystone (`--glance-url`,
/// `--barbican-url`, `--token`).
#[derive(Clone, PartialEq, Eq)]
pub struct DirectEndpoints {
    /// Glance's base URL (with or without `/v2`).
    pub glance: String,
    /// Barbican's base URL (with or without `/v1`).
    pub barbican: String,
    /// The token sent as `X-Auth-Token`.
    pub token: String,
}

impl std::fmt::Debug for DirectEndpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectEndpoints")
            .field("glance", &self.glance)
            .field("barbican", &self.barbican)
            .field("token", &"<redacted>")
            .finish()
    }
}

struct TokenState {
    session: Option<Session>,
    token: String,
    generation: u64,
}

/// What every scope of one connection shares.
pub(crate) struct Core {
    http: reqwest::Client,
    keystone: Option<KeystoneAuth>,
    state: tokio::sync::RwLock<TokenState>,
    reauth: tokio::sync::Mutex<()>,
    redactor: RwLock<Redactor>,
    pub(crate) glance: String,
    pub(crate) barbican: String,
    pub(crate) project_id: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) options: ClientOptions,
}

/// A connection to one project's Glance and Barbican (live, or the mocks).
///
/// Cheap to clone. Each [`Client::scope`] shares the connection and token
/// but has its own journal of exchanges and its own [`Cleanup`] registry:
/// give each case one.
#[derive(Clone)]
pub struct Client {
    pub(crate) core: Arc<Core>,
    journal: Arc<Mutex<Vec<Exchange>>>,
    pub(crate) registry: Arc<Registry>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("glance", &self.core.glance)
            .field("barbican", &self.core.barbican)
            .finish_non_exhaustive()
    }
}

fn http_client(
    options: &ClientOptions,
    verify: bool,
    cacert: Option<&PathBuf>,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.timeouts.connect)
        .redirect(origin::redirect_policy())
        .danger_accept_invalid_certs(!verify || options.insecure)
        .user_agent(concat!("imgsig/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = options.cacert.as_ref().or(cacert) {
        let pem = crate::files::read_small(path)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::Config(format!(
                "{}: not a PEM CA bundle ({e}); give the CA certificate(s) in PEM with \
                 --cacert or OS_CACERT",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(Error::Config(format!(
                "{}: no PEM certificate in it; give the CA certificate(s) in PEM with --cacert \
                 or OS_CACERT",
                path.display()
            )));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot set up the HTTP client: {e}")))
}

impl Client {
    fn assemble(core: Core) -> Client {
        let core = Arc::new(core);
        Client {
            registry: Arc::new(Registry::new(core.clone())),
            core,
            journal: Arc::default(),
        }
    }

    /// Authenticate with Keystone as `cloud` says and find Glance (`image`)
    /// and Barbican (`key-manager`) in the catalog (or take the cloud's
    /// endpoint overrides).
    pub async fn connect(cloud: &CloudConfig, options: &ClientOptions) -> Result<Client> {
        let http = http_client(options, cloud.tls.verify, cloud.tls.cacert.as_ref())?;
        let mut redactor = Redactor::new(cloud.auth.secrets());
        let (session, exchange) = keystone::authenticate(
            &http,
            &cloud.auth,
            &options.timeouts,
            &options.retry,
            &redactor,
        )
        .await?;
        redactor.add(session.token.clone());
        let region = cloud.region_name.as_deref();
        let glance = match &cloud.image_endpoint {
            Some(url) => url.clone(),
            None => session.catalog.endpoint("image", cloud.interface, region)?,
        };
        let barbican = match &cloud.key_manager_endpoint {
            Some(url) => url.clone(),
            None => session
                .catalog
                .endpoint("key-manager", cloud.interface, region)?,
        };
        let client = Client::assemble(Core {
            http,
            keystone: Some(cloud.auth.clone()),
            state: tokio::sync::RwLock::new(TokenState {
                token: session.token.clone(),
                session: Some(session.clone()),
                generation: 0,
            }),
            reauth: tokio::sync::Mutex::new(()),
            redactor: RwLock::new(redactor),
            glance: base_url(&glance, "v2"),
            barbican: base_url(&barbican, "v1"),
            project_id: session.project_id.clone(),
            user_id: session.user_id.clone(),
            options: options.clone(),
        });
        client.record(exchange);
        Ok(client)
    }

    /// Talk to Glance and Barbican directly with a given token (no
    /// Keystone: the token is never renewed).
    pub fn direct(endpoints: &DirectEndpoints, options: &ClientOptions) -> Result<Client> {
        let http = http_client(options, true, None)?;
        Ok(Client::assemble(Core {
            http,
            keystone: None,
            state: tokio::sync::RwLock::new(TokenState {
                session: None,
                token: endpoints.token.clone(),
                generation: 0,
            }),
            reauth: tokio::sync::Mutex::new(()),
            redactor: RwLock::new(Redactor::new([endpoints.token.clone()])),
            glance: base_url(&endpoints.glance, "v2"),
            barbican: base_url(&endpoints.barbican, "v1"),
            project_id: None,
            user_id: None,
            options: options.clone(),
        }))
    }

    pub(crate) fn from_parts(core: Arc<Core>, registry: Arc<Registry>) -> Client {
        Client {
            core,
            journal: Arc::default(),
            registry,
        }
    }

    /// A handle on the same connection with its own journal and cleanup
    /// registry (one per case).
    pub fn scope(&self) -> Client {
        Client {
            core: self.core.clone(),
            journal: Arc::default(),
            registry: Arc::new(Registry::new(self.core.clone())),
        }
    }

    /// The cleanup registry of this scope: everything this scope created.
    pub fn cleanup(&self) -> Cleanup {
        Cleanup::new(self.clone())
    }

    /// The exchanges of this scope so far (redacted).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The exchanges of this scope so far, leaving the journal empty.
    pub fn take_exchanges(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.journal.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The pre-flight of a run: whether Glance and Barbican answer at all
    /// (any HTTP status counts), one try each within the connect timeout,
    /// without the token. An error names the service and its URL.
    pub async fn reach(&self) -> Result<()> {
        let services = [
            ("Glance", &self.core.glance),
            ("Barbican", &self.core.barbican),
        ];
        for (service, url) in services {
            let out = Outgoing::new(reqwest::Method::GET, format!("{url}/"), None)
                .timeout(self.core.options.timeouts.connect);
            let sent = transport::send_and_read(
                &self.core.http,
                service,
                out,
                &RetryPolicy::NONE,
                &self.redactor(),
            )
            .await;
            if let Err(e) = sent {
                return Err(Error::Config(format!(
                    "{service} at {url} cannot be reached, so no case was run: {e}"
                )));
            }
        }
        Ok(())
    }

    /// Glance's base URL (no `/v2`).
    pub fn glance_url(&self) -> &str {
        &self.core.glance
    }

    /// Barbican's base URL (no `/v1`).
    pub fn barbican_url(&self) -> &str {
        &self.core.barbican
    }

    /// The project the token is scoped to, if Keystone said.
    pub fn project_id(&self) -> Option<&str> {
        self.core.project_id.as_deref()
    }

    /// The user the token is for, if Keystone said.
    pub fn user_id(&self) -> Option<&str> {
        self.core.user_id.as_deref()
    }

    /// Keystone's auth URL, when the client authenticated there.
    pub fn auth_url(&self) -> Option<String> {
        self.core.keystone.as_ref().map(|k| k.auth_url.clone())
    }

    /// `Glance <url>, Barbican <url>`.
    pub fn describe(&self) -> String {
        format!(
            "Glance {}, Barbican {}",
            self.core.glance, self.core.barbican
        )
    }

    /// Text with the connection's secrets removed.
    pub fn redact(&self, text: &str) -> String {
        self.redactor().redact(text)
    }

    pub(crate) fn redactor(&self) -> Redactor {
        self.core
            .redactor
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn record(&self, exchange: Exchange) {
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);
    }

    /// Record the exchange of a failure that has one.
    pub(crate) fn record_error(&self, e: &Error) {
        if let Some(x) = e.exchange() {
            self.record(x.clone());
        }
    }

    /// The current token, renewed first if it is about to expire.
    pub(crate) async fn token(&self) -> Result<(String, u64)> {
        let (token, generation, expiring) = {
            let state = self.core.state.read().await;
            let expiring = state
                .session
                .as_ref()
                .is_some_and(|s| s.expiring(self.core.options.reauth_margin));
            (state.token.clone(), state.generation, expiring)
        };
        if expiring {
            return self.reauthenticate(generation).await;
        }
        Ok((token, generation))
    }

    /// Get a new token unless another task already replaced generation
    /// `seen`.
    async fn reauthenticate(&self, seen: u64) -> Result<(String, u64)> {
        let Some(auth) = &self.core.keystone else {
            let state = self.core.state.read().await;
            return Ok((state.token.clone(), state.generation));
        };
        let _one_at_a_time = self.core.reauth.lock().await;
        {
            let state = self.core.state.read().await;
            if state.generation != seen {
                return Ok((state.token.clone(), state.generation));
            }
        }
        let options = &self.core.options;
        let result = keystone::authenticate(
            &self.core.http,
            auth,
            &options.timeouts,
            &options.retry,
            &self.redactor(),
        )
        .await;
        let (session, exchange) = match result {
            Ok(ok) => ok,
            Err(e) => {
                self.record_error(&e);
                return Err(e);
            }
        };
        self.record(exchange);
        self.core
            .redactor
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .add(session.token.clone());
        let mut state = self.core.state.write().await;
        state.token = session.token.clone();
        state.session = Some(session);
        state.generation += 1;
        Ok((state.token.clone(), state.generation))
    }

    /// Send `out` with the token, read the answer, record the exchange. A
    /// 401 from a service with a Keystone token renews the token once and
    /// tries again (when the body can be replayed).
    pub(crate) async fn execute(&self, service: &'static str, out: Outgoing) -> Result<Reply> {
        let result = self.execute_inner(service, out).await;
        match &result {
            Ok(reply) => self.record(reply.exchange.clone()),
            Err(e) => self.record_error(e),
        }
        result
    }

    /// `Ok` if `url` is on Glance's or Barbican's origin, the only places
    /// the token goes.
    fn check_token_target(&self, url: &str) -> Result<()> {
        origin::check_token_target(url, &[&self.core.glance, &self.core.barbican])
    }

    async fn execute_inner(&self, service: &'static str, mut out: Outgoing) -> Result<Reply> {
        self.check_token_target(&out.url)?;
        let (token, generation) = self.token().await?;
        out.token = Some(token);
        let options = &self.core.options;
        let retry_body = match (&out.payload, self.core.keystone.is_some()) {
            (Payload::Empty, true) => Some(None),
            (Payload::Bytes(b), true) => Some(Some(b.clone())),
            _ => None,
        };
        let (method, url, accept, content_type, timeout) = (
            out.method.clone(),
            out.url.clone(),
            out.accept,
            out.content_type,
            out.timeout,
        );
        let redactor = self.redactor();
        let reply =
            transport::send_and_read(&self.core.http, service, out, &options.retry, &redactor)
                .await?;
        match retry_body {
            Some(body) if reply.status == 401 => {
                self.record(reply.exchange);
                let (token, _) = self.reauthenticate(generation).await?;
                let again = Outgoing {
                    method,
                    url,
                    token: Some(token),
                    accept,
                    content_type,
                    payload: body.map_or(Payload::Empty, Payload::Bytes),
                    timeout,
                };
                transport::send_and_read(
                    &self.core.http,
                    service,
                    again,
                    &options.retry,
                    &self.redactor(),
                )
                .await
            }
            _ => Ok(reply),
        }
    }

    /// Send `out` with the token and hand back the response unread (for
    /// data transfers); the exchange is recorded by the caller.
    pub(crate) async fn execute_raw(
        &self,
        service: &'static str,
        mut out: Outgoing,
    ) -> Result<(reqwest::Response, Exchange)> {
        self.check_token_target(&out.url)?;
        let (token, _) = self.token().await?;
        out.token = Some(token);
        let result = transport::send(
            &self.core.http,
            service,
            out,
            &self.core.options.retry,
            &self.redactor(),
        )
        .await;
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }
}

/// `Err(Api)` unless the reply is 2xx.
pub(crate) fn expect_ok(service: &'static str, reply: Reply) -> Result<Reply> {
    if reply.ok() {
        Ok(reply)
    } else {
        Err(Error::Api(Box::new(ApiFailure {
            service,
            exchange: reply.exchange,
        })))
    }
}
