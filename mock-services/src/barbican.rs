//! Barbican v1: secrets scoped to projects, payloads, version discovery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Token;
use crate::faults::{self, Injector};
use crate::http::{
    header_str, iso_micros_naive, json_response, media_type, now_micros, python_int, request_id,
    REQUEST_ID,
};
use crate::{Cloud, Service};

/// The secret types Barbican knows.
const SECRET_TYPES: [&str; 6] = [
    "symmetric",
    "public",
    "private",
    "passphrase",
    "certificate",
    "opaque",
];

/// Barbican's supported payload content types, in its order
/// (`plugin/util/mime_types.py` `SUPPORTED`).
const SUPPORTED_CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/plain;charset=utf-8",
    "text/plain; charset=utf-8",
    "application/octet-stream",
    "application/pkcs8",
];

/// A payload content type Barbican takes, in its internal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentType {
    /// `text/plain` (with or without `charset=utf-8`): no encoding.
    Text,
    /// `application/octet-stream`: base64.
    Binary,
    /// `application/pkcs8`: base64.
    Pkcs8,
}

impl ContentType {
    /// Barbican's `normalize_content_type` followed by `is_supported`: the
    /// media type (case-insensitive) and, if given, a `charset=utf-8`;
    /// `application/aes` is known but not supported.
    fn parse(content_type: &str) -> Option<ContentType> {
        let mut parts = content_type.split(';').map(str::trim);
        let mime = parts.next().unwrap_or_default().to_ascii_lowercase();
        if let Some(charset) = parts.next() {
            let charset = charset.to_ascii_lowercase();
            let value = charset.split('=').nth(1).map(str::trim);
            if value != Some("utf-8") {
                // Barbican keeps such a type as given, and no supported
                // spelling has another charset.
                return None;
            }
        }
        match mime.as_str() {
            "text/plain" => Some(ContentType::Text),
            "application/octet-stream" => Some(ContentType::Binary),
            "application/pkcs8" => Some(ContentType::Pkcs8),
            _ => None,
        }
    }

    /// The internal form, as secret metadata shows it.
    fn as_str(self) -> &'static str {
        match self {
            ContentType::Text => "text/plain",
            ContentType::Binary => "application/octet-stream",
            ContentType::Pkcs8 => "application/pkcs8",
        }
    }
}

/// A stored secret.
#[derive(Debug, Clone)]
pub struct Secret {
    /// The secret's uuid.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// The user who stored it.
    pub creator_id: String,
    /// Name, if any.
    pub name: Option<String>,
    /// `certificate`, `opaque`, …
    pub secret_type: String,
    /// The decoded payload, if one was stored.
    pub payload: Option<Bytes>,
    /// The payload's content type.
    pub payload_content_type: Option<String>,
    /// Optional metadata, echoed back.
    pub algorithm: Option<String>,
    /// Optional metadata, echoed back.
    pub bit_length: Option<u64>,
    /// Optional metadata, echoed back.
    pub mode: Option<String>,
    /// Optional expiration, echoed back.
    pub expiration: Option<String>,
    /// Creation time, µs since the epoch.
    pub created: u64,
}

/// All secrets, by id.
#[derive(Debug, Default)]
pub struct Secrets(Mutex<HashMap<String, Secret>>);

impl Secrets {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget every secret.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The secret `id`, if a caller of `project_id` may read it.
    pub fn get(&self, id: &str, project_id: &str) -> Result<Secret, Unreadable> {
        match self.lock().get(id) {
            None => Err(Unreadable::Missing),
            Some(s) if s.project_id == project_id => Ok(s.clone()),
            Some(_) => Err(Unreadable::OtherProject),
        }
    }
}

/// Why a caller cannot have a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Another project's: Barbican 23 says 403 (its policies let only the
    /// secret's project, or users on its ACL, read it), not 404.
    OtherProject,
    /// No such secret: 404.
    Missing,
}

