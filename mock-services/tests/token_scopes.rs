//! What Keystone issues for each kind of scope a token request can ask
//! for: a project, a domain, the system, explicitly none (`"unscoped"`),
//! a trust, none of these or several, and scopes the request schema
//! refuses. A user rescopes to the system with the token method (as the
//! admin, who holds the system roles `keystone-manage bootstrap` gives) or
//! signs in with a password (a member, who holds no system or domain
//! role).
//!
//! The answers are the live Keystone 30's, recorded in
//! `tests/fixtures/keystone30-scopes.jsonl`; the mock must give the same.
//! To record them again from the real services:
//!
//! ```text
//! cargo xtask live up
//! IMGSIG_RECORD_KEYSTONE30="$PWD"/target/live/clouds.yaml \
//!     cargo test -p imgsig-mock --test token_scopes -- --ignored
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::client;
use common::scenario::{read, record, replay, Actor, Line, Scenario, Service, MEMBER_PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

/// The scopes asked for, each by the admin (token method) and a member
/// (password method).
fn scopes() -> Vec<Option<Value>> {
    let project = json!({"name": "admin", "domain": {"name": "Default"}});
    [
        json!({"system": {"all": true}}),
        json!({"system": {}}),
        json!({"system": {"all": false}}),
        json!({"system": {"all": null}}),
        json!({"system": {"all": true}, "extra": 1}),
        json!({"domain": {"id": "default"}}),
        json!({"domain": {"name": "Default"}}),
        json!({"domain": {"id": "nosuch"}}),
        json!({"domain": {}}),
        json!({"project": project}),
        json!({"project": {}}),
        json!({"project": {"name": "admin", "domain": {}}}),
        json!({"project": {"name": "nosuch", "domain": {"name": "Default"}}}),
        json!("unscoped"),
        json!({"unscoped": {}}),
        json!({"OS-TRUST:trust": {"id": "nosuch"}}),
        json!({}),
        json!({"extra": {}}),
        json!({"system": {"all": true}, "domain": {"id": "default"}}),
        json!({"project": project, "unscoped": {}}),
        json!("system"),
        json!("elsewhere"),
        json!("projects"),
        json!("a domain"),
        json!({"system": "all"}),
        json!({"system": {"all": "yes"}}),
        json!({"domain": "default"}),
        json!({"domain": {"id": 7}}),
        json!({"project": {"name": ["admin"]}}),
        json!(["system"]),
        json!(null),
    ]
    .into_iter()
    .map(Some)
    .chain([None])
    .collect()
}

/// The identity part of a token request by `actor`.
fn identity(actor: Actor) -> Value {
    match actor {
        Actor::AdminA => json!({"methods": ["token"], "token": {"id": "{token:admin}"}}),
        _ => json!({"methods": ["password"], "password": {"user": {
            "name": actor.user(), "domain": {"name": "Default"}, "password": MEMBER_PASSWORD}}}),
    }
}

struct Scopes;

impl Scenario for Scopes {
    const SERVICE_TYPE: &'static str = "identity";
    const FIXTURE: &'static str = "keystone30-scopes.jsonl";

    fn lines() -> Vec<Line> {
        let mut lines = Vec::new();
        for actor in [Actor::AdminA, Actor::MemberA] {
            for scope in scopes() {
                let mut auth = json!({"identity": identity(actor)});
                if let Some(scope) = scope {
                    auth["scope"] = scope;
                }
                let mut line = Line::new(actor, Method::POST, "/auth/tokens");
                line.body = Some(json!({ "auth": auth }));
                lines.push(line);
            }
        }
        lines
    }

    fn prepare(service: &mut Service) {
        let admin = service.session.token(Actor::AdminA).to_owned();
        service.session.ids.add("token", "admin", &admin);
    }

    async fn send(service: &mut Service, line: &mut Line) {
        // A token request carries no token of its own.
        let body = service
            .session
            .ids
            .fill(&line.body.as_ref().unwrap().to_string());
        let resp = client()
            .post(format!("{}{}", service.base, line.path))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, content_type, text) = read(resp).await;
        line.status = status.as_u16();
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!({"text": text}));
        line.answer = json!({"content_type": content_type, "body": summary(service, &body)});
    }
}

/// What is compared of an answer: of a token, its fields in order, its
/// methods, user, roles (sorted: Keystone lists a user's roles in the
/// order its assignments come out of the database, which differs between
/// deployments) and scope, and its catalog's service types (ids and times
/// differ between clouds); of an error, the whole body with ids as
/// placeholders.
fn summary(service: &Service, body: &Value) -> Value {
    let Some(token) = body.get("token").and_then(Value::as_object) else {
        return serde_json::from_str(&service.session.ids.unfill(&body.to_string())).unwrap();
    };
    let names = |list: &Value, key: &str| -> Vec<Value> {
        list.as_array()
            .map(|items| items.iter().map(|i| i[key].clone()).collect())
            .unwrap_or_default()
    };
    let mut roles = names(&body["token"]["roles"], "name");
    roles.sort_by_key(Value::to_string);
    json!({
        "fields": token.keys().collect::<Vec<_>>(),
        "methods": token["methods"],
        "user": token["user"]["name"],
        "roles": roles,
        "system": body["token"]["system"],
        "project": body["token"]["project"]["name"],
        "domain": body["token"]["domain"],
        "is_domain": body["token"]["is_domain"],
        "catalog": names(&body["token"]["catalog"], "type"),
    })
}

#[tokio::test]
async fn the_mock_scopes_tokens_as_keystone_30_does() {
    replay::<Scopes>("keystone").await;
}

/// Record the fixture from the live stack whose clouds.yaml
/// `IMGSIG_RECORD_KEYSTONE30` names (see the module's documentation).
#[tokio::test]
#[ignore = "needs the live stack (cargo xtask live up)"]
async fn record_from_the_live_keystone_30() {
    record::<Scopes>("IMGSIG_RECORD_KEYSTONE30").await;
}
