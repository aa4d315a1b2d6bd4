//! The mock services driven in-process: an [`InProcessCloud`] reset to a
//! fresh state per input and a short session of requests whose method, path, headers and
//! body come from the input. Invariants: no panic, no 5xx, and an upload
//! or stage that is refused leaves no data behind.

use std::path::Path;
use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use axum::body::Body;
use axum::http::{header, Method, Request};
use http_body_util::BodyExt;
use imgsig::crypto::{BackendKind, PrivateKey};
use imgsig::spec::base64::encode;
use imgsig::spec::{HashMethod, PssSignSalt};
use imgsig_mock::{InProcessCloud, MockConfig, Service};
use serde_json::{json, Value};

use super::json::Json;

/// Secret types a stored certificate may claim (mostly the right one).
const SECRET_TYPES: [&str; 4] = ["certificate", "certificate", "opaque", "private"];

/// The bytes every signed image of the session carries.
const IMAGE: &[u8] = b"imgsig fuzz image\n";

/// Keys whose certificates a session can store and whose signatures over
/// [`IMAGE`] it can send: small ones, the key size does not matter here.
const SIGNERS: [(&str, &str, &str); 3] = [
    (
        "RSA-PSS",
        include_str!("../../vectors/keys/rsa-1024.pem"),
        include_str!("../../vectors/keys/rsa-1024.crt.pem"),
    ),
    (
        "ECC_SECP384R1",
        include_str!("../../vectors/keys/ecc-secp384r1.pem"),
        include_str!("../../vectors/keys/ecc-secp384r1.crt.pem"),
    ),
    (
        "DSA",
        include_str!("../../vectors/keys/dsa-1024-160.pem"),
        include_str!("../../vectors/keys/dsa-1024-160.crt.pem"),
    ),
];

/// Base64 signatures over [`IMAGE`] with SHA-256, one per signer.
static SIGNATURES: LazyLock<Vec<String>> = LazyLock::new(|| {
    SIGNERS
        .iter()
        .map(|(_, key, _)| {
            let key = PrivateKey::from_pem_or_der(key.as_bytes()).expect("a pinned key reads");
            let backend = BackendKind::OpenSsl.backend();
            let digest =
                imgsig::crypto::digest_bytes(backend, HashMethod::Sha256, IMAGE).expect("SHA-256");
            let sig = backend
                .sign_digest(&key, HashMethod::Sha256, &digest, PssSignSalt::Max)
                .expect("a pinned key signs");
            encode(&sig)
        })
        .collect()
});

/// One runtime for every session: current-thread, with timers (the key
/// manager's timeout) and a blocking pool (the upload hashers).
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime")
});

const KEYSTONE_ROUTES: &[&str] = &["/", "/v3", "/v3/", "/v3/auth/tokens", "/v3/{any}"];
const BARBICAN_ROUTES: &[&str] = &[
    "/",
    "/v1",
    "/v1/secrets",
    "/v1/secrets/{secret}",
    "/v1/secrets/{secret}/payload",
    "/v1/secrets?limit={any}&offset={any}",
    "/v1/secrets?name={any}",
    "/v1/secrets/{secret}/acl",
    "/v1/secrets/{secret}/acl/{any}",
    "/v1/secrets?acl_only={any}",
    "/v1/secrets?{any}",
    "/v1/secrets?alg={any}&mode={any}&bits={any}&secret_type={any}",
    "/v1/secrets?created={any}&updated={any}&expiration={any}&sort={any}",
];

/// The 5xx a mock gives on purpose, as Barbican 23 answered them: a `GET`
/// (or, without its body, a `HEAD`) of a path below a secret's ACL
/// (recorded in the mock's `secret_acls` scenario) or of a list whose
/// query gives a parameter twice (`secret_lists`), and a secret whose
/// `expiration` leaves Python's calendar once made UTC (recorded in
/// `barbican23-secret-create.jsonl`).
fn deliberate_server_error(method: &Method, path: &str, body: &[u8]) -> bool {
    let said = |words: &str| String::from_utf8_lossy(body).contains(words);
    let failure = if path.contains("/acl/") {
        Some("SecretACL(s) retrieval failure seen")
    } else if path.starts_with("/v1/secrets?") {
        Some("Secret(s) retrieval failure seen")
    } else {
        None
    };
    if let Some(failure) = failure {
        return match *method {
            Method::GET => said(failure),
            Method::HEAD => body.is_empty(),
            _ => false,
        };
    }
    *method == Method::POST
        && path.starts_with("/v1/secrets")
        && said("Secret creation failure seen")
}
const GLANCE_ROUTES: &[&str] = &[
    "/",
    "/versions",
    "/v2",
    "/healthcheck",
    "/v2/images",
    "/v2/images/{image}",
    "/v2/images/{image}/file",
    "/v2/images/{image}/stage",
    "/v2/images/{image}/import",
    "/v2/images/{image}/tasks",
    "/v2/tasks/{task}",
    "/v2/schemas/image",
    "/v2/schemas/images",
    "/v2/info/import",
    "/v2/info/stores",
    "/v2/images?limit={any}&marker={image}",
    "/v2/images?name={any}&status={any}",
];