/// The 403 Barbican 23 answers another project's caller, for `what`
/// ("Secret retrieval", "Secret payload retrieval", "Secret deletion").
fn not_allowed(what: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        &format!("{what} attempt not allowed - please review your user/project privileges"),
    )
}

/// The Barbican router.
pub(crate) fn router(cloud: Arc<Cloud>) -> Router {
    let secrets = Router::new()
        .route("/v1/secrets", get(list).post(create))
        .route("/v1/secrets/", get(list).post(create))
        .route("/v1/secrets/{id}", get(show).delete(remove))
        .route("/v1/secrets/{id}/payload", get(payload))
        .route_layer(axum::middleware::from_fn_with_state(
            cloud.clone(),
            authenticate,
        ));
    Router::new()
        .route("/", get(discovery))
        .route("/v1", get(version))
        .route("/v1/", get(version))
        .merge(secrets)
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            Injector {
                service: Service::Barbican,
                faults: cloud.faults.clone(),
                render: injected,
            },
            faults::inject,
        ))
        .layer(axum::middleware::map_response(barbican_headers))
        .with_state(cloud)
}

async fn barbican_headers(mut resp: Response) -> Response {
    let unauthorized = resp.status() == StatusCode::UNAUTHORIZED;
    let h = resp.headers_mut();
    if !unauthorized {
        h.insert(
            "openstack-api-version",
            HeaderValue::from_static("key-manager 1.0"),
        );
        h.insert(
            header::VARY,
            HeaderValue::from_static("openstack-api-version"),
        );
    }
    h.insert(REQUEST_ID, request_id());
    resp
}

/// An injected fault's answer.
fn injected(status: StatusCode) -> Response {
    error(status, "Injected fault (imgsig-mock --fault).")
}

/// Barbican's error body: `{"code": …, "title": …, "description": …}`.
fn error(status: StatusCode, description: &str) -> Response {
    let body = json!({
        "code": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "description": description,
    });
    json_response(status, &body)
}

fn unauthorized(cloud: &Cloud) -> Response {
    let body = json!({"error": {
        "code": 401,
        "title": "Unauthorized",
        "message": "The request you have made requires authentication.",
    }});
    let mut resp = json_response(StatusCode::UNAUTHORIZED, &body);
    if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"{}\"", cloud.urls.keystone)) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

fn secret_not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Not Found. Provided secret id is invalid.",
    )
}

/// Why a request was refused before reaching its handler.
#[derive(Debug, Clone, Copy)]
enum Denied {
    /// No valid token: 401.
    Unauthenticated,
    /// A token without a project: 403.
    Unscoped,
}

impl Denied {
    fn response(self, cloud: &Cloud) -> Response {
        match self {
            Denied::Unauthenticated => unauthorized(cloud),
            Denied::Unscoped => error(
                StatusCode::FORBIDDEN,
                "Forbidden. The token is not scoped to a project.",
            ),
        }
    }
}

/// Who is calling: a valid token and the project it is scoped to, put
/// into the request by [`authenticate`] for the secret handlers.
#[derive(Debug, Clone)]
struct Caller {
    token: Token,
    project_id: String,
}

/// The caller's token and its project.
fn authorise(cloud: &Cloud, headers: &HeaderMap) -> Result<Caller, Denied> {
    let token = header_str(headers, "x-auth-token")
        .and_then(|t| cloud.identity.validate(t))
        .ok_or(Denied::Unauthenticated)?;
    let project_id = token
        .project
        .as_ref()
        .map(|p| p.id.clone())
        .ok_or(Denied::Unscoped)?;
    Ok(Caller { token, project_id })
}

/// keystonemiddleware and Barbican's project check, before every secret
/// handler: 401 without a valid token, 403 for an unscoped one.
async fn authenticate(State(cloud): State<Arc<Cloud>>, mut req: Request, next: Next) -> Response {
    match authorise(&cloud, req.headers()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(denied) => denied.response(&cloud),
    }
}

