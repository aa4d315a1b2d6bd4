//! Keystone v3: version discovery, password and token auth with project
//! scope, token validation, the service catalog.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::auth::{AuthFailure, Lookup, Token};
use crate::faults::{self, Injector};
use crate::http::{
    compact_json, header_str, iso_micros_z, json_response, raw_json_response, request_id,
    REQUEST_ID,
};
use crate::{Cloud, Service};

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

fn unauthorized(cloud: &Cloud) -> Response {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    );
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
    if let Some(project) = &token.project {
        let roles = token
            .user
            .roles
            .iter()
            .map(|r| json!({"id": stable_id(&format!("role:{r}")), "name": r}))
            .collect::<Vec<_>>();
        body["project"] = json!({"domain": domain(), "id": project.id, "name": project.name});
        body["is_domain"] = false.into();
        body["roles"] = roles.into();
        body["catalog"] = catalog(cloud).into();
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

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))
        .and_then(Value::as_str)
}

async fn authenticate(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("Malformed JSON in request body.");
    };
    let Some(auth) = request.get("auth") else {
        return bad_request("'auth' is a required property");
    };
    let methods: Vec<String> = auth
        .pointer("/identity/methods")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let identity = &auth["identity"];
    let user = if methods.iter().any(|m| m == "password") {
        let u = &identity["password"]["user"];
        let Some(password) = str_at(u, &["password"]) else {
            return bad_request("'password' is a required property");
        };
        match cloud
            .identity
            .check_password(str_at(u, &["name"]), str_at(u, &["id"]), password)
        {
            Ok(user) => user.clone(),
            Err(_) => return unauthorized(&cloud),
        }
    } else if methods.iter().any(|m| m == "token") {
        let Some(old) = str_at(identity, &["token", "id"]).and_then(|t| cloud.identity.validate(t))
        else {
            return unauthorized(&cloud);
        };
        old.user
    } else {
        return unauthorized(&cloud);
    };
    let scope = auth.get("scope");
    let project = match scope.and_then(|s| s.get("project")) {
        Some(p) => match cloud
            .identity
            .project(str_at(p, &["name"]), str_at(p, &["id"]))
        {
            Some(p) => Some(p.clone()),
            None => return unauthorized(&cloud),
        },
        None if scope.is_some() => {
            return unauthorized(&cloud);
        }
        None => None,
    };
    match cloud.identity.issue(&user, project.as_ref(), methods) {
        Ok(token) => token_response(&cloud, StatusCode::CREATED, &token),
        Err(AuthFailure::Unauthorized | AuthFailure::NoRoleOnProject) => unauthorized(&cloud),
    }
}

fn caller(cloud: &Cloud, headers: &HeaderMap) -> Option<Token> {
    header_str(headers, "x-auth-token").and_then(|t| cloud.identity.validate(t))
}

/// Keystone 30's token policies (keystone/common/policies/token.py). The
/// mock has no system scope, so `(role:reader and system_scope:all)` never
/// holds; `rule:admin_required` is `role:admin` on any scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenPolicy {
    /// `identity:validate_token` (GET and, in Keystone 30, HEAD too):
    /// admin, service or the token's own user.
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
        let has = |role: &str| caller.user.roles.iter().any(|r| r == role);
        let service = self == TokenPolicy::Validate && has("service");
        has("admin") || service || caller.user.id == subject.user.id
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
            Refusal::Unauthenticated => unauthorized(cloud),
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
    let subject = match header_str(headers, "x-subject-token").filter(|s| !s.is_empty()) {
        None => return Err(Refusal::NotFound("No token in the request")),
        Some(id) => match cloud.identity.lookup(id) {
            Lookup::Valid(token) => *token,
            Lookup::Invalid => return Err(Refusal::NotFound("Failed to validate token")),
            Lookup::Unknown => return Err(Refusal::NotFound("Could not recognize Fernet token")),
        },
    };
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