/// A request method.
#[derive(Debug, Arbitrary)]
enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Verb {
    fn method(&self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
            Verb::Head => Method::HEAD,
            Verb::Options => Method::OPTIONS,
        }
    }
}

/// The `X-Auth-Token` header.
#[derive(Debug, Arbitrary)]
enum Auth {
    Admin,
    /// The admin's token rescoped to the system or to nothing.
    Unscoped {
        system: bool,
    },
    Missing,
    Other(String),
}

/// A media type for `Content-Type` or `Accept`.
#[derive(Debug, Arbitrary)]
enum Media {
    Missing,
    Empty,
    Json,
    OctetStream,
    JsonPatch,
    Html,
    Any,
    Other(String),
}

impl Media {
    fn value(&self) -> Option<&str> {
        Some(match self {
            Media::Missing => return None,
            Media::Empty => "",
            Media::Json => "application/json",
            Media::OctetStream => "application/octet-stream",
            Media::JsonPatch => "application/openstack-images-v2.1-json-patch",
            Media::Html => "text/html",
            Media::Any => "*/*",
            Media::Other(s) => s,
        })
    }
}

/// A request body.
#[derive(Debug, Arbitrary)]
enum Payload {
    Empty,
    Bytes(Vec<u8>),
    Json(Json),
    /// A Barbican secret holding signer `n`'s certificate (type and
    /// encoding possibly off), with any `expiration` text.
    Secret {
        signer: u8,
        secret_type: u8,
        der: bool,
        expiration: Option<String>,
    },
    /// A Glance image record carrying the four properties for signer `n`
    /// and the last stored secret, one of them possibly replaced.
    SignedImage {
        signer: u8,
        replace: Option<(u8, String)>,
    },
    /// The signed image bytes, possibly with one byte changed.
    ImageData {
        flip: Option<u8>,
    },
    /// A Barbican read ACL naming `users`.
    Acl {
        users: Vec<String>,
        project_access: Option<bool>,
    },
    /// A password authentication for Keystone.
    Password {
        user: String,
        password: bool,
        scope: Scope,
    },
}

/// The scope of a [`Payload::Password`].
#[derive(Debug, Arbitrary)]
enum Scope {
    /// None given.
    None,
    /// A project by name in the `Default` domain.
    Project(String),
    /// `{"system": {"all": true}}`.
    System,
    /// A domain by id.
    Domain(String),
    /// Anything at all, or a string (Keystone reads a string scope too).
    Any(Json),
    Text(String),
}

/// One request.
#[derive(Debug, Arbitrary)]
struct Call {
    /// For `mock_glance`: 0 sends this one to Barbican.
    service: u8,
    verb: Verb,
    route: u8,
    /// What `{any}` stands for; `{image}`, `{secret}` and `{task}` are the
    /// ids seen so far, picked by `pick`, or this too when there is none.
    any: String,
    pick: u8,
    auth: Auth,
    content_type: Media,
    accept: Media,
    payload: Payload,
}

/// A session: up to eight requests.
#[derive(Debug)]
struct Session(Vec<Call>);

impl<'a> Arbitrary<'a> for Session {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut calls = Vec::new();
        u.arbitrary_loop(Some(1), Some(8), |u| {
            calls.push(Call::arbitrary(u)?);
            Ok(std::ops::ControlFlow::Continue(()))
        })?;
        Ok(Session(calls))
    }
}

/// Ids the session has seen in answers.
#[derive(Default)]
struct Seen {
    images: Vec<String>,
    secrets: Vec<String>,
    tasks: Vec<String>,
}

fn nth(ids: &[String], pick: u8, fallback: &str) -> String {
    if ids.is_empty() {
        fallback.to_owned()
    } else {
        ids[usize::from(pick) % ids.len()].clone()
    }
}

