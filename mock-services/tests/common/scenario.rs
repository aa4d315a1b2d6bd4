//! Recorded scenarios: requests by four actors (an admin of project A, a
//! member of A, a reader of A, a member of project B) sent to the live stack once to
//! record the answers, and to the mocks on every run to replay them. The
//! answers are stored with placeholders for the ids ([`Ids`]), so they do
//! not depend on the cloud.

use std::collections::BTreeMap;
use std::path::Path;

use imgsig_mock::{MockConfig, ProjectConfig, UserConfig};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::calls::{answer, request};
use super::{auth_body, client};

/// Project B (project A is the admin's own, `admin`).
pub const PROJECT_B: &str = "imgsig-b";
/// The password of the members and the reader, on the mock and on the
/// live stack.
pub const MEMBER_PASSWORD: &str = "imgsig-visibility";

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// `admin`, with the admin role on project A (`admin`).
    AdminA,
    /// `imgsig-a-member`: member and reader of project A.
    MemberA,
    /// `imgsig-a-reader`: only reader of project A.
    ReaderA,
    /// `imgsig-b-member`: member and reader of project B.
    MemberB,
    /// The admin's token rescoped to the system.
    AdminSystem,
    /// The admin's token rescoped to nothing (`"scope": "unscoped"`).
    AdminUnscoped,
}

impl Actor {
    /// Those with a project-scoped token.
    pub const ALL: [Actor; 4] = [
        Actor::AdminA,
        Actor::MemberA,
        Actor::ReaderA,
        Actor::MemberB,
    ];

    /// Those the recorder makes on the live stack, with their one role.
    const MADE: [(Actor, &'static str); 3] = [
        (Actor::MemberA, "member"),
        (Actor::ReaderA, "reader"),
        (Actor::MemberB, "member"),
    ];

    pub fn user(self) -> &'static str {
        match self {
            Actor::AdminA | Actor::AdminSystem | Actor::AdminUnscoped => "admin",
            Actor::MemberA => "imgsig-a-member",
            Actor::ReaderA => "imgsig-a-reader",
            Actor::MemberB => "imgsig-b-member",
        }
    }

    /// The project the actor's token is scoped to, if it is.
    pub fn project(self) -> Option<&'static str> {
        match self {
            Actor::MemberB => Some(PROJECT_B),
            Actor::AdminA | Actor::MemberA | Actor::ReaderA => Some("admin"),
            Actor::AdminSystem | Actor::AdminUnscoped => None,
        }
    }

    /// The scope the admin's token is rescoped to for this actor, if it is
    /// one of those.
    fn rescoped(self) -> Option<Value> {
        match self {
            Actor::AdminSystem => Some(json!({"system": {"all": true}})),
            Actor::AdminUnscoped => Some(json!("unscoped")),
            _ => None,
        }
    }
}

/// One request of a scenario and the answer it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub actor: Actor,
    pub method: String,
    /// With placeholders: `{project:a}`, `{user:b}`, `{image:LABEL}` ([`Ids`]).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body sent as it is (with `headers`' `Content-Type`), for those
    /// that are not JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Request headers besides the token (`Accept: application/json`
    /// unless given here).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The label the object this request creates gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creates: Option<String>,
    pub status: u16,
    /// The answer with ids replaced by labels (see [`Cloud::answer`]).
    pub answer: Value,
}

impl Line {
    pub fn new(actor: Actor, method: Method, path: impl Into<String>) -> Line {
        Line {
            actor,
            method: method.to_string(),
            path: path.into(),
            body: None,
            raw: None,
            headers: BTreeMap::new(),
            creates: None,
            status: 0,
            answer: Value::Null,
        }
    }
}

/// The ids behind a scenario's placeholders `{kind:label}`.
#[derive(Debug, Default)]
pub struct Ids(Vec<(String, String)>);

impl Ids {
    /// Name `id` `{kind:label}`.
    pub fn add(&mut self, kind: &str, label: &str, id: &str) {
        self.0.push((format!("{{{kind}:{label}}}"), id.to_owned()));
    }

