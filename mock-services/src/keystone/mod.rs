//! Keystone v3: version discovery, password and token auth scoped to a
//! project, the system or nothing, token validation, the service catalog.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::auth::{Token, TokenScope};
use crate::faults::{self, Injector};
use crate::http::{
    compact_json, header_str, iso_micros_z, json_response, raw_json_response, request_id,
    REQUEST_ID,
};
use crate::{Cloud, Service};

mod methods;
mod request;

use request::{expecting, Asked, Refused};

/// Keystone's API version in discovery documents.
const VERSION: &str = "v3.14";

/// The Keystone router.
pub(crate) fn router(cloud: Arc<Cloud>) -> Router {
    Router::new()
        .route("/", get(discovery))
        .route("/v3", get(version))
        .route("/v3/", get(version))
        .route(
            "/v3/auth/tokens",
            get(validate)
                .head(validate)
                .post(authenticate)
                .delete(revoke),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Injector {
                service: Service::Keystone,
                faults: cloud.faults.clone(),
                render: injected,
            },
            faults::inject,
        ))
        .layer(axum::middleware::map_response(keystone_headers))
        .with_state(cloud)
}

async fn keystone_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("X-Auth-Token"));
    h.insert(REQUEST_ID, request_id());
    resp
}

fn version_obj(cloud: &Cloud) -> Value {
    json!({
        "id": VERSION,
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/v3/", cloud.urls.keystone)}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"},
        ],
    })
}

async fn discovery(State(cloud): State<Arc<Cloud>>) -> Response {
    let body = json!({"versions": {"values": [version_obj(&cloud)]}});
    let mut resp = json_response(StatusCode::MULTIPLE_CHOICES, &body);
    if let Ok(v) = HeaderValue::from_str(&format!("{}/v3/", cloud.urls.keystone)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn version(State(cloud): State<Arc<Cloud>>) -> Response {
    json_response(StatusCode::OK, &json!({"version": version_obj(&cloud)}))
}

/// Keystone's error body: `{"error":{"code":…,"message":…,"title":…}}`.
fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({"error": {
        "code": status.as_u16(),
        "message": message,
        "title": status.canonical_reason().unwrap_or("Error"),
    }});
    // Flask's jsonify ends the body with a newline.
    raw_json_response(status, compact_json(&body) + "\n")
}

/// Keystone's 401, with the `WWW-Authenticate` it sends. An
/// authentication plugin's 401 has its own message and its `identity`
/// part (keys in the order Flask's jsonify sorts them).
fn unauthorized(cloud: &Cloud, plugin: Option<(&str, Value)>) -> Response {
    let status = StatusCode::UNAUTHORIZED;
    let mut resp = match plugin {
        None => error(status, "The request you have made requires authentication."),
        Some((message, identity)) => {
            let body = json!({"error": {
                "code": status.as_u16(),
                "identity": identity,
                "message": message,
                "title": "Unauthorized",
            }});
            raw_json_response(status, compact_json(&body) + "\n")
        }
    };
    if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"{}/v3\"", cloud.urls.keystone)) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// An injected fault's answer.
fn injected(status: StatusCode) -> Response {
    error(status, "Injected fault (imgsig-mock --fault).")
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "The resource could not be found.")
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// A stable 32-hex id derived from `seed` (role, service and endpoint ids
/// do not change between calls, as in a real deployment).
fn stable_id(seed: &str) -> String {
    openssl::hash::hash(openssl::hash::MessageDigest::md5(), seed.as_bytes())
        .map(hex::encode)
        .unwrap_or_else(|_| seed.to_owned())
}

fn domain() -> Value {
    json!({"id": "default", "name": "Default"})
}