impl Seen {
    fn learn(&mut self, body: &Value) {
        if let Some(r) = body.get("secret_ref").and_then(Value::as_str) {
            if let Some(id) = imgsig::openstack::secret_id(r) {
                self.secrets.push(id);
            }
        } else if let Some(id) = body.get("id").and_then(Value::as_str) {
            self.images.push(id.to_owned());
        }
        for t in body
            .get("tasks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = t.get("id").and_then(Value::as_str) {
                self.tasks.push(id.to_owned());
            }
        }
    }
}

fn payload_json(payload: &Payload, seen: &Seen, call: &Call) -> Option<Vec<u8>> {
    let signer = |n: u8| &SIGNERS[usize::from(n) % SIGNERS.len()];
    let value = match payload {
        Payload::Empty => return Some(Vec::new()),
        Payload::Bytes(b) => return Some(b.clone()),
        Payload::ImageData { flip } => {
            let mut data = IMAGE.to_vec();
            if let Some(f) = flip {
                let at = usize::from(*f) % data.len();
                data[at] ^= 0x20;
            }
            return Some(data);
        }
        Payload::Json(Json(v)) => v.clone(),
        Payload::Acl {
            users,
            project_access,
        } => {
            let mut read = json!({ "users": users });
            if let Some(access) = project_access {
                read["project-access"] = (*access).into();
            }
            json!({ "read": read })
        }
        Payload::Secret {
            signer: n,
            secret_type,
            der,
            expiration,
        } => {
            let pem = signer(*n).2.as_bytes();
            let bytes = if *der {
                openssl::x509::X509::from_pem(pem).ok()?.to_der().ok()?
            } else {
                pem.to_vec()
            };
            let mut secret = json!({
                "name": "imgsig-fuzz",
                "secret_type": SECRET_TYPES[usize::from(*secret_type) % SECRET_TYPES.len()],
                "payload": encode(&bytes),
                "payload_content_type": "application/octet-stream",
                "payload_content_encoding": "base64",
            });
            if let Some(expiration) = expiration {
                secret["expiration"] = expiration.as_str().into();
            }
            secret
        }
        Payload::SignedImage { signer: n, replace } => {
            let index = usize::from(*n) % SIGNERS.len();
            let mut v = json!({
                "name": "imgsig-fuzz",
                "disk_format": "raw",
                "container_format": "bare",
                "img_signature": SIGNATURES[index],
                "img_signature_hash_method": "SHA-256",
                "img_signature_key_type": SIGNERS[index].0,
                "img_signature_certificate_uuid": nth(&seen.secrets, call.pick, &call.any),
            });
            if let (Some((field, text)), Some(obj)) = (replace, v.as_object_mut()) {
                let keys: Vec<String> = obj.keys().cloned().collect();
                let key = &keys[usize::from(*field) % keys.len()];
                obj.insert(key.clone(), Value::String(text.clone()));
            }
            v
        }
        Payload::Password {
            user,
            password,
            scope,
        } => {
            let secret = if *password {
                imgsig_mock::DEFAULT_ADMIN_PASSWORD
            } else {
                "wrong"
            };
            let mut auth = json!({
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": user, "domain": {"name": "Default"}, "password": secret}},
                },
            });
            let scope = match scope {
                Scope::None => None,
                Scope::Project(p) => {
                    Some(json!({"project": {"name": p, "domain": {"name": "Default"}}}))
                }
                Scope::System => Some(json!({"system": {"all": true}})),
                Scope::Domain(d) => Some(json!({"domain": {"id": d}})),
                Scope::Any(Json(v)) => Some(v.clone()),
                Scope::Text(t) => Some(Value::String(t.clone())),
            };
            if let Some(scope) = scope {
                auth["scope"] = scope;
            }
            json!({ "auth": auth })
        }
    };
    serde_json::to_vec(&value).ok()
}

/// Whether image `id` has data (active or staged) in `dir`.
fn has_data(dir: &Path, id: &str) -> bool {
    let name = |suffix: &str| dir.join(format!("{id}.{suffix}"));
    id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && (name("data").exists() || name("staged").exists())
}

/// Partial upload files of image `id` still in `dir`.
fn partial_files(dir: &Path, id: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{id}.")) && n.ends_with(".partial"))
        .collect()
}

