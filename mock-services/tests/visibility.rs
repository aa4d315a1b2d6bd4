//! Who sees and may change which image: an admin of project A, a member
//! (not admin) of A and a member of project B, each listing (`owner`,
//! `visibility` and `visibility=all` filters), showing, patching and
//! deleting the images of both projects in every visibility, and sharing
//! them through image members ([`member_lines`]). The answers
//! are the live Glance 33.0.0's, recorded in
//! `tests/fixtures/glance33-visibility.jsonl`; the mock must give the same.
//!
//! The scenario is one list of requests ([`scenario`]); [`run`] sends it to
//! a cloud and writes each answer in a form that does not depend on the
//! cloud (image and project ids replaced by their labels). To record it
//! again from the real services:
//!
//! ```text
//! cargo xtask live up
//! IMGSIG_RECORD_GLANCE33=target/live/clouds.yaml \
//!     cargo test -p imgsig-mock --test visibility -- --ignored
//! ```
//!
//! The recorder makes the project `imgsig-b` and the users
//! `imgsig-a-member` (member of `admin`) and `imgsig-b-member` (member of
//! `imgsig-b`) on the live Keystone if they are missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::calls::{answer, json_patch, request};
use common::{auth_body, client};
use imgsig_mock::{MockCloud, MockConfig, ProjectConfig, UserConfig};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Project B (project A is the admin's own, `admin`).
const PROJECT_B: &str = "imgsig-b";
/// The password of both members, on the mock and on the live stack.
const MEMBER_PASSWORD: &str = "imgsig-visibility";

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Actor {
    /// `admin`, with the admin role on project A (`admin`).
    AdminA,
    /// `imgsig-a-member`: member and reader of project A.
    MemberA,
    /// `imgsig-b-member`: member and reader of project B.
    MemberB,
}

impl Actor {
    const ALL: [Actor; 3] = [Actor::AdminA, Actor::MemberA, Actor::MemberB];

    fn user(self) -> &'static str {
        match self {
            Actor::AdminA => "admin",
            Actor::MemberA => "imgsig-a-member",
            Actor::MemberB => "imgsig-b-member",
        }
    }

    fn project(self) -> &'static str {
        match self {
            Actor::MemberB => PROJECT_B,
            Actor::AdminA | Actor::MemberA => "admin",
        }
    }
}

/// One request of the scenario and the answer it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    actor: Actor,
    method: String,
    /// With placeholders: `{project:a}`, `{project:b}`, `{image:LABEL}`.
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    /// The label a created image gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    creates: Option<String>,
    status: u16,
    /// The answer with ids replaced by labels (see [`Cloud::answer`]).
    answer: Value,
}

impl Line {
    fn new(actor: Actor, method: Method, path: impl Into<String>) -> Line {
        Line {
            actor,
            method: method.to_string(),
            path: path.into(),
            body: None,
            creates: None,
            status: 0,
            answer: Value::Null,
        }
    }
}

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
    push(
        Actor::MemberA,
        Method::POST,
        a_members,
        share_with_b.clone(),
    );
    push(
        Actor::MemberA,
        Method::POST,
        a_members,
        share_with_b.clone(),
    );
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

/// A cloud the scenario runs against: Glance's URL, a token per actor and
/// the ids behind the labels.
struct Cloud {
    glance: String,
    tokens: Vec<(Actor, String)>,
    /// `(label, id)` of the projects and of the images made so far.
    projects: Vec<(&'static str, String)>,
    images: Vec<(String, String)>,
}

impl Cloud {
    fn token(&self, actor: Actor) -> &str {
        self.tokens
            .iter()
            .find(|(a, _)| *a == actor)
            .map(|(_, t)| t.as_str())
            .unwrap()
    }

