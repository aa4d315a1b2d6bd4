//! Barbican v1: secrets scoped to projects, their payloads and read ACLs
//! under Barbican's default policies, version discovery.

mod acl;
mod expiration;
mod list_query;
mod listing;
mod policy;
mod schema;
mod secrets;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use policy::Action;
use secrets::Secret;
pub use secrets::Secrets;

use crate::auth::Token;
use crate::faults::{self, Injector};
use crate::http::{header_str, json_response, request_id, REQUEST_ID};
use crate::{Cloud, Service};

/// The Barbican router.
pub(crate) fn router(cloud: Arc<Cloud>) -> Router {
    let secrets = Router::new()
        .route("/v1/secrets", get(listing::list).post(secrets::create))
        .route("/v1/secrets/", get(listing::list).post(secrets::create))
        .route(
            "/v1/secrets/{id}",
            get(secrets::show).delete(secrets::remove),
        )
        .route("/v1/secrets/{id}/payload", get(secrets::payload))
        .route("/v1/secrets/{id}/acl", acl::routes())
        .route("/v1/secrets/{id}/acl/", acl::routes())
        .route("/v1/secrets/{id}/acl/{*rest}", get(acl::beyond))
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

/// A request Barbican refuses: its status and description, answered in
/// Barbican's error body ([`error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Refusal {
    status: StatusCode,
    description: String,
}

impl Refusal {
    fn new(status: StatusCode, description: impl Into<String>) -> Refusal {
        Refusal {
            status,
            description: description.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.status, &self.description)
    }
}

/// The media ranges of `Accept`, without their parameters; `None` without
/// the header.
fn accepted(headers: &HeaderMap) -> Option<Vec<&str>> {
    header_str(headers, header::ACCEPT.as_str()).map(|accept| {
        accept
            .split(',')
            .map(|a| a.split(';').next().unwrap_or_default().trim())
            .collect()
    })
}

/// Barbican's `validate_id_is_uuid`: Python's `str(UUID(id, version=4)) ==
/// id`, so only the lowercase hyphenated form of a version 4 uuid.
fn is_secret_id(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|u| {
        u.get_version_num() == 4
            && u.get_variant() == uuid::Variant::RFC4122
            && u.hyphenated().to_string() == id
    })
}

/// The secret `id` for any caller (the policies decide next), or
/// Barbican's 404: one for an id it could never have made, one for an id
/// it does not hold.
fn lookup(cloud: &Cloud, id: &str) -> Result<Secret, Refusal> {
    if !is_secret_id(id) {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "Not Found. Provided secret id is invalid.",
        ));
    }
    cloud
        .secrets
        .find(id)
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "Secret not found."))
}

/// The secret `id`, once the caller's right to `action` on it is checked
/// (Barbican looks the secret up first: a 404 before a 403).
fn permitted(cloud: &Cloud, caller: &Caller, id: &str, action: Action) -> Result<Secret, Refusal> {
    let secret = lookup(cloud, id)?;
    caller.enforce(action, Some(&secret))?;
    Ok(secret)
}

/// Why a request was refused before reaching its handler.
#[derive(Debug, Clone, Copy)]
enum Denied {
    /// No valid token: 401.
    Unauthenticated,
    /// A valid token scoped to no project: Barbican's context middleware
    /// raises webob's 401 (a page for the request's `Accept`, not
    /// keystonemiddleware's JSON).
    Unscoped,
}

impl Denied {
    fn response(self, cloud: &Cloud, headers: &HeaderMap) -> Response {
        match self {
            Denied::Unauthenticated => unauthorized(cloud),
            Denied::Unscoped => crate::glance::webob_unauthorized(cloud, headers),
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
        .project()
        .map(|p| p.id.clone())
        .ok_or(Denied::Unscoped)?;
    Ok(Caller { token, project_id })
}

/// keystonemiddleware and Barbican's project check, before every secret
/// handler: 401 without a valid token or with one scoped to no project.
async fn authenticate(State(cloud): State<Arc<Cloud>>, mut req: Request, next: Next) -> Response {
    match authorise(&cloud, req.headers()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(denied) => denied.response(&cloud, req.headers()),
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