/// The admin's `token` rescoped to `scope`, as Keystone issues it.
async fn rescoped(cloud: &InProcessCloud, token: &str, scope: Value) -> String {
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
                      "scope": scope}});
    let request = Request::post("/v3/auth/tokens")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a token request");
    let response = cloud.handle(Service::Keystone, request).await;
    response.headers()["x-subject-token"]
        .to_str()
        .expect("a token")
        .to_owned()
}

async fn session(cloud: &InProcessCloud, target: Service, calls: &[Call]) {
    let token = cloud.admin_token().expect("the admin token");
    let system = rescoped(cloud, &token, json!({"system": {"all": true}})).await;
    let unscoped = rescoped(cloud, &token, json!("unscoped")).await;
    let mut seen = Seen::default();
    for call in calls {
        let service = match target {
            Service::Glance if call.service == 0 => Service::Barbican,
            s => s,
        };
        let routes = match service {
            Service::Keystone => KEYSTONE_ROUTES,
            Service::Barbican => BARBICAN_ROUTES,
            Service::Glance => GLANCE_ROUTES,
        };
        let image = nth(&seen.images, call.pick, &call.any);
        let path = routes[usize::from(call.route) % routes.len()]
            .replace("{image}", &image)
            .replace("{secret}", &nth(&seen.secrets, call.pick, &call.any))
            .replace("{task}", &nth(&seen.tasks, call.pick, &call.any))
            .replace("{any}", &call.any);
        let Some(body) = payload_json(&call.payload, &seen, call) else {
            continue;
        };
        let mut request = Request::builder()
            .method(call.verb.method())
            .uri(path.as_str());
        match &call.auth {
            Auth::Admin => request = request.header("X-Auth-Token", token.as_str()),
            Auth::Unscoped { system: true } => {
                request = request.header("X-Auth-Token", system.as_str());
            }
            Auth::Unscoped { system: false } => {
                request = request.header("X-Auth-Token", unscoped.as_str());
            }
            Auth::Missing => {}
            Auth::Other(t) => request = request.header("X-Auth-Token", t.as_str()),
        }
        if let Some(v) = call.content_type.value() {
            request = request.header(header::CONTENT_TYPE, v);
        }
        if let Some(v) = call.accept.value() {
            request = request.header(header::ACCEPT, v);
        }
        let Ok(request) = request.body(Body::from(body)) else {
            continue;
        };
        let upload = service == Service::Glance
            && call.verb.method() == Method::PUT
            && (path.ends_with("/file") || path.ends_with("/stage"));
        let had_data = has_data(cloud.data_dir(), &image);
        let response = cloud.handle(service, request).await;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        assert!(
            !status.is_server_error() || deliberate_server_error(&call.verb.method(), &path, &body),
            "{service:?} answered {status} to {} {path}: {}",
            call.verb.method(),
            String::from_utf8_lossy(&body)
        );
        if upload && !status.is_success() && !had_data {
            assert!(
                !has_data(cloud.data_dir(), &image),
                "a refused upload ({status}) left data for image {image}"
            );
            let partial = partial_files(cloud.data_dir(), &image);
            assert!(
                partial.is_empty(),
                "a refused upload ({status}) left {partial:?}"
            );
        }
        if let Ok(v) = serde_json::from_slice::<Value>(&body) {
            seen.learn(&v);
        }
    }
}

thread_local! {
    /// The cloud every session of this thread runs against, reset to a
    /// fresh state first. One per thread: the stable replay in the
    /// harness's tests runs the three targets at once, and a reset on one
    /// thread must not forget the tokens of a session on another.
    static CLOUD: InProcessCloud =
        InProcessCloud::new(MockConfig::default()).expect("an in-process cloud");
}

fn drive(data: &[u8], target: Service) {
    let Ok(Session(calls)) = Session::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    CLOUD.with(|cloud| {
        cloud.reset();
        RUNTIME.block_on(session(cloud, target, &calls));
    });
}

/// Keystone's handlers: version discovery, password and token
/// authentication, token validation and revocation.
pub fn mock_keystone(data: &[u8]) {
    drive(data, Service::Keystone);
}

/// Barbican's handlers: secrets stored, listed, shown, read, deleted.
pub fn mock_barbican(data: &[u8]) {
    drive(data, Service::Barbican);
}

/// Glance's handlers (images, upload with verification, download, stage
/// and import, tasks, schemas), with certificates stored in Barbican.
pub fn mock_glance(data: &[u8]) {
    drive(data, Service::Glance);
}
