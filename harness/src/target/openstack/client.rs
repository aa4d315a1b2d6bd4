//! The HTTP client: a token, Barbican and Glance, and the evidence of every
//! exchange.

use std::io::Read;
use std::time::Duration;

use futures_util::stream;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::keystone::{endpoint, Credentials};
use super::message::error_message;
use crate::outcome::{Evidence, ImageState};
use crate::run::Secret;
use crate::spec::PropertyMap;
use crate::{Error, Result};

const EXCERPT: usize = 600;
const UPLOAD_CHUNK: usize = 1 << 20;
/// Tries of one exchange with a transient failure.
const ATTEMPTS: u32 = 3;

/// One HTTP answer, kept as evidence.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The body (bounded).
    pub body: String,
    /// The exchange, for a report.
    pub evidence: Evidence,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error message in the body.
    pub fn message(&self) -> String {
        error_message(&self.body)
    }
}

/// A connection to one project of an OpenStack cloud (or of the mocks).
#[derive(Debug, Clone)]
pub struct OpenStack {
    http: reqwest::Client,
    token: String,
    glance: String,
    barbican: String,
}

/// TLS settings (`verify`/`cacert` in clouds.yaml, `OS_CACERT`,
/// `--insecure`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// Accept any server certificate.
    pub insecure: bool,
    /// Trust this CA bundle (PEM) besides the system's.
    pub cacert: Option<std::path::PathBuf>,
}

fn http_client(timeout: Duration, tls: &Tls) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(timeout)
        .danger_accept_invalid_certs(tls.insecure);
    if let Some(path) = &tls.cacert {
        let pem = std::fs::read(path).map_err(Error::io(path))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| Error::Config(format!("{}: not a PEM CA bundle: {e}", path.display())))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::Http(format!("cannot build the HTTP client: {e}")))
}

fn transport(what: &str, url: &str, e: &reqwest::Error) -> Error {
    Error::Http(format!("{what} {url}: {e}"))
}

impl OpenStack {
    /// Authenticate with Keystone and find Glance and Barbican in the
    /// catalog.
    pub async fn connect(creds: &Credentials, timeout: Duration, tls: &Tls) -> Result<OpenStack> {
        let http = http_client(timeout, tls)?;
        let url = creds.tokens_url();
        let response = http
            .post(&url)
            .json(&creds.auth_body())
            .send()
            .await
            .map_err(|e| transport("cannot reach Keystone at", &url, &e))?;
        let status = response.status();
        let token = response
            .headers()
            .get("X-Subject-Token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .text()
            .await
            .map_err(|e| transport("reading Keystone's answer from", &url, &e))?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(Error::Config(format!(
                "Keystone at {url} refused the credentials of user {:?} in project {:?} (401): \
                 check OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME and the domains",
                creds.username, creds.project_name
            )));
        }
        if !status.is_success() {
            return Err(Error::Config(format!(
                "Keystone at {url} answered {status}: {}",
                error_message(&body)
            )));
        }
        let token = token.ok_or_else(|| {
            Error::Config(format!(
                "Keystone at {url} issued no X-Subject-Token header"
            ))
        })?;
        let region = creds.region_name.as_deref();
        Ok(OpenStack {
            glance: endpoint(&body, "image", creds.interface, region)?,
            barbican: endpoint(&body, "key-manager", creds.interface, region)?,
            token,
            http,
        })
    }

    /// Use a token and explicit endpoints (deployments without Keystone,
    /// or a token from elsewhere).
    pub fn with_token(
        glance: &str,
        barbican: &str,
        token: &str,
        timeout: Duration,
        tls: &Tls,
    ) -> Result<OpenStack> {
        Ok(OpenStack {
            http: http_client(timeout, tls)?,
            token: token.to_owned(),
            glance: glance.trim_end_matches('/').to_owned(),
            barbican: barbican.trim_end_matches('/').to_owned(),
        })
    }