    /// `text` with its placeholders filled in.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (label, id) in &self.projects {
            out = out.replace(&format!("{{project:{label}}}"), id);
        }
        for (label, id) in &self.images {
            out = out.replace(&format!("{{image:{label}}}"), id);
        }
        out
    }

    /// `text` with the ids it names replaced by placeholders.
    fn unfill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (label, id) in &self.images {
            out = out.replace(id.as_str(), &format!("{{image:{label}}}"));
        }
        for (label, id) in &self.projects {
            out = out.replace(id.as_str(), &format!("{{project:{label}}}"));
        }
        out
    }

    fn image_label(&self, id: &str) -> Option<&str> {
        self.images
            .iter()
            .find(|(_, i)| i == id)
            .map(|(l, _)| l.as_str())
    }

    /// What is compared of an answer: the labels of a list's images (those
    /// of the scenario, in order), an image's label, owner, visibility and
    /// note, a member or a list of them ([`Cloud::member`]), or an error's
    /// message with ids as placeholders.
    fn answer(&self, text: &str) -> Value {
        let Ok(body) = serde_json::from_str::<Value>(text) else {
            return if text.is_empty() {
                Value::Null
            } else {
                json!({"text": self.unfill(text)})
            };
        };
        if let Some(images) = body["images"].as_array() {
            let labels: Vec<&str> = images
                .iter()
                .filter_map(|i| self.image_label(i["id"].as_str()?))
                .collect();
            return json!({"images": labels});
        }
        if let Some(members) = body["members"].as_array() {
            let members: Vec<Value> = members.iter().map(|m| self.member(m)).collect();
            return json!({"members": members, "schema": body["schema"]});
        }
        if body["member_id"].is_string() {
            return self.member(&body);
        }
        if let Some(id) = body["id"].as_str() {
            return json!({
                "image": self.image_label(id),
                "owner": self.unfill(body["owner"].as_str().unwrap_or_default()),
                "visibility": body["visibility"],
                "x_note": body["x_note"],
            });
        }
        match body["message"].as_str() {
            Some(message) => json!({"message": self.unfill(message)}),
            None => json!({"text": self.unfill(text)}),
        }
    }

    /// What is compared of an image member: the image's label, the
    /// member and its status, and which fields it has.
    fn member(&self, member: &Value) -> Value {
        let fields: Vec<&String> = member
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        json!({
            "image": self.image_label(member["image_id"].as_str().unwrap_or_default()),
            "member": self.unfill(member["member_id"].as_str().unwrap_or_default()),
            "status": member["status"],
            "schema": member["schema"],
            "fields": fields,
        })
    }

    /// Send `line`'s request and fill in its answer.
    async fn send(&mut self, line: &mut Line) {
        let method: Method = line.method.parse().unwrap();
        let url = format!("{}{}", self.glance, self.fill(&line.path));
        let mut req = request(method.clone(), url, self.token(line.actor));
        if let Some(body) = &line.body {
            let body: Value = serde_json::from_str(&self.fill(&body.to_string())).unwrap();
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
            self.images.push((label.clone(), id));
        }
        line.status = status.as_u16();
        line.answer = self.answer(&text);
    }
}

/// The scenario's answers from `cloud`.
async fn run(cloud: &mut Cloud) -> Vec<Line> {
    let mut lines = scenario();
    for line in &mut lines {
        cloud.send(line).await;
    }
    lines
}

/// A token scoped to `project` and the body that came with it.
async fn token(keystone: &str, user: &str, password: &str, project: &str) -> (String, Value) {
    let resp = client()
        .post(format!("{keystone}/v3/auth/tokens"))
        .json(&auth_body(user, password, project))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED, "{user} on {project}");
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    (token, resp.json().await.unwrap())
}

