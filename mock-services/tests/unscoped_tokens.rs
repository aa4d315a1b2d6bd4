//! What Glance and Barbican answer a valid token that is scoped to no
//! project: the admin's, rescoped to the system or to nothing. Glance
//! refuses every policy-checked call (403 "You are not authorized to
//! complete … action."), Barbican every call (keystonemiddleware's 401).
//!
//! The answers are the live Glance 33's and Barbican 23's, recorded in
//! `tests/fixtures/glance33-unscoped.jsonl` and
//! `tests/fixtures/barbican23-unscoped.jsonl`; the mock must give the same.
//! To record them again from the real services:
//!
//! ```text
//! cargo xtask live up
//! IMGSIG_RECORD_LIVE="$PWD"/target/live/clouds.yaml \
//!     cargo test -p imgsig-mock --test unscoped_tokens -- --ignored
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::barbican;
use common::scenario::{record, replay, Actor, Line, Scenario, Service};
use reqwest::Method;
use serde_json::{json, Value};

/// The tokens scoped to no project.
const UNSCOPED: [Actor; 2] = [Actor::AdminSystem, Actor::AdminUnscoped];

/// `line` with `body` as its JSON body.
fn with_body(mut line: Line, body: Value) -> Line {
    line.body = Some(body);
    line
}

/// `line` with the header `name: value`.
fn with_header(mut line: Line, name: &str, value: &str) -> Line {
    line.headers.insert(name.into(), value.into());
    line
}

/// An image id that names no image.
const MISSING: &str = "5f3c1e5e-0000-4000-8000-000000000000";

struct Images;

impl Scenario for Images {
    const SERVICE_TYPE: &'static str = "image";
    const FIXTURE: &'static str = "glance33-unscoped.jsonl";

    fn lines() -> Vec<Line> {
        let image = "/v2/images/{image:a}";
        let create = json!({"name": "imgsig-unscoped", "container_format": "bare",
                            "disk_format": "raw"});
        let mut first = with_body(
            Line::new(Actor::AdminA, Method::POST, "/v2/images"),
            create.clone(),
        );
        first.creates = Some("a".into());
        let mut public = with_body(
            Line::new(Actor::AdminA, Method::POST, "/v2/images"),
            json!({"name": "imgsig-unscoped-public", "visibility": "public"}),
        );
        public.creates = Some("public".into());
        let mut lines = vec![first, public];
        for actor in UNSCOPED {
            lines.extend([
                Line::new(actor, Method::GET, "/v2/images/{image:public}"),
                Line::new(actor, Method::GET, "/v2/images"),
                with_header(
                    Line::new(actor, Method::GET, "/v2/images"),
                    "Accept",
                    "text/html",
                ),
                Line::new(actor, Method::GET, image),
                with_body(Line::new(actor, Method::POST, "/v2/images"), create.clone()),
                with_header(
                    with_body(
                        Line::new(actor, Method::PATCH, image),
                        json!([{"op": "replace", "path": "/name", "value": "renamed"}]),
                    ),
                    "Content-Type",
                    "application/openstack-images-v2.1-json-patch",
                ),
                Line::new(actor, Method::GET, format!("{image}/members")),
                Line::new(actor, Method::GET, format!("{image}/file")),
                with_header(
                    with_body(
                        Line::new(actor, Method::PUT, format!("{image}/file")),
                        json!("data"),
                    ),
                    "Content-Type",
                    "application/octet-stream",
                ),
                Line::new(actor, Method::DELETE, image),
                Line::new(actor, Method::GET, format!("/v2/images/{MISSING}")),
                Line::new(actor, Method::DELETE, format!("/v2/images/{MISSING}")),
                Line::new(actor, Method::GET, "/v2/tasks"),
                Line::new(actor, Method::GET, "/v2/info/import"),
                Line::new(actor, Method::GET, "/v2/schemas/image"),
            ]);
        }
        lines.push(Line::new(Actor::AdminA, Method::GET, image));
        lines.push(Line::new(Actor::AdminA, Method::DELETE, image));
        lines.push(Line::new(
            Actor::AdminA,
            Method::DELETE,
            "/v2/images/{image:public}",
        ));
        lines
    }

    async fn send(service: &mut Service, line: &mut Line) {
        let created = |body: &Value| body["id"].as_str().map(String::from);
        let (content_type, text) = service
            .session
            .exchange(&service.base, line, "image", created)
            .await;
        let ids = &service.session.ids;
        let body = match serde_json::from_str::<Value>(&text) {
            // An error, whole; of anything else, its fields.
            Ok(Value::Object(body)) if body.contains_key("message") => {
                serde_json::from_str(&ids.unfill(&Value::Object(body).to_string())).unwrap()
            }
            Ok(Value::Object(body)) => json!({"fields": body.keys().collect::<Vec<_>>()}),
            _ if text.is_empty() => Value::Null,
            _ => json!({"text": ids.unfill(&text)}),
        };
        line.answer = json!({"content_type": content_type, "body": body});
    }
}

struct Secrets;

impl Scenario for Secrets {
    const SERVICE_TYPE: &'static str = "key-manager";
    const FIXTURE: &'static str = "barbican23-unscoped.jsonl";

    fn lines() -> Vec<Line> {
        let secret = "/v1/secrets/{secret:a}";
        let create = json!({"name": "imgsig-unscoped", "payload": "data",
                            "payload_content_type": "text/plain"});
        let mut first = with_body(
            Line::new(Actor::AdminA, Method::POST, "/v1/secrets"),
            create.clone(),
        );
        first.creates = Some("a".into());
        let mut lines = vec![first];
        for actor in UNSCOPED {
            lines.extend([
                Line::new(actor, Method::GET, "/v1/secrets"),
                Line::new(actor, Method::GET, secret),
                Line::new(actor, Method::GET, format!("{secret}/payload")),
                Line::new(actor, Method::GET, format!("{secret}/acl")),
                with_body(
                    Line::new(actor, Method::POST, "/v1/secrets"),
                    create.clone(),
                ),
                Line::new(actor, Method::DELETE, secret),
            ]);
        }
        lines.push(Line::new(Actor::AdminA, Method::GET, secret));
        lines.push(Line::new(Actor::AdminA, Method::DELETE, secret));
        lines
    }

    fn prepare(service: &mut Service) {
        barbican::prepare(service);
    }

    async fn send(service: &mut Service, line: &mut Line) {
        barbican::send(service, line).await;
    }
}

#[tokio::test]
async fn glance_refuses_tokens_scoped_to_no_project_as_glance_33_does() {
    replay::<Images>("glance").await;
}

#[tokio::test]
async fn barbican_refuses_tokens_scoped_to_no_project_as_barbican_23_does() {
    replay::<Secrets>("barbican").await;
}

/// Record both fixtures from the live stack whose clouds.yaml
/// `IMGSIG_RECORD_LIVE` names (see the module's documentation).
#[tokio::test]
#[ignore = "needs the live stack (cargo xtask live up)"]
async fn record_from_the_live_glance_33_and_barbican_23() {
    record::<Images>("IMGSIG_RECORD_LIVE").await;
    record::<Secrets>("IMGSIG_RECORD_LIVE").await;
}