fn version_obj(cloud: &Cloud) -> Value {
    json!({
        "id": "v1",
        "status": "stable",
        "links": [
            {"rel": "self", "href": format!("{}/v1/", cloud.urls.barbican)},
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.key-manager-v1+json"},
        ],
    })
}

async fn discovery(State(cloud): State<Arc<Cloud>>) -> Response {
    let body = json!({"versions": {"values": [version_obj(&cloud)]}});
    json_response(StatusCode::MULTIPLE_CHOICES, &body)
}

async fn version(State(cloud): State<Arc<Cloud>>) -> Response {
    json_response(StatusCode::OK, &json!({"version": version_obj(&cloud)}))
}

async fn fallback() -> Response {
    error(StatusCode::NOT_FOUND, "The resource could not be found.")
}

fn secret_ref(cloud: &Cloud, id: &str) -> String {
    format!("{}/v1/secrets/{id}", cloud.urls.barbican)
}

fn metadata(cloud: &Cloud, s: &Secret) -> Value {
    let when = iso_micros_naive(s.created);
    let mut obj = json!({
        "created": when,
        "updated": when,
        "status": "ACTIVE",
        "name": s.name,
        "secret_type": s.secret_type,
        "expiration": s.expiration,
        "algorithm": s.algorithm,
        "bit_length": s.bit_length,
        "mode": s.mode,
        "creator_id": s.creator_id,
    });
    if s.payload.is_some() {
        obj["content_types"] = match &s.payload_content_type {
            Some(ct) => json!({"default": ct}),
            None => json!({}),
        };
    }
    obj["secret_ref"] = secret_ref(cloud, &s.id).into();
    obj
}

#[derive(Debug, Deserialize)]
struct NewSecret {
    name: Option<String>,
    secret_type: Option<String>,
    payload: Option<String>,
    payload_content_type: Option<String>,
    payload_content_encoding: Option<String>,
    algorithm: Option<String>,
    bit_length: Option<u64>,
    mode: Option<String>,
    expiration: Option<String>,
}

/// A list of strings as Python prints it: `['a', 'b']`.
fn python_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("[{}]", quoted.join(", "))
}

fn bad_request(description: &str) -> Response {
    error(StatusCode::BAD_REQUEST, description)
}