    /// `Glance <url>, Barbican <url>`.
    pub fn describe(&self) -> String {
        format!("Glance {}, Barbican {}", self.glance, self.barbican)
    }

    /// One exchange with a replayable body, retried when the failure is
    /// transient: a refused connection (any method), and for idempotent
    /// methods also a timeout or a 500/502/503/504 answer; at most
    /// [`ATTEMPTS`] tries with a doubling pause.
    async fn call(
        &self,
        method: Method,
        url: String,
        body: Option<String>,
        content_type: Option<&str>,
    ) -> Result<Response> {
        let idempotent = matches!(method, Method::GET | Method::DELETE | Method::HEAD);
        let mut pause = Duration::from_millis(200);
        for attempt in 1..=ATTEMPTS {
            let result = self
                .send(
                    method.clone(),
                    &url,
                    body.clone().map(reqwest::Body::from),
                    content_type,
                )
                .await;
            let transient = match &result {
                Err(e) => e.is_connect() || (idempotent && e.is_timeout()),
                Ok(r) => idempotent && matches!(r.status, 500 | 502 | 503 | 504),
            };
            if !transient || attempt == ATTEMPTS {
                return result.map_err(|e| transport(method.as_str(), &url, &e));
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        Err(Error::Http(format!("{method} {url}: no attempt made")))
    }

    /// One exchange, as it happens.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<reqwest::Body>,
        content_type: Option<&str>,
    ) -> std::result::Result<Response, reqwest::Error> {
        let mut request = self
            .http
            .request(method.clone(), url)
            .header("X-Auth-Token", &self.token)
            .header("Accept", "application/json");
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        let body: String = body.chars().take(64 * 1024).collect();
        Ok(Response {
            status,
            evidence: Evidence {
                request: format!("{method} {url}"),
                status: Some(status),
                body_excerpt: body.chars().take(EXCERPT).collect(),
            },
            body,
        })
    }

    fn json_body(value: &Value) -> Option<String> {
        Some(value.to_string())
    }

    /// Store a secret; its id on success.
    pub async fn store_secret(
        &self,
        name: &str,
        secret: &Secret,
    ) -> Result<(Option<String>, Response)> {
        let body = json!({
            "name": name,
            "secret_type": secret.secret_type,
            "payload": crate::spec::base64::encode(&secret.payload),
            "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64",
        });
        let url = format!("{}/v1/secrets", self.barbican);
        let r = self
            .call(
                Method::POST,
                url,
                Self::json_body(&body),
                Some("application/json"),
            )
            .await?;
        let id = serde_json::from_str::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("secret_ref")?.as_str().map(str::to_owned))
            .and_then(|href| href.rsplit('/').next().map(str::to_owned));
        Ok((id.filter(|_| r.ok()), r))
    }

    /// Delete a secret (a missing one is fine).
    pub async fn delete_secret(&self, id: &str) -> Result<Response> {
        self.call(
            Method::DELETE,
            format!("{}/v1/secrets/{id}", self.barbican),
            None,
            None,
        )
        .await
    }

