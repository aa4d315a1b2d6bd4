//! What a consumer needs of a cloud beyond an uploader: a secret's payload
//! (as castellan fetches a certificate), the current token and endpoints
//! (handed to consumer adapters), and the mock Glance's test-only control
//! that replaces the data an image serves.

use reqwest::Method;

use super::client::{expect_ok, Client};
use super::failure::ApiFailure;
use super::transport::{Outgoing, Payload};
use crate::{Error, Result};

/// The mock Glance's test control (`imgsig-mock --test-controls`).
const SERVED_DATA: &str = "imgsig-test/images";

impl Client {
    /// A secret's payload (`GET /v1/secrets/<id>/payload`, `Accept:
    /// application/octet-stream`), or `None` if Barbican says 404.
    pub async fn secret_payload(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let mut out = Outgoing::new(
            Method::GET,
            format!("{}/v1/secrets/{id}/payload", self.barbican_url()),
            None,
        )
        .timeout(self.core.options.timeouts.request);
        out.accept = "application/octet-stream";
        let (response, mut exchange) = self.execute_raw("Barbican", out).await?;
        let status = response.status().as_u16();
        let body = response.bytes().await;
        exchange.status = Some(status);
        let body = match body {
            Ok(b) => b.to_vec(),
            Err(e) => {
                exchange.transport_error = Some(self.redact(&e.to_string()));
                self.record(exchange.clone());
                return Err(Error::Api(Box::new(ApiFailure {
                    service: "Barbican",
                    exchange,
                })));
            }
        };
        if !(200..300).contains(&status) {
            exchange.body_excerpt = self.redact(&String::from_utf8_lossy(&body));
        }
        self.record(exchange.clone());
        match status {
            404 => Ok(None),
            200..=299 => Ok(Some(body)),
            _ => Err(Error::Api(Box::new(ApiFailure {
                service: "Barbican",
                exchange,
            }))),
        }
    }

    /// The token in use (renewed first if it is about to expire), for a
    /// consumer process that talks to the same cloud. Never put it in
    /// evidence: exchanges are redacted, this is not.
    pub async fn current_token(&self) -> Result<String> {
        Ok(self.token().await?.0)
    }

    /// Make Glance serve `data` for image `id` from now on, its signature
    /// untouched: the mock Glance's test-only control. `Ok(false)` when the
    /// cloud has no such control (real Glance, or a mock without
    /// `--test-controls`). A mock without the control answers 404; Glance 33
    /// answers a path outside its versions with its version list (300
    /// Multiple Choices, measured on `cargo xtask live`).
    pub async fn replace_served_data(&self, id: &str, data: Vec<u8>) -> Result<bool> {
        let mut out = Outgoing::new(
            Method::PUT,
            format!("{}/{SERVED_DATA}/{id}/data", self.glance_url()),
            None,
        )
        .timeout(self.core.options.timeouts.request);
        out.content_type = Some("application/octet-stream");
        out.payload = Payload::Bytes(data);
        let reply = self.execute("Glance", out).await?;
        if matches!(reply.status, 300 | 404) && !reply.body.contains(id) {
            return Ok(false);
        }
        expect_ok("Glance", reply).map(|_| true)
    }
}