    /// `text` with its placeholders filled in.
    pub fn fill(&self, text: &str) -> String {
        self.0
            .iter()
            .fold(text.to_owned(), |out, (name, id)| out.replace(name, id))
    }

    /// `text` with the ids it names replaced by placeholders (the latest
    /// first).
    pub fn unfill(&self, text: &str) -> String {
        self.0
            .iter()
            .rev()
            .fold(text.to_owned(), |out, (name, id)| out.replace(id, name))
    }

    /// The label of the `kind` whose id is `id`.
    pub fn label(&self, kind: &str, id: &str) -> Option<&str> {
        let prefix = format!("{{{kind}:");
        self.0
            .iter()
            .find(|(name, i)| i == id && name.starts_with(&prefix))
            .map(|(name, _)| &name[prefix.len()..name.len() - 1])
    }
}

/// The actors signed in: a token each, and the ids of the projects
/// (`{project:a}`, `{project:b}`) and users (`{user:admin}`, `{user:a}`,
/// `{user:r}`, `{user:b}`).
pub struct Session {
    pub tokens: Vec<(Actor, String)>,
    pub ids: Ids,
    /// The admin's token body (its catalog names the endpoints).
    pub admin: Value,
}

impl Session {
    /// The token `actor` sends.
    pub fn token(&self, actor: Actor) -> &str {
        self.tokens
            .iter()
            .find(|(a, _)| *a == actor)
            .map(|(_, t)| t.as_str())
            .unwrap()
    }

    /// `line`'s request to the service at `base`, placeholders filled in:
    /// the actor's token, its headers (`Accept: application/json` unless
    /// they name another), and its raw body or its JSON body (sent with the
    /// headers' `Content-Type` if they give one).
    pub fn request(&self, base: &str, line: &Line) -> reqwest::RequestBuilder {
        let method: Method = line.method.parse().unwrap();
        let url = format!("{base}{}", self.ids.fill(&line.path));
        let mut req = client()
            .request(method, url)
            .header("X-Auth-Token", self.token(line.actor));
        if !line.headers.contains_key("Accept") {
            req = req.header("Accept", "application/json");
        }
        for (name, value) in &line.headers {
            req = req.header(name, self.ids.fill(value));
        }
        let typed = line.headers.contains_key("Content-Type");
        match (&line.raw, &line.body) {
            (Some(raw), _) => req.body(self.ids.fill(raw)),
            (None, Some(body)) if typed => req.body(self.ids.fill(&body.to_string())),
            (None, Some(body)) => {
                let body: Value = serde_json::from_str(&self.ids.fill(&body.to_string())).unwrap();
                req.json(&body)
            }
            (None, None) => req,
        }
    }

    /// Send `line`'s request to the service at `base` and record its
    /// status: the answer's content type and body. An object the line
    /// creates (201) is named `{kind:label}` by the id `created` finds in
    /// the body.
    pub async fn exchange(
        &mut self,
        base: &str,
        line: &mut Line,
        kind: &str,
        created: impl Fn(&Value) -> Option<String>,
    ) -> (Option<String>, String) {
        let (status, content_type, text) =
            read(self.request(base, line).send().await.unwrap()).await;
        if let (Some(label), StatusCode::CREATED) = (&line.creates, status) {
            let body: Value = serde_json::from_str(&text).unwrap();
            let id = created(&body).expect("the created object's id");
            self.ids.add(kind, label, &id);
        }
        line.status = status.as_u16();
        (content_type, text)
    }

    /// The public URL of the catalog's `service_type` (no trailing slash).
    pub fn endpoint(&self, service_type: &str) -> String {
        self.admin["token"]["catalog"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["type"] == service_type)
            .and_then(|s| {
                s["endpoints"]
                    .as_array()?
                    .iter()
                    .find(|e| e["interface"] == "public")
            })
            .and_then(|e| e["url"].as_str())
            .unwrap()
            .trim_end_matches('/')
            .to_owned()
    }
}

