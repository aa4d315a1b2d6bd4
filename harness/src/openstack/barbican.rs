//! Barbican v1: store a certificate (or any) secret, read its metadata,
//! delete it, list secrets by name prefix.

use reqwest::Method;
use serde_json::{json, Value};

use super::cleanup::Resource;
use super::client::{expect_ok, Client};
use super::transport::Outgoing;
use crate::{Error, Result};

const BARBICAN: &str = "Barbican";
/// Secrets asked for per page when listing (Barbican's maximum is 100).
const PAGE: usize = 100;
/// Pages read at most when listing.
const MAX_PAGES: usize = 1000;

/// A secret to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSecret {
    /// Its name (carry the run tag: [`crate::tag::RunTag::name`]).
    pub name: String,
    /// The payload bytes (sent base64-encoded).
    pub payload: Vec<u8>,
    /// `certificate`, `opaque`, `public` … (sent as given).
    pub secret_type: String,
    /// `algorithm`, if any.
    pub algorithm: Option<String>,
    /// `expiration` (ISO 8601), if any.
    pub expiration: Option<String>,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("name", &self.name)
            .field("payload_len", &self.payload.len())
            .field("secret_type", &self.secret_type)
            .finish_non_exhaustive()
    }
}

impl NewSecret {
    /// A certificate secret (PEM or DER payload).
    pub fn certificate(name: impl Into<String>, payload: impl Into<Vec<u8>>) -> NewSecret {
        NewSecret {
            name: name.into(),
            payload: payload.into(),
            secret_type: "certificate".into(),
            algorithm: None,
            expiration: None,
        }
    }

    /// The request body: `payload` base64, `application/octet-stream`,
    /// `payload_content_encoding: base64`.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "name": self.name,
            "secret_type": self.secret_type,
            "payload": crate::spec::base64::encode(&self.payload),
            "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64",
        });
        if let Some(a) = &self.algorithm {
            body["algorithm"] = a.clone().into();
        }
        if let Some(x) = &self.expiration {
            body["expiration"] = x.clone().into();
        }
        body
    }
}

/// A stored secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The uuid (what `img_signature_certificate_uuid` names).
    pub id: String,
    /// The `secret_ref` URL.
    pub href: String,
}

/// A secret's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretInfo {
    /// The uuid.
    pub id: String,
    /// The `secret_ref` URL.
    pub href: String,
    /// Its name.
    pub name: Option<String>,
    /// `certificate` …
    pub secret_type: Option<String>,
    /// `ACTIVE` …
    pub status: Option<String>,
    /// The whole record.
    pub raw: Value,
}

/// The uuid at the end of a `secret_ref`.
pub fn secret_id(href: &str) -> Option<String> {
    href.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|id| !id.is_empty() && !id.contains(':'))
        .map(str::to_owned)
}

impl SecretInfo {
    /// Parse a secret's metadata (`GET /v1/secrets/<id>`, an entry of a
    /// list); `None` without a usable `secret_ref`.
    pub fn from_json(v: &Value) -> Option<SecretInfo> {
        let href = v.get("secret_ref")?.as_str()?.to_owned();
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(SecretInfo {
            id: secret_id(&href)?,
            href,
            name: s("name"),
            secret_type: s("secret_type"),
            status: s("status"),
            raw: v.clone(),
        })
    }
}

impl Client {
    fn secrets_url(&self) -> String {
        format!("{}/v1/secrets", self.core.barbican)
    }

    /// Store a secret (`POST /v1/secrets` → 201 `secret_ref`); registered
    /// for cleanup. A refusal is `Err(Error::Api)` with the exchange.
    pub async fn store_secret(&self, secret: &NewSecret) -> Result<SecretRef> {
        let out = Outgoing::json(Method::POST, self.secrets_url(), None, &secret.to_json())
            .timeout(self.core.options.timeouts.request);
        let reply = expect_ok(BARBICAN, self.execute(BARBICAN, out).await?)?;
        let href = serde_json::from_str::<Value>(&reply.body)
            .ok()
            .and_then(|v| v.get("secret_ref")?.as_str().map(str::to_owned))
            .or_else(|| {
                reply
                    .headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .map(str::to_owned)
            })
            .ok_or_else(|| {
                Error::Config(format!(
                    "Barbican answered {} to {} without a secret_ref: is this URL really \
                     Barbican v1?",
                    reply.status,
                    reply.exchange.request_line()
                ))
            })?;
        let id = secret_id(&href).ok_or_else(|| {
            Error::Config(format!("Barbican returned an odd secret_ref {href:?}"))
        })?;
        self.registry.add(Resource::Secret {
            id: id.clone(),
            name: secret.name.clone(),
        });
        Ok(SecretRef { id, href })
    }

