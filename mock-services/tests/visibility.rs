//! Who sees and may change which image: an admin of project A, a member
//! (not admin) of A and a member of project B, each listing (`owner`,
//! `visibility` and `visibility=all` filters), showing, patching and
//! deleting the images of both projects in every visibility, and sharing
//! them through image members ([`member_lines`]). The answers
//! are the live Glance 33.0.0's, recorded in
//! `tests/fixtures/glance33-visibility.jsonl`; the mock must give the same.
//!
//! The scenario is one list of requests ([`scenario`]); the [`Scenario`]
//! machinery sends it to a cloud and writes each answer in a form that
//! does not depend on the cloud (image and project ids replaced by their
//! labels). To record it again from the real services:
//!
//! ```text
//! cargo xtask live up
//! IMGSIG_RECORD_GLANCE33="$PWD"/target/live/clouds.yaml \
//!     cargo test -p imgsig-mock --test visibility -- --ignored
//! ```
//!
//! The recorder makes the project `imgsig-b` and the users
//! `imgsig-a-member` (member of `admin`) and `imgsig-b-member` (member of
//! `imgsig-b`) on the live Keystone if they are missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::calls::{json_patch, request};
use common::scenario::{record, replay, Actor, Ids, Line, Scenario, Service};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The images of the scenario: label, creator and visibility (the admin
/// makes B's public image: a member may not publicize).
const IMAGES: [(&str, Actor, &str); 6] = [
    ("b-private", Actor::MemberB, "private"),
    ("b-shared", Actor::MemberB, "shared"),
    ("b-community", Actor::MemberB, "community"),
    ("b-public", Actor::AdminA, "public"),
    ("a-private", Actor::MemberA, "private"),
    ("a-shared", Actor::MemberA, "shared"),
];

/// The requests, in order (answers still empty).
fn scenario() -> Vec<Line> {
    let mut lines = Vec::new();
    for (label, actor, visibility) in IMAGES {
        let mut line = Line::new(actor, Method::POST, "/v2/images");
        let mut body = json!({"name": format!("imgsig-visibility-{label}"), "visibility": visibility,
                              "container_format": "bare", "disk_format": "raw"});
        if label.starts_with("b-") && actor == Actor::AdminA {
            body["owner"] = "{project:b}".into();
        }
        line.body = Some(body);
        line.creates = Some(label.to_owned());
        lines.push(line);
    }
    let lists = [
        "/v2/images",
        "/v2/images?visibility=all",
        "/v2/images?visibility=private",
        "/v2/images?visibility=shared",
        "/v2/images?visibility=community",
        "/v2/images?visibility=public",
        "/v2/images?owner={project:a}",
        "/v2/images?owner={project:b}",
        "/v2/images?owner={project:b}&visibility=all",
        "/v2/images?owner={project:b}&visibility=private",
    ];
    for actor in Actor::ALL {
        for path in lists {
            lines.push(Line::new(actor, Method::GET, path));
        }
        for (label, _, _) in IMAGES {
            lines.push(Line::new(
                actor,
                Method::GET,
                format!("/v2/images/{{image:{label}}}"),
            ));
        }
    }
    // Writes by whoever can see the image but does not own it, then by the
    // owner's side.
    for actor in Actor::ALL {
        for label in [
            "b-private",
            "b-shared",
            "b-community",
            "b-public",
            "a-private",
        ] {
            let mut line = Line::new(
                actor,
                Method::PATCH,
                format!("/v2/images/{{image:{label}}}"),
            );
            line.body =
                Some(json!([{"op": "add", "path": "/x_note", "value": format!("{actor:?}")}]));
            lines.push(line);
        }
    }
    lines.extend(member_lines());
    for (actor, label) in [
        (Actor::MemberA, "b-private"),
        (Actor::MemberA, "b-community"),
        (Actor::MemberA, "b-public"),
        (Actor::MemberB, "a-private"),
        (Actor::AdminA, "b-private"),
        (Actor::MemberB, "b-private"),
        (Actor::AdminA, "b-shared"),
        (Actor::AdminA, "b-community"),
        (Actor::AdminA, "b-public"),
        (Actor::AdminA, "a-private"),
        (Actor::AdminA, "a-shared"),
    ] {
        lines.push(Line::new(
            actor,
            Method::DELETE,
            format!("/v2/images/{{image:{label}}}"),
        ));
    }
    lines
}

/// Glance 33's image members, between the writes and the deletes: A's
/// member shares `a-shared` with project B, B accepts, rejects, loses and
/// regains it; B shares `b-shared` with A; the owner, the member and the
/// admin each try what only another may do; bodies Glance refuses; the
/// member quota (128).
fn member_lines() -> Vec<Line> {
    let mut lines = Vec::new();
    let mut push = |actor, method, path: &str, body: Option<Value>| {
        let mut line = Line::new(actor, method, path);
        line.body = body;
        lines.push(line);
    };
    let a_members = "/v2/images/{image:a-shared}/members";
    let a_member_b = "/v2/images/{image:a-shared}/members/{project:b}";
    let b_lists = [
        "/v2/images",
        "/v2/images?member_status=pending",
        "/v2/images?member_status=accepted",
        "/v2/images?member_status=rejected",
        "/v2/images?member_status=all",
        "/v2/images?visibility=shared",
        "/v2/images?visibility=shared&member_status=all",
        "/v2/images/{image:a-shared}",
    ];
    let status = |s: &str| Some(json!({ "status": s }));
    let share_with_b = Some(json!({"member": "{project:b}"}));
    push(
        Actor::MemberB,
        Method::POST,
        a_members,
        share_with_b.clone(),
    );
    push(
        Actor::MemberA,
        Method::POST,
        "/v2/images/{image:a-private}/members",
        share_with_b.clone(),
    );
    for body in [json!({}), json!({"member": ""}), json!(["member"])] {
        push(Actor::MemberA, Method::POST, a_members, Some(body));
    }
    // Shared, then the same again: 409.
    for _ in 0..2 {
        push(
            Actor::MemberA,
            Method::POST,
            a_members,
            share_with_b.clone(),
        );
    }
    for path in b_lists {
        push(Actor::MemberB, Method::GET, path, None);
    }
    push(
        Actor::MemberB,
        Method::GET,
        "/v2/images?member_status=any",
        None,
    );
    for actor in Actor::ALL {
        push(actor, Method::GET, a_members, None);
        push(actor, Method::GET, a_member_b, None);
    }
    // A reader of the owner's project sees the members, and may neither
    // add, answer for nor remove one.
    let reader_try = Some(json!({"member": "imgsig-reader-try"}));
    push(Actor::ReaderA, Method::POST, a_members, reader_try);
    push(Actor::ReaderA, Method::PUT, a_member_b, status("accepted"));
    push(Actor::ReaderA, Method::DELETE, a_member_b, None);
    push(
        Actor::MemberB,
        Method::GET,
        "/v2/images/{image:a-shared}/members/{project:a}",
        None,
    );
    push(Actor::MemberA, Method::PUT, a_member_b, status("accepted"));
    push(Actor::MemberB, Method::PUT, a_member_b, status("maybe"));
    push(Actor::MemberB, Method::PUT, a_member_b, Some(json!({})));
    push(Actor::MemberB, Method::PUT, a_member_b, status("accepted"));
    for path in b_lists {
        push(Actor::MemberB, Method::GET, path, None);
    }
    let note = Some(json!([{"op": "add", "path": "/x_note", "value": "member-b"}]));
    push(
        Actor::MemberB,
        Method::PATCH,
        "/v2/images/{image:a-shared}",
        note,
    );
    push(
        Actor::MemberB,
        Method::POST,
        a_members,
        Some(json!({"member": "imgsig-other"})),
    );
    push(Actor::MemberB, Method::DELETE, a_member_b, None);
    push(Actor::MemberB, Method::PUT, a_member_b, status("rejected"));
    for path in b_lists {
        push(Actor::MemberB, Method::GET, path, None);
    }
    let visibility = |v: &str| Some(json!([{"op": "replace", "path": "/visibility", "value": v}]));
    push(
        Actor::MemberA,
        Method::PATCH,
        "/v2/images/{image:a-shared}",
        visibility("private"),
    );
    push(
        Actor::MemberB,
        Method::GET,
        "/v2/images/{image:a-shared}",
        None,
    );
    push(Actor::MemberA, Method::GET, a_members, None);
    push(Actor::MemberA, Method::GET, a_member_b, None);
    push(
        Actor::MemberA,
        Method::POST,
        a_members,
        share_with_b.clone(),
    );
    push(Actor::MemberA, Method::DELETE, a_member_b, None);
    push(
        Actor::MemberA,
        Method::PATCH,
        "/v2/images/{image:a-shared}",
        visibility("shared"),
    );
    push(Actor::MemberB, Method::GET, a_member_b, None);
    push(Actor::MemberA, Method::DELETE, a_member_b, None);
    push(Actor::MemberA, Method::DELETE, a_member_b, None);
    push(
        Actor::MemberB,
        Method::GET,
        "/v2/images/{image:a-shared}",
        None,
    );
    push(Actor::MemberA, Method::POST, a_members, share_with_b);
    push(Actor::MemberB, Method::GET, a_member_b, None);
    // B's side: B shares its image with A; the admin overrides A's answer.
    let b_members = "/v2/images/{image:b-shared}/members";
    let b_member_a = "/v2/images/{image:b-shared}/members/{project:a}";
    push(
        Actor::MemberB,
        Method::POST,
        b_members,
        Some(json!({"member": "{project:a}"})),
    );
    push(Actor::MemberA, Method::PUT, b_member_a, status("accepted"));
    push(Actor::MemberA, Method::GET, "/v2/images", None);
    push(Actor::AdminA, Method::PUT, b_member_a, status("rejected"));
    push(Actor::MemberA, Method::GET, b_member_a, None);
    push(
        Actor::AdminA,
        Method::POST,
        b_members,
        Some(json!({"member": "imgsig-admin"})),
    );
    push(
        Actor::AdminA,
        Method::DELETE,
        "/v2/images/{image:b-shared}/members/imgsig-admin",
        None,
    );
    push(Actor::MemberA, Method::DELETE, b_member_a, None);
    // The quota: a-shared has B; 127 more fill it.
    for n in 1..=128 {
        let member = format!("imgsig-quota-{n}");
        push(
            Actor::MemberA,
            Method::POST,
            a_members,
            Some(json!({ "member": member })),
        );
    }
    push(Actor::MemberA, Method::GET, a_members, None);
    lines
}

/// The scenario, recorded from Glance 33 and replayed on the mock.
struct Visibility;

impl Scenario for Visibility {
    const SERVICE_TYPE: &'static str = "image";
    const FIXTURE: &'static str = "glance33-visibility.jsonl";

    fn lines() -> Vec<Line> {
        scenario()
    }

    async fn send(service: &mut Service, line: &mut Line) {
        let method: Method = line.method.parse().unwrap();
        let url = format!("{}{}", service.base, service.session.ids.fill(&line.path));
        let mut req = request(method.clone(), url, service.session.token(line.actor));
        if let Some(body) = &line.body {
            let body: Value =
                serde_json::from_str(&service.session.ids.fill(&body.to_string())).unwrap();
            req = if method == Method::PATCH {
                json_patch(req, &body)
            } else {
                req.json(&body)
            };
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        if let (Some(label), StatusCode::CREATED) = (&line.creates, status) {
            let body: Value = serde_json::from_str(&text).unwrap();
            let id = body["id"].as_str().unwrap().to_owned();
            service.session.ids.add("image", label, &id);
        }
        line.status = status.as_u16();
        line.answer = answer(&service.session.ids, &text);
    }
}

/// What is compared of an answer: the labels of a list's images (those
/// of the scenario, in order), an image's label, owner, visibility and
/// note, a member or a list of them ([`member`]), or an error's
/// message with ids as placeholders.
fn answer(ids: &Ids, text: &str) -> Value {
    let Ok(body) = serde_json::from_str::<Value>(text) else {
        return if text.is_empty() {
            Value::Null
        } else {
            json!({"text": ids.unfill(text)})
        };
    };
    if let Some(images) = body["images"].as_array() {
        let labels: Vec<&str> = images
            .iter()
            .filter_map(|i| ids.label("image", i["id"].as_str()?))
            .collect();
        return json!({"images": labels});
    }
    if let Some(members) = body["members"].as_array() {
        let members: Vec<Value> = members.iter().map(|m| member(ids, m)).collect();
        return json!({"members": members, "schema": body["schema"]});
    }
    if body["member_id"].is_string() {
        return member(ids, &body);
    }
    if let Some(id) = body["id"].as_str() {
        return json!({
            "image": ids.label("image", id),
            "owner": ids.unfill(body["owner"].as_str().unwrap_or_default()),
            "visibility": body["visibility"],
            "x_note": body["x_note"],
        });
    }
    match body["message"].as_str() {
        Some(message) => json!({"message": ids.unfill(message)}),
        None => json!({"text": ids.unfill(text)}),
    }
}

/// What is compared of an image member: the image's label, the
/// member and its status, and which fields it has.
fn member(ids: &Ids, member: &Value) -> Value {
    let fields: Vec<&String> = member
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    json!({
        "image": ids.label("image", member["image_id"].as_str().unwrap_or_default()),
        "member": ids.unfill(member["member_id"].as_str().unwrap_or_default()),
        "status": member["status"],
        "schema": member["schema"],
        "fields": fields,
    })
}

#[tokio::test]
async fn the_mock_answers_who_sees_which_image_as_glance_33_did() {
    replay::<Visibility>("Glance 33").await;
}

/// Record the fixture from the live stack whose clouds.yaml
/// `IMGSIG_RECORD_GLANCE33` names (see the module's documentation).
#[tokio::test]
#[ignore = "needs the live stack: cargo xtask live up"]
async fn record_from_the_live_glance_33() {
    record::<Visibility>("IMGSIG_RECORD_GLANCE33").await;
}
