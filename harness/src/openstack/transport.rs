//! One HTTP exchange with retries of transient failures, recorded as
//! redacted evidence.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::Method;

use super::evidence::{excerpt, Exchange, Redactor, BODY_EXCERPT_CHARS, HEADERS_OF_INTEREST};
use super::failure::TransportFailure;
use super::origin::{cross_origin_redirect, same_origin};
use super::retry::{retry_after, transient_status, transient_transport, RetryPolicy};
use crate::{Error, Result};

/// The most of a (non-data) response body read into memory.
const BODY_LIMIT: usize = 16 << 20;

/// A request body.
pub(crate) enum Payload {
    /// No body.
    Empty,
    /// A small body that can be sent again.
    Bytes(Vec<u8>),
    /// A stream, sent once (never retried), with its length if known.
    Stream(reqwest::Body, Option<u64>),
}

/// A request, ready to send.
pub(crate) struct Outgoing {
    pub method: Method,
    pub url: String,
    pub token: Option<String>,
    pub accept: &'static str,
    pub content_type: Option<&'static str>,
    pub payload: Payload,
    pub timeout: Duration,
}

impl Outgoing {
    /// A request without a body.
    pub fn new(method: Method, url: String, token: Option<String>) -> Outgoing {
        Outgoing {
            method,
            url,
            token,
            accept: "application/json",
            content_type: None,
            payload: Payload::Empty,
            timeout: Duration::from_secs(60),
        }
    }

    /// A request with a JSON body.
    pub fn json(
        method: Method,
        url: String,
        token: Option<String>,
        body: &serde_json::Value,
    ) -> Outgoing {
        let mut out = Outgoing::new(method, url, token);
        out.content_type = Some("application/json");
        out.payload = Payload::Bytes(body.to_string().into_bytes());
        out
    }

    /// With this time limit for the whole exchange.
    pub fn timeout(mut self, timeout: Duration) -> Outgoing {
        self.timeout = timeout;
        self
    }

    /// Whether the body can be sent again.
    pub fn replayable(&self) -> bool {
        !matches!(self.payload, Payload::Stream(..))
    }

    fn build(&mut self, http: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut rb = http
            .request(self.method.clone(), &self.url)
            .timeout(self.timeout)
            .header(reqwest::header::ACCEPT, self.accept);
        if let Some(token) = &self.token {
            rb = rb.header("X-Auth-Token", token);
        }
        if let Some(ct) = self.content_type {
            rb = rb.header(reqwest::header::CONTENT_TYPE, ct);
        }
        match std::mem::replace(&mut self.payload, Payload::Empty) {
            Payload::Empty => {}
            Payload::Bytes(b) => {
                rb = rb.body(b.clone());
                self.payload = Payload::Bytes(b);
            }
            Payload::Stream(body, len) => {
                if let Some(len) = len {
                    rb = rb.header(reqwest::header::CONTENT_LENGTH, len);
                }
                rb = rb.body(body);
            }
        }
        rb
    }
}

/// A response whose body has been read (bounded).
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    pub exchange: Exchange,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn record_headers(exchange: &mut Exchange, headers: &HeaderMap, redactor: &Redactor) {
    exchange.headers = HEADERS_OF_INTEREST
        .iter()
        .filter_map(|name| {
            let v = headers.get(*name)?;
            let v = String::from_utf8_lossy(v.as_bytes());
            Some(((*name).to_owned(), redactor.redact(&v)))
        })
        .collect();
}

/// The whole cause chain of a reqwest error, redacted.
fn describe(e: &reqwest::Error, redactor: &Redactor) -> String {
    let mut text = if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    redactor.redact(&text)
}

/// Where a redirect the client did not follow leads, if `response` is one
/// (the redirect rule stops only at another origin: [`super::origin`]).
fn unfollowed_redirect(response: &reqwest::Response) -> Option<String> {
    if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get(reqwest::header::LOCATION)?;
    let target = response.url().join(location.to_str().ok()?).ok()?;
    (!same_origin(target.as_str(), response.url().as_str())).then(|| target.to_string())
}

/// Send `out`, retrying transient failures; the response (body unread)
/// and its evidence, or a [`TransportFailure`].
pub(crate) async fn send(
    http: &reqwest::Client,
    service: &'static str,
    mut out: Outgoing,
    policy: &RetryPolicy,
    redactor: &Redactor,
) -> Result<(reqwest::Response, Exchange)> {
    let started = Instant::now();
    let mut exchange = Exchange::new(out.method.as_str(), &redactor.redact(&out.url));
    let attempts = if out.replayable() {
        policy.attempts.max(1)
    } else {
        1
    };
    for attempt in 1..=attempts {
        exchange.attempts = attempt;
        let last = attempt == attempts;
        match out.build(http).send().await {
            Err(e) => {
                if !last && transient_transport(&e) {
                    tokio::time::sleep(policy.backoff(attempt, None)).await;
                    continue;
                }
                exchange.transport_error = Some(describe(&e, redactor));
                exchange.set_elapsed(started.elapsed());
                return Err(Error::Transport(Box::new(TransportFailure {
                    service,
                    exchange,
                    timed_out_after: e.is_timeout().then_some(out.timeout),
                })));
            }
            Ok(response) => {
                let status = response.status().as_u16();
                if let Some(location) = unfollowed_redirect(&response) {
                    return Err(cross_origin_redirect(
                        service,
                        &exchange.request_line(),
                        &redactor.redact(&location),
                    ));
                }
                if !last && transient_status(&out.method, status) {
                    let pause = policy.backoff(attempt, retry_after(response.headers()));
                    drop(response);
                    tokio::time::sleep(pause).await;
                    continue;
                }
                exchange.status = Some(status);
                record_headers(&mut exchange, response.headers(), redactor);
                exchange.set_elapsed(started.elapsed());
                return Ok((response, exchange));
            }
        }
    }
    // Unreachable: the loop returns on its last try.
    exchange.set_elapsed(started.elapsed());
    Err(Error::Transport(Box::new(TransportFailure {
        service,
        exchange,
        timed_out_after: None,
    })))
}

/// Read a body, at most [`BODY_LIMIT`] bytes.
pub(crate) async fn read_body(
    service: &'static str,
    mut response: reqwest::Response,
    mut exchange: Exchange,
    timeout: Duration,
    redactor: &Redactor,
) -> Result<Reply> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = BODY_LIMIT.saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                exchange.transport_error = Some(describe(&e, redactor));
                return Err(Error::Transport(Box::new(TransportFailure {
                    service,
                    exchange,
                    timed_out_after: e.is_timeout().then_some(timeout),
                })));
            }
        }
    }
    let body = String::from_utf8_lossy(&bytes).into_owned();
    exchange.body_excerpt = excerpt(&redactor.redact(&body), BODY_EXCERPT_CHARS);
    Ok(Reply {
        status,
        headers,
        body,
        exchange,
    })
}

/// [`send`] then [`read_body`].
pub(crate) async fn send_and_read(
    http: &reqwest::Client,
    service: &'static str,
    out: Outgoing,
    policy: &RetryPolicy,
    redactor: &Redactor,
) -> Result<Reply> {
    let timeout = out.timeout;
    let (response, exchange) = send(http, service, out, policy, redactor).await?;
    read_body(service, response, exchange, timeout, redactor).await
}