/// Tokens of the three actors and the two projects' ids.
async fn sign_in(keystone: &str, admin_password: &str, glance: String) -> Cloud {
    let mut tokens = Vec::new();
    let mut projects = Vec::new();
    for actor in Actor::ALL {
        let password = match actor {
            Actor::AdminA => admin_password,
            Actor::MemberA | Actor::MemberB => MEMBER_PASSWORD,
        };
        let (token, body) = token(keystone, actor.user(), password, actor.project()).await;
        let project = body["token"]["project"]["id"].as_str().unwrap().to_owned();
        let label = if actor == Actor::MemberB { "b" } else { "a" };
        if !projects.iter().any(|(l, _)| *l == label) {
            projects.push((label, project));
        }
        tokens.push((actor, token));
    }
    Cloud {
        glance,
        tokens,
        projects,
        images: Vec::new(),
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/glance33-visibility.jsonl")
}

/// The mocks with project B and the two members.
fn mock_config() -> MockConfig {
    let mut config = MockConfig::default();
    config.projects.push(ProjectConfig {
        name: PROJECT_B.into(),
        id: String::new(),
    });
    for actor in [Actor::MemberA, Actor::MemberB] {
        config.users.push(UserConfig {
            name: actor.user().into(),
            id: String::new(),
            password: MEMBER_PASSWORD.into(),
            projects: vec![actor.project().into()],
            roles: vec!["member".into(), "reader".into()],
        });
    }
    config
}

#[tokio::test]
async fn the_mock_answers_who_sees_which_image_as_glance_33_did() {
    let recorded: Vec<Line> = std::fs::read_to_string(fixture())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mock = MockCloud::start(mock_config()).await.unwrap();
    let admin_password = mock.credentials("admin", "admin").unwrap().password;
    let mut cloud = sign_in(
        &mock.urls().keystone,
        &admin_password,
        mock.urls().glance.clone(),
    )
    .await;
    let answered = run(&mut cloud).await;
    assert_eq!(
        answered.len(),
        recorded.len(),
        "the scenario changed: record it again (see the module's documentation)"
    );
    let differences: Vec<String> = recorded
        .iter()
        .zip(&answered)
        .filter(|(r, a)| r != a)
        .map(|(r, a)| {
            format!(
                "{:?} {} {}\n  Glance 33: {} {}\n  mock:      {} {}",
                r.actor, r.method, r.path, r.status, r.answer, a.status, a.answer
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} answers differ:\n{}",
        differences.len(),
        recorded.len(),
        differences.join("\n")
    );
    mock.shutdown().await;
}

/// Record the fixture from the live stack whose clouds.yaml
/// `IMGSIG_RECORD_GLANCE33` names (see the module's documentation).
#[tokio::test]
#[ignore = "needs the live stack: cargo xtask live up"]
async fn record_from_the_live_glance_33() {
    let Ok(clouds) = std::env::var("IMGSIG_RECORD_GLANCE33") else {
        panic!("IMGSIG_RECORD_GLANCE33 must name the live stack's clouds.yaml");
    };
    let text = std::fs::read_to_string(&clouds).unwrap();
    let config =
        imgsig::openstack::CloudConfig::from_yaml("imgsig-live", &text, None, &clouds, None)
            .unwrap();
    let keystone = config
        .auth
        .tokens_url()
        .trim_end_matches("/v3/auth/tokens")
        .to_owned();
    let imgsig::openstack::Credential::Password { password, .. } = &config.auth.credential else {
        panic!("the live stack's admin signs in with a password");
    };
    let (admin, body) = token(&keystone, "admin", password, "admin").await;
    ensure_members(&keystone, &admin).await;
    let glance = body["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "image")
        .and_then(|s| {
            s["endpoints"]
                .as_array()?
                .iter()
                .find(|e| e["interface"] == "public")
        })
        .and_then(|e| e["url"].as_str())
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let mut cloud = sign_in(&keystone, password, glance).await;
    let lines = run(&mut cloud).await;
    let mut out = String::new();
    for line in &lines {
        out.push_str(&serde_json::to_string(line).unwrap());
        out.push('\n');
    }
    std::fs::write(fixture(), out).unwrap();
}

/// `METHOD {keystone}/v3{path}` as the admin: status and JSON body.
async fn keystone_call(
    keystone: &str,
    admin: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = request(method, format!("{keystone}/v3{path}"), admin);
    answer(match body {
        Some(body) => req.json(&body),
        None => req,
    })
    .await
}

/// The id of the Keystone `kind` (`projects`, `users`, `roles`) `name`.
async fn keystone_find(keystone: &str, admin: &str, kind: &str, name: &str) -> Option<String> {
    let path = format!("/{kind}?name={name}");
    let (_, body) = keystone_call(keystone, admin, Method::GET, &path, None).await;
    body[kind][0]["id"].as_str().map(String::from)
}

/// Project B and the two members on the live Keystone, made as `admin`
/// if missing (their passwords set again either way).
async fn ensure_members(keystone: &str, admin: &str) {
    let call = |method, path: String, body| async move {
        keystone_call(keystone, admin, method, &path, body).await
    };
    if keystone_find(keystone, admin, "projects", PROJECT_B)
        .await
        .is_none()
    {
        let body = json!({"project": {"name": PROJECT_B, "domain_id": "default"}});
        let (status, _) = call(Method::POST, "/projects".into(), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let member = keystone_find(keystone, admin, "roles", "member")
        .await
        .unwrap();
    for actor in [Actor::MemberA, Actor::MemberB] {
        let user = match keystone_find(keystone, admin, "users", actor.user()).await {
            Some(id) => id,
            None => {
                let body = json!({"user": {"name": actor.user(), "domain_id": "default",
                                           "password": MEMBER_PASSWORD}});
                let (status, body) = call(Method::POST, "/users".into(), Some(body)).await;
                assert_eq!(status, StatusCode::CREATED);
                body["user"]["id"].as_str().unwrap().to_owned()
            }
        };
        let body = json!({"user": {"password": MEMBER_PASSWORD}});
        let (status, _) = call(Method::PATCH, format!("/users/{user}"), Some(body)).await;
        assert_eq!(status, StatusCode::OK);
        let project = keystone_find(keystone, admin, "projects", actor.project())
            .await
            .unwrap();
        let path = format!("/projects/{project}/users/{user}/roles/{member}");
        let (status, _) = call(Method::PUT, path, None).await;
        assert!(status.is_success(), "{status}");
    }
}
