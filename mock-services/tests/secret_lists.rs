//! Which secrets a list finds: Barbican's filters (`name`, `alg` and
//! `mode` as SQL `LIKE`, `bits`, `secret_type`, the `created`, `updated`
//! and `expiration` date ranges), `sort`, and its answers to filters and
//! sorts it cannot read or that are given twice. castellan lists a
//! project's certificates with `?secret_type=certificate`.
//!
//! The answers are the live Barbican 23's, recorded in
//! `tests/fixtures/barbican23-lists.jsonl`; the mock must give the same. To
//! record them again from the real services:
//!
//! ```text
//! cargo xtask live up
//! IMGSIG_RECORD_BARBICAN23="$PWD"/target/live/clouds.yaml \
//!     cargo test -p imgsig-mock --test secret_lists -- --ignored
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::barbican;
use common::scenario::{record, replay, Actor, Line, Scenario, Service};
use reqwest::Method;
use serde_json::{json, Value};

/// A secret of the scenario, as stored.
struct Stored {
    label: &'static str,
    secret_type: &'static str,
    algorithm: Option<&'static str>,
    bit_length: Option<u64>,
    mode: Option<&'static str>,
    expiration: Option<&'static str>,
}

/// The scenario's secrets.
const SECRETS: [Stored; 3] = [
    Stored {
        label: "rsa",
        secret_type: "certificate",
        algorithm: Some("RSA"),
        bit_length: Some(2048),
        mode: Some("cbc"),
        expiration: None,
    },
    Stored {
        label: "aes",
        secret_type: "opaque",
        algorithm: Some("aes"),
        bit_length: Some(256),
        mode: Some("CBC"),
        expiration: Some("2100-01-01T00:00:00"),
    },
    Stored {
        label: "bare",
        secret_type: "certificate",
        algorithm: None,
        bit_length: None,
        mode: None,
        expiration: None,
    },
];

/// Every list names the scenario's secrets (the live project has others).
const LIST: &str = "/v1/secrets?name=imgsig-lst-%25";

/// The list queries, each after [`LIST`]; `{created:aes}` is the
/// creation time of `aes` as Barbican shows it.
const QUERIES: &[&str] = &[
    // Types match exactly; algorithms and modes as `LIKE`.
    "secret_type=certificate",
    "secret_type=Certificate",
    "secret_type=cert%25",
    "secret_type=",
    "alg=rsa",
    "alg=a%25",
    "alg=",
    "mode=cbc",
    "mode=c_c",
    // `bits` is an `int()`; anything else, or 0 or less, filters nothing.
    "bits=2048",
    "bits=%2B256",
    "bits=x",
    "bits=-1",
    "bits=2048.0",
    "bits=",
    // A parameter Barbican reads, given twice, is a 500; others are not.
    "name=x",
    "bits=1&bits=2",
    "alg=aes&alg=rsa",
    "mode=a&mode=b",
    "secret_type=opaque&secret_type=certificate",
    "acl_only=true&acl_only=false",
    "offset=1&offset=2",
    "limit=1&limit=2",
    "sort=name&sort=mode",
    "created=gt:2000-01-01&created=gt:2000-01-01",
    "updated=&updated=",
    "expiration=x&expiration=y",
    "foo=1&foo=2",
    // The sort is checked before `alg` is read, `name` before the sort.
    "alg=a&alg=b&sort=x",
    "name=x&sort=x",
    // Sorts: a missing value first, text by its bytes.
    "sort=name:desc",
    "sort=algorithm",
    "sort=algorithm:desc",
    "sort=bit_length:desc,name",
    "sort=mode,algorithm:desc",
    "sort=status,name:desc",
    "sort=secret_type:desc,created:desc",
    "sort=updated",
    "sort=expiration:desc,name",
    "sort=",
    "sort=name,name",
    "sort=name:up",
    "sort=name:asc:x",
    "sort=Name",
    "sort=,",
    // Dates: the wall clock written, its zone dropped.
    "created=gt:2000-01-01",
    "created=lt:2000-01-01",
    "created={created:aes}",
    "created=gte:{created:aes}",
    "created=lte:{created:aes}",
    "created=gt:{created:aes}",
    "created=gt:{created:aes}%2B05:00",
    "created=lt:{created:aes}-05:00",
    "created={created:aes}Z",
    "created=gt:2000-01-01T00:00:00%0A",
    "created=gt:2000-01-01,lt:2100-01-01",
    "created=2000-01-01,gt:2000-01-01",
    "created=gt:9999-12-31T23:00:00-05:00",
    "updated=gte:{created:aes}",
    "expiration=gt:2000-01-01",
    "expiration=2100-01-01T00:00:00",
    "expiration=lt:2100-01-01",
    "created=",
    // Dates Barbican refuses.
    "created=gt:2000-01-01,gte:2000-01-01",
    "created=2000-01-01,lte:2000-01-01",
    "created=,",
    "created=x",
    "created=gt:",
    "created=eq:2000-01-01",
    "updated=gt:2000-01-01%2B05:00",
    "expiration=lt:2000-01-01T00:00:00%2B24:00",
];