/// An answer's status, content type and body.
pub async fn read(resp: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (status, content_type, resp.text().await.unwrap())
}

/// Tokens of the actors (the admin's rescoped to the system and to nothing
/// after the four project-scoped ones), the two projects' and the users' ids.
async fn sign_in(keystone: &str, admin_password: &str) -> Session {
    let mut tokens = Vec::new();
    let mut ids = Ids::default();
    let mut admin = Value::Null;
    for actor in Actor::ALL {
        let password = match actor {
            Actor::AdminA | Actor::AdminSystem | Actor::AdminUnscoped => admin_password,
            Actor::MemberA | Actor::ReaderA | Actor::MemberB => MEMBER_PASSWORD,
        };
        let project = actor.project().unwrap();
        let (token, body) = token(keystone, actor.user(), password, project).await;
        let (project, user) = match actor {
            Actor::AdminA | Actor::AdminSystem | Actor::AdminUnscoped => ("a", "admin"),
            Actor::MemberA => ("a", "a"),
            Actor::ReaderA => ("a", "r"),
            Actor::MemberB => ("b", "b"),
        };
        if matches!(actor, Actor::AdminA | Actor::MemberB) {
            ids.add(
                "project",
                project,
                body["token"]["project"]["id"].as_str().unwrap(),
            );
        }
        ids.add("user", user, body["token"]["user"]["id"].as_str().unwrap());
        if actor == Actor::AdminA {
            admin = body;
        }
        tokens.push((actor, token));
    }
    for actor in [Actor::AdminSystem, Actor::AdminUnscoped] {
        let admin_token = &tokens[0].1;
        let resp = client()
            .post(format!("{keystone}/v3/auth/tokens"))
            .json(&json!({"auth": {
                "identity": {"methods": ["token"], "token": {"id": admin_token}},
                "scope": actor.rescoped()}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{actor:?}");
        let token = resp.headers()["x-subject-token"].to_str().unwrap();
        tokens.push((actor, token.to_owned()));
    }
    Session { tokens, ids, admin }
}

/// The live stack whose clouds.yaml the variable `var` names, with project
/// B, the members and the reader made there if missing: Keystone's URL and the
/// admin's password.
async fn live(var: &str) -> (String, String) {
    let Ok(clouds) = std::env::var(var) else {
        panic!("{var} must name the live stack's clouds.yaml");
    };
    // cargo runs tests in the package's directory, not where it was called.
    let text = std::fs::read_to_string(&clouds).unwrap_or_else(|e| {
        panic!("{var}={clouds}: {e} (a relative path is read from mock-services/; give an absolute one)")
    });
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
    let (admin, _) = token(&keystone, "admin", password, "admin").await;
    ensure_members(&keystone, &admin).await;
    (keystone, password.clone())
}

/// The service a scenario talks to: its URL and the actors signed in.
pub struct Service {
    /// The service's endpoint (Glance's or Barbican's URL).
    pub base: String,
    /// The actors' tokens and the ids behind the placeholders.
    pub session: Session,
}

/// A recorded scenario: its requests, and how it sends one to a
/// [`Service`] and reads the answer.
pub trait Scenario {
    /// The catalog type of the service it talks to (`identity`, `image`,
    /// `key-manager`).
    const SERVICE_TYPE: &'static str;
    /// The fixture's file name under `tests/fixtures/`.
    const FIXTURE: &'static str;
    /// The requests, in order (answers still empty).
    fn lines() -> Vec<Line>;
    /// Name, before the first request, the ids the answers carry besides
    /// the session's own (none unless a scenario says so).
    fn prepare(_service: &mut Service) {}
    /// Send `line`'s request and fill in its answer.
    #[allow(async_fn_in_trait)] // used generically only, never as `dyn`
    async fn send(service: &mut Service, line: &mut Line);
}

/// The scenario's answers from `service`.
async fn run<S: Scenario>(mut service: Service) -> Vec<Line> {
    S::prepare(&mut service);
    let mut lines = S::lines();
    for line in &mut lines {
        S::send(&mut service, line).await;
    }
    lines
}

fn fixture_path<S: Scenario>() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(S::FIXTURE)
}

/// Run `S` against fresh mocks ([`mock_config`]) and fail, listing them,
/// unless every answer is the recorded one (`recorded_by` names the
/// service that gave them).
pub async fn replay<S: Scenario>(recorded_by: &str) {
    let recorded = read_fixture(&fixture_path::<S>());
    let mock = imgsig_mock::MockCloud::start(mock_config()).await.unwrap();
    let admin_password = mock.credentials("admin", "admin").unwrap().password;
    let session = sign_in(&mock.urls().keystone, &admin_password).await;
    let base = match S::SERVICE_TYPE {
        "identity" => format!("{}/v3", mock.urls().keystone),
        "key-manager" => mock.urls().barbican.clone(),
        _ => mock.urls().glance.clone(),
    };
    let answered = run::<S>(Service { base, session }).await;
    assert_same(&recorded, &answered, recorded_by);
    mock.shutdown().await;
}

/// Record `S`'s fixture from the live stack whose clouds.yaml the variable
/// `var` names.
pub async fn record<S: Scenario>(var: &str) {
    let (keystone, password) = live(var).await;
    let session = sign_in(&keystone, &password).await;
    let base = session.endpoint(S::SERVICE_TYPE);
    let answered = run::<S>(Service { base, session }).await;
    write_fixture(&fixture_path::<S>(), &answered);
}

/// The lines of the fixture at `path`.
fn read_fixture(path: &Path) -> Vec<Line> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Write `lines` to the fixture at `path`, one JSON object a line.
fn write_fixture(path: &Path, lines: &[Line]) {
    let mut out = String::new();
    for line in lines {
        out.push_str(&serde_json::to_string(line).unwrap());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// Fail, listing them, unless the mock's answers are the recorded ones.
fn assert_same(recorded: &[Line], answered: &[Line], service: &str) {
    assert_eq!(
        answered.len(),
        recorded.len(),
        "the scenario changed: record it again (see the test's documentation)"
    );
    let differences: Vec<String> = recorded
        .iter()
        .zip(answered)
        .filter(|(r, a)| r != a)
        .map(|(r, a)| {
            format!(
                "{:?} {} {}\n  {service}: {} {}\n  mock:      {} {}",
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
}

/// A token scoped to `project` and the body that came with it.
pub async fn token(keystone: &str, user: &str, password: &str, project: &str) -> (String, Value) {
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

/// The mocks with project B, the members and the reader (a member also
/// holds the reader role, as Keystone's implied roles give it).
pub fn mock_config() -> MockConfig {
    let mut config = MockConfig::default();
    config.projects.push(ProjectConfig {
        name: PROJECT_B.into(),
        id: String::new(),
    });
    for (actor, role) in Actor::MADE {
        let roles = match role {
            "member" => vec!["member".into(), "reader".into()],
            role => vec![role.into()],
        };
        config.users.push(UserConfig {
            name: actor.user().into(),
            id: String::new(),
            password: MEMBER_PASSWORD.into(),
            projects: vec![actor.project().unwrap().into()],
            roles,
            system_roles: Vec::new(),
        });
    }
    config
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

/// Project B, the members and the reader on the live Keystone, made as
/// `admin` if missing (their passwords set again either way).
pub async fn ensure_members(keystone: &str, admin: &str) {
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
    for (actor, role) in Actor::MADE {
        let role = keystone_find(keystone, admin, "roles", role).await.unwrap();
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
        let project = keystone_find(keystone, admin, "projects", actor.project().unwrap())
            .await
            .unwrap();
        let path = format!("/projects/{project}/users/{user}/roles/{role}");
        let (status, _) = call(Method::PUT, path, None).await;
        assert!(status.is_success(), "{status}");
    }
}