async fn create(
    State(cloud): State<Arc<Cloud>>,
    Extension(Caller { token, project_id }): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if media_type(&headers).as_deref() != Some("application/json") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type. Content-Type must be application/json.",
        );
    }
    let new: NewSecret = match serde_json::from_slice::<Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
    {
        Ok(n) => n,
        Err(e) => {
            return bad_request(&format!(
                "Provided object does not match schema 'Secret': {e}. Invalid property: 'body'"
            ))
        }
    };
    let secret_type = new.secret_type.unwrap_or_else(|| "opaque".into());
    if !SECRET_TYPES.contains(&secret_type.as_str()) {
        return bad_request(&format!(
            "Provided object does not match schema 'Secret': '{secret_type}' is not one of \
             {SECRET_TYPES:?}. Invalid property: 'secret_type'"
        ));
    }
    let invalid = |reason: &str, property: &str| {
        bad_request(&format!(
            "Provided object does not match schema 'Secret': {reason}. Invalid property: \
             '{property}'"
        ))
    };
    let mut content_type = None;
    let payload = match (&new.payload, &new.payload_content_type) {
        (None, Some(_)) => {
            return invalid(
                "payload must be provided when payload_content_type is specified",
                "payload",
            )
        }
        (None, None) => None,
        (Some(_), None) => {
            return invalid(
                "If 'payload' is supplied, 'payload_content_type' must also be supplied",
                "payload_content_type",
            )
        }
        (Some(p), Some(given)) => {
            let Some(parsed) = ContentType::parse(given) else {
                return invalid(
                    &format!(
                        "payload_content_type is not one of {}",
                        python_list(&SUPPORTED_CONTENT_TYPES)
                    ),
                    "payload_content_type",
                );
            };
            let encoding = new.payload_content_encoding.as_deref();
            match (parsed, encoding) {
                (ContentType::Text, None) | (ContentType::Binary | ContentType::Pkcs8, Some(_)) => {
                }
                (ContentType::Text, Some(_)) => {
                    return invalid(
                        "payload_content_encoding is not one of None",
                        "payload_content_encoding",
                    )
                }
                (ContentType::Binary | ContentType::Pkcs8, None) => {
                    return invalid(
                        "payload_content_encoding is not one of ['base64', 'binary']",
                        "payload_content_encoding",
                    )
                }
            }
            if p.is_empty() {
                return invalid("If 'payload' specified, must be non empty", "payload");
            }
            content_type = Some(parsed);
            Some(p)
        }
    };
    let payload = match payload {
        None => None,
        Some(p) => match new.payload_content_encoding.as_deref() {
            Some("base64") => {
                let compact: String = p.split_whitespace().collect();
                match base64::engine::general_purpose::STANDARD.decode(compact) {
                    Ok(bytes) => Some(Bytes::from(bytes)),
                    Err(_) => {
                        return bad_request(
                            "Problem seen during crypto processing - Error while decoding \
                             payload: invalid base64.",
                        )
                    }
                }
            }
            None => Some(Bytes::from(p.clone().into_bytes())),
            Some(other) => {
                return bad_request(&format!(
                    "Provided object does not match schema 'Secret': payload_content_encoding \
                     '{other}' is not supported. Invalid property: 'payload_content_encoding'"
                ))
            }
        },
    };
    let secret = Secret {
        id: uuid::Uuid::new_v4().to_string(),
        project_id,
        creator_id: token.user.id.clone(),
        name: new.name,
        secret_type,
        payload,
        payload_content_type: content_type.map(|c| c.as_str().to_owned()),
        algorithm: new.algorithm,
        bit_length: new.bit_length,
        mode: new.mode,
        expiration: new.expiration,
        created: now_micros(),
    };
    let reference = secret_ref(&cloud, &secret.id);
    cloud.secrets.lock().insert(secret.id.clone(), secret);
    let mut resp = json_response(StatusCode::CREATED, &json!({"secret_ref": reference}));
    if let Ok(v) = HeaderValue::from_str(&reference) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    name: Option<String>,
}

/// Barbican's `default_limit_paging` and `max_limit_paging`.
const DEFAULT_LIMIT: usize = 10;
/// See [`DEFAULT_LIMIT`].
const MAX_LIMIT: usize = 100;

/// `offset` and `limit` as Barbican's `clean_paging_values` makes them: an
/// offset that is not a number, negative or past `sys.maxsize` is 0; a
/// limit that is not a number is 10, and it is held within 1 to 100.
fn paging(offset: Option<&str>, limit: Option<&str>) -> (usize, usize) {
    let offset = offset
        .filter(|o| !o.is_empty())
        .and_then(python_int)
        .filter(|o| (0..=i128::from(i64::MAX)).contains(o))
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(0);
    let limit = limit
        .filter(|l| !l.is_empty())
        .map_or(Some(DEFAULT_LIMIT as i128), python_int)
        .map_or(DEFAULT_LIMIT, |l| {
            usize::try_from(l.clamp(1, MAX_LIMIT as i128)).unwrap_or(MAX_LIMIT)
        });
    (offset, limit)
}

