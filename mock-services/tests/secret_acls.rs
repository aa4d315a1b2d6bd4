//! Who may read, share and delete which secret: an admin of project A, a
//! member of A, a reader of A and a member of project B, each reading the
//! metadata, the payload and the ACL of the secrets of both projects,
//! then the owner sharing a certificate with B's member through the
//! secret's read ACL (`/v1/secrets/{id}/acl`), making one private,
//! patching, resetting and deleting ACLs, and the bodies Barbican refuses.
//! A project an image is shared with needs such an ACL to verify the
//! image: Glance and Nova fetch the certificate with the user's token.
//!
//! The answers are the live Barbican 23's, recorded in
//! `tests/fixtures/barbican23-acls.jsonl`; the mock must give the same. To
//! record them again from the real services:
//!
//! ```text
//! cargo xtask live up
//! IMGSIG_RECORD_BARBICAN23="$PWD"/target/live/clouds.yaml \
//!     cargo test -p imgsig-mock --test secret_acls -- --ignored
//! ```
//!
//! The recorder makes the project `imgsig-b` and the users
//! `imgsig-a-member`, `imgsig-a-reader` and `imgsig-b-member` on the live
//! Keystone if they are missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::barbican;
use common::scenario::{record, replay, Actor, Line, Scenario, Service};
use reqwest::Method;
use serde_json::{json, Value};

/// The secrets of the scenario: label and creator.
const SECRETS: [(&str, Actor); 3] = [
    ("a-cert", Actor::MemberA),
    ("admin-cert", Actor::AdminA),
    ("b-cert", Actor::MemberB),
];

/// The scenario's lines, built in order.
#[derive(Default)]
struct Lines(Vec<Line>);

impl Lines {
    fn push(&mut self, actor: Actor, method: Method, path: impl Into<String>) -> &mut Line {
        self.0.push(Line::new(actor, method, path));
        self.0.last_mut().unwrap()
    }

    /// `actor` sends `body` as the ACL of `secret` with `method`.
    fn acl(&mut self, actor: Actor, method: Method, secret: &str, body: Value) {
        self.push(actor, method, acl(secret)).body = Some(body);
    }

    /// What `actor` gets of `secret`: its metadata, its payload (as
    /// castellan asks for it) and its ACL.
    fn reads(&mut self, actor: Actor, secret: &str) {
        self.push(
            actor,
            Method::GET,
            format!("/v1/secrets/{{secret:{secret}}}"),
        );
        self.push(
            actor,
            Method::GET,
            format!("/v1/secrets/{{secret:{secret}}}/payload"),
        )
        .headers
        .insert("Accept".into(), "application/octet-stream".into());
        self.push(actor, Method::GET, acl(secret));
    }
}

fn acl(secret: &str) -> String {
    format!("/v1/secrets/{{secret:{secret}}}/acl")
}