    /// Store a certificate (`secret_type: certificate`).
    pub async fn store_certificate(&self, name: &str, payload: &[u8]) -> Result<SecretRef> {
        self.store_secret(&NewSecret::certificate(name, payload))
            .await
    }

    /// A secret's metadata, or `None` if Barbican says 404.
    pub async fn secret(&self, id: &str) -> Result<Option<SecretInfo>> {
        let out = Outgoing::new(Method::GET, format!("{}/{id}", self.secrets_url()), None)
            .timeout(self.core.options.timeouts.request);
        let reply = self.execute(BARBICAN, out).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let reply = expect_ok(BARBICAN, reply)?;
        Ok(serde_json::from_str::<Value>(&reply.body)
            .ok()
            .as_ref()
            .and_then(SecretInfo::from_json))
    }

    /// Let `user` read the secret from any project: its read ACL names
    /// only that user and keeps the project's access (`PUT
    /// /v1/secrets/<id>/acl`).
    pub async fn share_secret(&self, id: &str, user: &str) -> Result<()> {
        let body = serde_json::json!({"read": {"users": [user], "project-access": true}});
        let out = Outgoing::json(
            Method::PUT,
            format!("{}/{id}/acl", self.secrets_url()),
            None,
            &body,
        )
        .timeout(self.core.options.timeouts.request);
        expect_ok(BARBICAN, self.execute(BARBICAN, out).await?).map(|_| ())
    }

    /// Delete a secret; `false` if it was already gone (404).
    pub async fn delete_secret(&self, id: &str) -> Result<bool> {
        let out = Outgoing::new(Method::DELETE, format!("{}/{id}", self.secrets_url()), None)
            .timeout(self.core.options.timeouts.request);
        let reply = self.execute(BARBICAN, out).await?;
        if reply.status == 404 {
            return Ok(false);
        }
        expect_ok(BARBICAN, reply).map(|_| true)
    }

    /// The secrets whose names start with `prefix` (all pages, filtered
    /// here: Barbican filters by exact name only).
    pub async fn list_secrets(&self, prefix: &str) -> Result<Vec<SecretInfo>> {
        let mut found = Vec::new();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let url = format!("{}?limit={PAGE}&offset={offset}", self.secrets_url());
            let out =
                Outgoing::new(Method::GET, url, None).timeout(self.core.options.timeouts.request);
            let reply = expect_ok(BARBICAN, self.execute(BARBICAN, out).await?)?;
            let page: Value = serde_json::from_str(&reply.body).map_err(|e| {
                Error::Config(format!(
                    "Barbican answered {} to {} with a body that is not JSON ({e})",
                    reply.status,
                    reply.exchange.request_line()
                ))
            })?;
            let items: Vec<&Value> = page
                .get("secrets")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let count = items.len();
            found.extend(
                items
                    .into_iter()
                    .filter_map(SecretInfo::from_json)
                    .filter(|s| s.name.as_deref().is_some_and(|n| n.starts_with(prefix))),
            );
            offset += count;
            let total = page
                .get("total")
                .and_then(Value::as_u64)
                .and_then(|t| usize::try_from(t).ok());
            let more = match total {
                Some(total) => offset < total,
                None => page.get("next").is_some(),
            };
            if count == 0 || !more {
                break;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_from_refs() {
        assert_eq!(
            secret_id("http://127.0.0.1:29311/v1/secrets/23829631-0d35-4bdf-8cec-03bc38690819")
                .as_deref(),
            Some("23829631-0d35-4bdf-8cec-03bc38690819")
        );
        assert_eq!(
            secret_id("http://h/v1/secrets/abc/").as_deref(),
            Some("abc")
        );
        assert_eq!(secret_id("").as_deref(), None);
    }

    #[test]
    fn store_body_as_the_transcript() {
        let body =
            NewSecret::certificate("wire", b"-----BEGIN CERTIFICATE-----\n".to_vec()).to_json();
        assert_eq!(body["secret_type"], "certificate");
        assert_eq!(body["payload_content_type"], "application/octet-stream");
        assert_eq!(body["payload_content_encoding"], "base64");
        assert_eq!(body["payload"], "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==");
        assert!(body.get("algorithm").is_none());
    }
}