    /// Create an image with the given properties as top-level fields; its
    /// id on success.
    pub async fn create_image(
        &self,
        name: &str,
        properties: &PropertyMap,
    ) -> Result<(Option<String>, Response)> {
        let mut body = serde_json::Map::new();
        body.insert("name".into(), name.into());
        body.insert("disk_format".into(), "raw".into());
        body.insert("container_format".into(), "bare".into());
        for (k, v) in properties {
            body.insert(k.clone(), v.clone().into());
        }
        let url = format!("{}/v2/images", self.glance);
        let r = self
            .call(
                Method::POST,
                url,
                Self::json_body(&Value::Object(body)),
                Some("application/json"),
            )
            .await?;
        let id = serde_json::from_str::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("id")?.as_str().map(str::to_owned));
        Ok((id.filter(|_| r.ok()), r))
    }

    /// Upload image data, streamed from `reader` in 1 MiB chunks.
    pub async fn upload(
        &self,
        id: &str,
        reader: Box<dyn Read + Send>,
        len: u64,
    ) -> Result<Response> {
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
        let producer = tokio::task::spawn_blocking(move || {
            let mut reader = reader;
            loop {
                let mut buf = vec![0u8; UPLOAD_CHUNK];
                match reader.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.blocking_send(Ok(buf)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
        });
        let body = stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let mut body = reqwest::Body::wrap_stream(body);
        if len == 0 {
            body = reqwest::Body::from(Vec::new());
        }
        let url = format!("{}/v2/images/{id}/file", self.glance);
        // A stream cannot be replayed: an upload is never retried.
        let result = self
            .send(
                Method::PUT,
                &url,
                Some(body),
                Some("application/octet-stream"),
            )
            .await
            .map_err(|e| transport("PUT", &url, &e));
        producer.abort();
        result
    }

    /// The image's status, or [`ImageState::Deleted`] if it is gone.
    pub async fn image_state(&self, id: &str) -> Result<(ImageState, Response)> {
        let r = self
            .call(
                Method::GET,
                format!("{}/v2/images/{id}", self.glance),
                None,
                None,
            )
            .await?;
        let state = match r.status {
            404 => ImageState::Deleted,
            s if (200..300).contains(&s) => serde_json::from_str::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("status")?.as_str().map(str::to_owned))
                .map_or(ImageState::Unknown, ImageState::Status),
            _ => ImageState::Unknown,
        };
        Ok((state, r))
    }

    /// Whether the image's data can be downloaded (200 with a body; 204 and
    /// 404 mean no data).
    pub async fn has_data(&self, id: &str) -> Result<(bool, Response)> {
        let url = format!("{}/v2/images/{id}/file", self.glance);
        let response = self
            .http
            .get(&url)
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .map_err(|e| transport("GET", &url, &e))?;
        let status = response.status().as_u16();
        // Read at most one chunk: the question is whether data exists.
        let mut stream = response;
        let first = stream.chunk().await.ok().flatten();
        let has = status == 200 && first.is_some_and(|c| !c.is_empty());
        Ok((
            has,
            Response {
                status,
                body: String::new(),
                evidence: Evidence {
                    request: format!("GET {url}"),
                    status: Some(status),
                    body_excerpt: String::new(),
                },
            },
        ))
    }

    /// Delete an image (a missing one is fine).
    pub async fn delete_image(&self, id: &str) -> Result<Response> {
        self.call(
            Method::DELETE,
            format!("{}/v2/images/{id}", self.glance),
            None,
            None,
        )
        .await
    }

    /// Delete every image and secret whose name says run `tag` created it;
    /// the names deleted.
    pub async fn sweep(&self, tag: &str) -> Result<Vec<String>> {
        let mut deleted = Vec::new();
        let images = self
            .call(
                Method::GET,
                format!("{}/v2/images?limit=1000", self.glance),
                None,
                None,
            )
            .await?;
        for (id, name) in named(&images.body, "images", "id") {
            if crate::run::created_by(&name, tag) && self.delete_image(&id).await?.ok() {
                deleted.push(name);
            }
        }
        let secrets = self
            .call(
                Method::GET,
                format!("{}/v1/secrets?limit=100", self.barbican),
                None,
                None,
            )
            .await?;
        for (href, name) in named(&secrets.body, "secrets", "secret_ref") {
            let id = href.rsplit('/').next().unwrap_or_default().to_owned();
            if crate::run::created_by(&name, tag) && self.delete_secret(&id).await?.ok() {
                deleted.push(name);
            }
        }
        Ok(deleted)
    }
}

/// `(key, name)` pairs of the objects in a list answer.
fn named(body: &str, list: &str, key: &str) -> Vec<(String, String)> {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get(list).and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|o| {
            Some((
                o.get(key)?.as_str()?.to_owned(),
                o.get("name")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}