/// The requests, in order (answers still empty).
fn scenario() -> Vec<Line> {
    let mut lines = Lines::default();
    for (label, actor) in SECRETS {
        let line = lines.push(actor, Method::POST, "/v1/secrets");
        line.body = Some(json!({
            "name": format!("imgsig-acl-{label}"), "secret_type": "certificate",
            "payload": "aW1nc2lnLWFjbA==", "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64"}));
        line.creates = Some(label.to_owned());
    }
    // A reader may not store a secret, nor list them.
    let line = lines.push(Actor::ReaderA, Method::POST, "/v1/secrets");
    line.body = Some(json!({"name": "imgsig-acl-reader", "secret_type": "opaque"}));
    lines.push(Actor::ReaderA, Method::GET, "/v1/secrets");

    // The defaults: the secret's project reads it, other projects do not;
    // an admin of any project reads metadata, not payloads.
    for actor in Actor::ALL {
        for (label, _) in SECRETS {
            lines.reads(actor, label);
        }
    }

    // A's member shares a-cert with B's member.
    lines.acl(
        Actor::MemberB,
        Method::PUT,
        "a-cert",
        json!({"read": {"users": ["{user:b}"]}}),
    );
    lines.acl(
        Actor::MemberA,
        Method::PUT,
        "a-cert",
        json!({"read": {"users": ["{user:b}"]}}),
    );
    lines.reads(Actor::MemberA, "a-cert");
    lines.reads(Actor::MemberB, "a-cert");
    lines.push(Actor::MemberB, Method::GET, "/v1/secrets?acl_only=true");
    lines.push(Actor::MemberB, Method::GET, "/v1/secrets");
    lines.push(
        Actor::MemberB,
        Method::DELETE,
        "/v1/secrets/{secret:a-cert}",
    );
    for method in [Method::PUT, Method::PATCH] {
        lines.acl(
            Actor::MemberB,
            method,
            "a-cert",
            json!({"read": {"users": []}}),
        );
    }
    lines.push(Actor::MemberB, Method::DELETE, acl("a-cert"));

    // The admin makes admin-cert private: A's member and reader lose it,
    // also from the ACL; the list still shows it.
    lines.acl(
        Actor::AdminA,
        Method::PUT,
        "admin-cert",
        json!({"read": {"project-access": false}}),
    );
    for actor in [Actor::AdminA, Actor::MemberA, Actor::ReaderA] {
        lines.reads(actor, "admin-cert");
    }
    lines.acl(
        Actor::MemberA,
        Method::PUT,
        "admin-cert",
        json!({"read": {"project-access": true}}),
    );
    lines.push(
        Actor::MemberA,
        Method::DELETE,
        "/v1/secrets/{secret:admin-cert}",
    );
    lines.push(
        Actor::MemberA,
        Method::GET,
        "/v1/secrets?name=imgsig-acl-admin-cert",
    );
    // PATCH adds A's member and keeps the project-access; PATCH gives the
    // project back and keeps the users; an empty PUT resets to the default.
    lines.acl(
        Actor::AdminA,
        Method::PATCH,
        "admin-cert",
        json!({"read": {"users": ["{user:a}"]}}),
    );
    lines.reads(Actor::MemberA, "admin-cert");
    lines.reads(Actor::AdminA, "admin-cert");
    lines.acl(
        Actor::AdminA,
        Method::PATCH,
        "admin-cert",
        json!({"read": {"project-access": true}}),
    );
    lines.reads(Actor::MemberA, "admin-cert");
    lines.acl(
        Actor::AdminA,
        Method::PATCH,
        "admin-cert",
        json!({"read": {}}),
    );
    lines.push(Actor::AdminA, Method::GET, acl("admin-cert"));
    lines.acl(
        Actor::AdminA,
        Method::PUT,
        "admin-cert",
        json!({"read": {}}),
    );
    lines.push(Actor::AdminA, Method::GET, acl("admin-cert"));
    lines.acl(
        Actor::AdminA,
        Method::PUT,
        "admin-cert",
        json!({"read": {"users": ["{user:b}", "{user:b}"], "project-access": false}}),
    );
    lines.push(Actor::AdminA, Method::GET, acl("admin-cert"));
    lines.acl(Actor::AdminA, Method::PUT, "admin-cert", json!({}));
    lines.push(Actor::AdminA, Method::GET, acl("admin-cert"));

    // Bodies Barbican refuses, then one it takes.
    for body in [
        json!({"write": {}}),
        json!({"read": "x"}),
        json!({"read": {"project-access": "yes"}}),
        json!({"read": {"foo": 1}}),
        json!({"read": {"users": "x"}}),
        json!({"read": {"users": [5]}}),
        json!({"read": {"users": ["x".repeat(256)]}}),
        json!({"read": {"users": [null]}}),
        json!([1]),
        // Several faults at once: Barbican names the one nearest the top.
        json!({"write": {}, "read": "x"}),
        json!({"a": 1, "b": 2}),
        json!({"read": {"foo": 1, "users": 5, "project-access": 1}}),
        json!({"read": {"users": 5, "project-access": 1}}),
    ] {
        lines.acl(Actor::MemberA, Method::PUT, "a-cert", body);
    }
    for (raw, content_type) in [
        ("null", "application/json"),
        ("{", "application/json"),
        ("", "application/json"),
        ("{\"read\": {}}", "text/plain"),
    ] {
        let line = lines.push(Actor::MemberA, Method::PUT, acl("a-cert"));
        line.raw = Some(raw.into());
        line.headers
            .insert("Content-Type".into(), content_type.into());
    }
    lines.push(Actor::MemberA, Method::POST, acl("a-cert")).body = Some(json!({}));
    // Barbican strips the whitespace around every string it is sent.
    lines.acl(
        Actor::MemberA,
        Method::PUT,
        "a-cert",
        json!({"read": {"users": [" {user:b}\t"]}}),
    );
    lines.push(Actor::MemberA, Method::GET, acl("a-cert"));

    // Deleting the ACL (twice: the second finds none) takes B's access
    // away; PATCH then makes a new one.
    lines.push(Actor::MemberA, Method::DELETE, acl("a-cert"));
    lines.push(Actor::MemberA, Method::DELETE, acl("a-cert"));
    lines.reads(Actor::MemberB, "a-cert");
    lines.acl(
        Actor::MemberA,
        Method::PATCH,
        "a-cert",
        json!({"read": {"users": ["{user:b}"]}}),
    );
    lines.reads(Actor::MemberA, "a-cert");
    lines.reads(Actor::MemberB, "a-cert");

    // Secrets that are not there.
    for path in [
        "/v1/secrets/00000000-0000-4000-8000-000000000000/acl",
        "/v1/secrets/not-a-uuid/acl",
        "/v1/secrets/{secret:a-cert}/acl/extra",
    ] {
        lines.push(Actor::MemberA, Method::GET, path);
    }

    // Deleting: another project's member may not, an admin of any project
    // may, the owner may.
    lines.push(
        Actor::MemberB,
        Method::DELETE,
        "/v1/secrets/{secret:a-cert}",
    );
    lines.push(
        Actor::ReaderA,
        Method::DELETE,
        "/v1/secrets/{secret:a-cert}",
    );
    lines.push(Actor::AdminA, Method::DELETE, "/v1/secrets/{secret:b-cert}");
    for (label, actor) in [("a-cert", Actor::MemberA), ("admin-cert", Actor::AdminA)] {
        lines.push(
            actor,
            Method::DELETE,
            format!("/v1/secrets/{{secret:{label}}}"),
        );
    }
    lines.push(Actor::MemberA, Method::GET, acl("a-cert"));
    lines.0
}

/// The scenario, recorded from Barbican 23 and replayed on the mock.
struct SecretAcls;

impl Scenario for SecretAcls {
    const SERVICE_TYPE: &'static str = "key-manager";
    const FIXTURE: &'static str = "barbican23-acls.jsonl";

    fn lines() -> Vec<Line> {
        scenario()
    }

    fn prepare(service: &mut Service) {
        barbican::prepare(service);
    }

    async fn send(service: &mut Service, line: &mut Line) {
        barbican::send(service, line).await;
    }
}

#[tokio::test]
async fn the_mock_answers_who_reads_and_shares_which_secret_as_barbican_23_did() {
    replay::<SecretAcls>("Barbican 23").await;
}

/// Record the fixture from the live stack whose clouds.yaml
/// `IMGSIG_RECORD_BARBICAN23` names (see the module's documentation).
#[tokio::test]
#[ignore = "needs the live stack: cargo xtask live up"]
async fn record_from_the_live_barbican_23() {
    record::<SecretAcls>("IMGSIG_RECORD_BARBICAN23").await;
}