fn catalog(cloud: &Cloud) -> Vec<Value> {
    let region = &cloud.identity.config().region;
    let services = [
        (
            "identity",
            "keystone",
            format!("{}/v3", cloud.urls.keystone),
        ),
        ("image", "glance", cloud.urls.glance.clone()),
        ("key-manager", "barbican", cloud.urls.barbican.clone()),
    ];
    services
        .into_iter()
        .map(|(kind, name, url)| {
            let endpoints = ["public", "internal", "admin"]
                .into_iter()
                .map(|interface| {
                    json!({
                        "id": stable_id(&format!("endpoint:{kind}:{interface}")),
                        "interface": interface,
                        "region_id": region,
                        "url": url,
                        "region": region,
                    })
                })
                .collect::<Vec<_>>();
            json!({
                "endpoints": endpoints,
                "id": stable_id(&format!("service:{kind}")),
                "type": kind,
                "name": name,
            })
        })
        .collect()
}

/// The `{"token": …}` body for `token`.
fn token_body(cloud: &Cloud, token: &Token) -> Value {
    let mut body = json!({
        "methods": token.methods,
        "user": {
            "domain": domain(),
            "id": token.user.id,
            "name": token.user.name,
            "password_expires_at": null,
        },
        "audit_ids": [token.audit_id],
        "expires_at": iso_micros_z(token.expires_at - token.expires_at % 1_000_000),
        "issued_at": iso_micros_z(token.issued_at - token.issued_at % 1_000_000),
    });
    let roles = || {
        token
            .roles()
            .iter()
            .map(|r| json!({"id": stable_id(&format!("role:{r}")), "name": r}))
            .collect::<Vec<_>>()
    };
    match &token.scope {
        TokenScope::Unscoped => {}
        TokenScope::Project(project) => {
            body["project"] = json!({"domain": domain(), "id": project.id, "name": project.name});
            body["is_domain"] = false.into();
            body["roles"] = roles().into();
            body["catalog"] = catalog(cloud).into();
        }
        TokenScope::System => {
            body["roles"] = roles().into();
            body["system"] = json!({"all": true});
            body["catalog"] = catalog(cloud).into();
        }
    }
    json!({"token": body})
}

fn token_response(cloud: &Cloud, status: StatusCode, token: &Token) -> Response {
    let mut resp = json_response(status, &token_body(cloud, token));
    if let Ok(v) = HeaderValue::from_str(&token.id) {
        resp.headers_mut().insert("X-Subject-Token", v);
    }
    resp
}

/// Whether Flask takes a body of this `Content-Type` for JSON
/// (`Request.is_json`; Keystone also takes one with no type).
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = header_str(headers, "content-type").filter(|v| !v.is_empty()) else {
        return true;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// `POST /v3/auth/tokens` in Keystone 30's order: the body
/// (keystone/server/flask/request_processing/json_body.py), its `auth`,
/// then [`issue`].
async fn authenticate(
    State(cloud): State<Arc<Cloud>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let refused = |refused: Refused| match refused {
        Refused::Invalid(message) => bad_request(&message),
        Refused::Unauthorized => unauthorized(&cloud, None),
        Refused::NotFound(message) => error(StatusCode::NOT_FOUND, &message),
        Refused::Unsupported => unauthorized(
            &cloud,
            Some((
                "Attempted to authenticate with an unsupported method.",
                json!({"methods": methods::LOADED}),
            )),
        ),
        Refused::Plugin(message) => unauthorized(&cloud, Some((message, json!({})))),
    };
    let request = if body.is_empty() {
        Value::Null
    } else if !json_content_type(&headers) {
        return refused(expecting("application/json", "Content-Type header"));
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(request) if request.is_object() => request,
            _ => return refused(expecting("valid JSON", "request body")),
        }
    };
    let Some(auth) = request.get("auth").filter(|auth| !auth.is_null()) else {
        return refused(expecting("auth", "request body"));
    };
    match issue(&cloud, auth) {
        Ok(token) => token_response(&cloud, StatusCode::CREATED, &token),
        Err(refusal) => refused(refusal),
    }
}