async fn list(
    State(cloud): State<Arc<Cloud>>,
    Extension(Caller { project_id, .. }): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Response {
    let (offset, limit) = paging(q.offset.as_deref(), q.limit.as_deref());
    let mut mine: Vec<Secret> = cloud
        .secrets
        .lock()
        .values()
        .filter(|s| s.project_id == project_id)
        .filter(|s| q.name.is_none() || s.name == q.name)
        .cloned()
        .collect();
    mine.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let total = mine.len();
    let page: Vec<Value> = mine
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| metadata(&cloud, s))
        .collect();
    let mut body = json!({"secrets": page, "total": total});
    let base = format!("{}/v1/secrets", cloud.urls.barbican);
    if offset > 0 {
        let prev = offset.saturating_sub(limit);
        body["previous"] = format!("{base}?limit={limit}&offset={prev}").into();
    }
    // The offset is the client's: an end past usize has no next page.
    if let Some(end) = offset.checked_add(limit).filter(|end| *end < total) {
        body["next"] = format!("{base}?limit={limit}&offset={end}").into();
    }
    json_response(StatusCode::OK, &body)
}

/// Whether `Accept` asks for JSON metadata (absent, `*/*` or JSON).
fn wants_metadata(headers: &HeaderMap) -> bool {
    match header_str(headers, header::ACCEPT.as_str()) {
        None => true,
        Some(accept) => accept
            .split(',')
            .map(|a| a.split(';').next().unwrap_or_default().trim())
            .any(|a| a == "application/json" || a == "*/*" || a.is_empty()),
    }
}

async fn show(
    State(cloud): State<Arc<Cloud>>,
    Extension(Caller { project_id, .. }): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let secret = match cloud.secrets.get(&id, &project_id) {
        Ok(secret) => secret,
        Err(Unreadable::OtherProject) => return not_allowed("Secret retrieval"),
        Err(Unreadable::Missing) => return secret_not_found(),
    };
    if wants_metadata(&headers) {
        json_response(StatusCode::OK, &metadata(&cloud, &secret))
    } else {
        // Barbican's older form: the payload from the secret's own URL.
        payload_response(&secret, &headers)
    }
}

fn payload_response(secret: &Secret, headers: &HeaderMap) -> Response {
    let (Some(payload), Some(content_type)) = (&secret.payload, &secret.payload_content_type)
    else {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found. Sorry but your secret has no payload.",
        );
    };
    // Barbican hands a payload over as bytes or, when text is asked for and
    // the bytes are UTF-8, as text (`openstack secret get --payload` asks
    // for text/plain by default).
    let accepted: Vec<&str> = match header_str(headers, header::ACCEPT.as_str()) {
        None => vec!["*/*"],
        Some(accept) => accept
            .split(',')
            .map(|a| a.split(';').next().unwrap_or_default().trim())
            .collect(),
    };
    let as_stored = accepted.iter().any(|a| {
        *a == "*/*" || a.eq_ignore_ascii_case(content_type) || *a == "application/octet-stream"
    });
    let as_text = accepted.contains(&"text/plain") && std::str::from_utf8(payload).is_ok();
    let content_type = match (as_stored, as_text) {
        (true, _) if accepted.contains(&"application/octet-stream") => "application/octet-stream",
        (true, _) => content_type.as_str(),
        (false, true) => "text/plain; charset=utf-8",
        (false, false) => {
            return error(StatusCode::NOT_ACCEPTABLE, "Wrong payload content-type");
        }
    };
    let mut resp = (StatusCode::OK, payload.clone()).into_response();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

async fn payload(
    State(cloud): State<Arc<Cloud>>,
    Extension(Caller { project_id, .. }): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match cloud.secrets.get(&id, &project_id) {
        Ok(secret) => payload_response(&secret, &headers),
        Err(Unreadable::OtherProject) => not_allowed("Secret payload retrieval"),
        Err(Unreadable::Missing) => secret_not_found(),
    }
}

async fn remove(
    State(cloud): State<Arc<Cloud>>,
    Extension(Caller { project_id, .. }): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let mut secrets = cloud.secrets.lock();
    match secrets.get(&id) {
        Some(s) if s.project_id == project_id => {
            secrets.remove(&id);
            StatusCode::NO_CONTENT.into_response()
        }
        Some(_) => not_allowed("Secret deletion"),
        None => secret_not_found(),
    }
}