/// The requests, in order (answers still empty).
fn scenario() -> Vec<Line> {
    let mut lines = Vec::new();
    for secret in &SECRETS {
        let mut line = Line::new(Actor::MemberA, Method::POST, "/v1/secrets");
        let mut body = json!({
            "name": format!("imgsig-lst-{}", secret.label), "secret_type": secret.secret_type,
            "payload": "aW1nc2lnLWxzdA==", "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64"});
        for (key, value) in [
            ("algorithm", secret.algorithm.map(Value::from)),
            ("bit_length", secret.bit_length.map(Value::from)),
            ("mode", secret.mode.map(Value::from)),
            ("expiration", secret.expiration.map(Value::from)),
        ] {
            if let Some(value) = value {
                body[key] = value;
            }
        }
        line.body = Some(body);
        line.creates = Some(secret.label.to_owned());
        lines.push(line);
    }
    // The metadata names `{created:aes}`.
    lines.push(Line::new(
        Actor::MemberA,
        Method::GET,
        "/v1/secrets/{secret:aes}",
    ));
    for query in QUERIES {
        lines.push(Line::new(
            Actor::MemberA,
            Method::GET,
            format!("{LIST}&{query}"),
        ));
    }
    for secret in &SECRETS {
        lines.push(Line::new(
            Actor::MemberA,
            Method::DELETE,
            format!("/v1/secrets/{{secret:{}}}", secret.label),
        ));
    }
    lines
}

/// The scenario, recorded from Barbican 23 and replayed on the mock.
struct SecretLists;

impl Scenario for SecretLists {
    const SERVICE_TYPE: &'static str = "key-manager";
    const FIXTURE: &'static str = "barbican23-lists.jsonl";

    fn lines() -> Vec<Line> {
        scenario()
    }

    fn prepare(service: &mut Service) {
        barbican::prepare(service);
    }

    /// Also names a secret's creation time `{created:LABEL}`, for the
    /// date filters after it.
    async fn send(service: &mut Service, line: &mut Line) {
        let body = barbican::send(service, line).await;
        let ids = &mut service.session.ids;
        let label = barbican::secret_label(ids, &body["secret_ref"]).map(String::from);
        if let (Some(label), Some(created)) = (label, body["created"].as_str()) {
            ids.add("created", &label, created);
        }
    }
}

#[tokio::test]
async fn the_mock_filters_and_sorts_lists_as_barbican_23_did() {
    replay::<SecretLists>("Barbican 23").await;
}

/// Record the fixture from the live stack whose clouds.yaml
/// `IMGSIG_RECORD_BARBICAN23` names (see the module's documentation).
#[tokio::test]
#[ignore = "needs the live stack: cargo xtask live up"]
async fn record_from_the_live_barbican_23() {
    record::<SecretLists>("IMGSIG_RECORD_BARBICAN23").await;
}