/// The token `auth` asks for, in Keystone's order: the request's schema
/// and methods, the scope (looked up), each method's credentials, then
/// the user's roles on the scope.
fn issue(cloud: &Cloud, auth: &Value) -> Result<Token, Refused> {
    request::check(auth)?;
    let methods = request::methods(auth)?;
    let scope = match request::asked(auth.get("scope"))? {
        Asked::Unscoped => TokenScope::Unscoped,
        Asked::System => TokenScope::System,
        Asked::Project { name, id } => cloud
            .identity
            .project(name, id)
            .map(|p| TokenScope::Project(p.clone()))
            .ok_or(Refused::Unauthorized)?,
        Asked::Unavailable => return Err(Refused::Unauthorized),
    };
    let (user, methods) = methods::authenticate(cloud, auth, &methods)?;
    cloud
        .identity
        .issue(&user, scope, methods)
        .map_err(|_| Refused::Unauthorized)
}

fn caller(cloud: &Cloud, headers: &HeaderMap) -> Option<Token> {
    header_str(headers, "x-auth-token").and_then(|t| cloud.identity.validate(t))
}

/// Keystone 30's token policies (keystone/common/policies/token.py);
/// `rule:admin_required` is `role:admin` on any scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenPolicy {
    /// `identity:validate_token` (GET and, in Keystone 30, HEAD too):
    /// admin, a system reader, service or the token's own user.
    Validate,
    /// `identity:revoke_token` (DELETE): admin or the token's own user.
    Revoke,
}

impl TokenPolicy {
    fn name(self) -> &'static str {
        match self {
            TokenPolicy::Validate => "identity:validate_token",
            TokenPolicy::Revoke => "identity:revoke_token",
        }
    }

    /// Whether `caller` may act on `subject`.
    fn allows(self, caller: &Token, subject: &Token) -> bool {
        let reads = self == TokenPolicy::Validate
            && (caller.has_role("service")
                || (caller.scope == TokenScope::System && caller.has_role("reader")));
        caller.has_role("admin") || reads || caller.user.id == subject.user.id
    }
}

/// Why a token call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The caller's own token is not valid: 401.
    Unauthenticated,
    /// The subject token is missing, unknown or no longer valid: 404.
    NotFound(&'static str),
    /// The policy does not allow it: 403.
    Forbidden(TokenPolicy),
}

impl Refusal {
    fn response(self, cloud: &Cloud) -> Response {
        match self {
            Refusal::Unauthenticated => unauthorized(cloud, None),
            Refusal::NotFound(message) => error(StatusCode::NOT_FOUND, message),
            Refusal::Forbidden(policy) => error(
                StatusCode::FORBIDDEN,
                &format!(
                    "You are not authorized to perform the requested action: {}.",
                    policy.name()
                ),
            ),
        }
    }
}

/// The subject token of a GET, HEAD or DELETE, once the caller is
/// authenticated: looked up first (404s), then the policy (403), as
/// Keystone does.
fn subject(cloud: &Cloud, headers: &HeaderMap, policy: TokenPolicy) -> Result<Token, Refusal> {
    let caller = caller(cloud, headers).ok_or(Refusal::Unauthenticated)?;
    let subject = methods::valid_token(cloud, header_str(headers, "x-subject-token"))
        .map_err(Refusal::NotFound)?;
    if policy.allows(&caller, &subject) {
        Ok(subject)
    } else {
        Err(Refusal::Forbidden(policy))
    }
}

async fn validate(State(cloud): State<Arc<Cloud>>, headers: HeaderMap) -> Response {
    match subject(&cloud, &headers, TokenPolicy::Validate) {
        Ok(token) => token_response(&cloud, StatusCode::OK, &token),
        Err(refusal) => refusal.response(&cloud),
    }
}

async fn revoke(State(cloud): State<Arc<Cloud>>, headers: HeaderMap) -> Response {
    match subject(&cloud, &headers, TokenPolicy::Revoke) {
        Ok(token) => {
            cloud.identity.revoke(&token.id);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(refusal) => refusal.response(&cloud),
    }
}
