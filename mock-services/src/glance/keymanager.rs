//! How Glance reaches Barbican: castellan's barbican backend, over HTTP,
//! with the user's token. Faults injected into the mock Barbican therefore
//! reach Glance exactly as they would in a real deployment. A cloud driven
//! in-process ([`crate::InProcessCloud`]) sends the same requests through
//! the Barbican router instead of a socket.

use std::sync::Weak;
use std::time::Duration;

use axum::http::{header, Request, StatusCode, Uri};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use imgsig_crypto::verify::CertificateLookup;
use serde_json::Value;
use tower::ServiceExt;

use crate::Cloud;

/// The largest secret payload Glance will read (certificates are small).
const MAX_PAYLOAD: usize = 1 << 20;

/// A Barbican client in the shape of castellan's.
#[derive(Debug, Clone)]
pub(crate) struct KeyManager {
    transport: Transport,
    endpoint: String,
    timeout: Duration,
}

/// How requests reach Barbican.
#[derive(Debug, Clone)]
enum Transport {
    /// Over loopback HTTP.
    Http(Box<Client<HttpConnector, Empty<Bytes>>>),
    /// Through the Barbican router of the same cloud (weak: the cloud owns
    /// its key manager).
    InProcess(Weak<Cloud>),
}

/// Why a request to Barbican did not give a usable answer.
enum Fetch {
    NotFound,
    Failed,
}

impl KeyManager {
    /// A client for the Barbican at `endpoint` (no trailing slash).
    pub(crate) fn new(endpoint: String, timeout: Duration) -> KeyManager {
        // No idle connections: each lookup opens its own, so a Barbican
        // made unreachable is unreachable at once.
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http();
        KeyManager {
            transport: Transport::Http(Box::new(client)),
            endpoint,
            timeout,
        }
    }

    /// A client that calls the Barbican router of `cloud` in-process.
    pub(crate) fn in_process(
        cloud: Weak<Cloud>,
        endpoint: String,
        timeout: Duration,
    ) -> KeyManager {
        KeyManager {
            transport: Transport::InProcess(cloud),
            endpoint,
            timeout,
        }
    }

    async fn get(
        &self,
        url: &str,
        token: &str,
        accept: &str,
    ) -> Result<(Bytes, Option<Value>), Fetch> {
        let uri: Uri = url.parse().map_err(|_| Fetch::NotFound)?;
        let req = Request::get(uri)
            .header("X-Auth-Token", token)
            .header(header::ACCEPT, accept)
            .body(Empty::new())
            .map_err(|_| Fetch::Failed)?;
        match &self.transport {
            Transport::Http(client) => {
                let resp = client.request(req).await.map_err(|_| Fetch::Failed)?;
                read_answer(resp).await
            }
            Transport::InProcess(cloud) => {
                let cloud = cloud.upgrade().ok_or(Fetch::Failed)?;
                let resp = crate::barbican::router(cloud)
                    .oneshot(req.map(|_| axum::body::Body::empty()))
                    .await
                    .map_err(|_| Fetch::Failed)?;
                read_answer(resp).await
            }
        }
    }

    async fn lookup(&self, token: &str, id: &str) -> Result<CertificateLookup, Fetch> {
        let secret = format!("{}/v1/secrets/{}", self.endpoint, encode_path_segment(id));
        let (_, meta) = self.get(&secret, token, "application/json").await?;
        let meta = meta.ok_or(Fetch::Failed)?;
        let secret_type = meta
            .get("secret_type")
            .and_then(Value::as_str)
            .unwrap_or("opaque")
            .to_owned();
        let content_type = meta
            .pointer("/content_types/default")
            .and_then(Value::as_str)
            .unwrap_or("application/octet-stream")
            .to_owned();
        let (payload, _) = self
            .get(&format!("{secret}/payload"), token, &content_type)
            .await?;
        Ok(CertificateLookup::from_secret(
            &secret_type,
            payload.to_vec(),
        ))
    }

    /// Fetch certificate `id` with the user's `token`, as castellan does:
    /// secret metadata, then the payload. A 404 is "not found"; anything
    /// else that goes wrong (refused, 5xx, timeout) is "unavailable".
    pub(crate) async fn certificate(&self, token: &str, id: &str) -> CertificateLookup {
        if id.is_empty() {
            return CertificateLookup::NotFound;
        }
        match tokio::time::timeout(self.timeout, self.lookup(token, id)).await {
            Ok(Ok(found)) => found,
            Ok(Err(Fetch::NotFound)) => CertificateLookup::NotFound,
            Ok(Err(Fetch::Failed)) | Err(_) => CertificateLookup::Unavailable,
        }
    }
}

/// A Barbican answer: the body of a 200 (bounded), else why not.
async fn read_answer<B>(resp: axum::http::Response<B>) -> Result<(Bytes, Option<Value>), Fetch>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match resp.status() {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND => return Err(Fetch::NotFound),
        _ => return Err(Fetch::Failed),
    }
    let body = Limited::new(resp.into_body(), MAX_PAYLOAD)
        .collect()
        .await
        .map_err(|_| Fetch::Failed)?
        .to_bytes();
    let json = serde_json::from_slice(&body).ok();
    Ok((body, json))
}

/// Everything but RFC 3986's unreserved characters.
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` as one path segment: everything but unreserved characters encoded.
fn encode_path_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_path_segment;

    #[test]
    fn odd_ids_stay_inside_one_path_segment() {
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_path_segment("é%"), "%C3%A9%25");
        assert_eq!(
            encode_path_segment("089219c4-e839-4de4-80b7-46770c906878"),
            "089219c4-e839-4de4-80b7-46770c906878"
        );
    }
}
