//! Glance v2: images, image members, streaming upload with signature
//! verification, download, interoperable import, tasks, schemas, version
//! discovery.

mod errors;
mod images;
mod import;
mod keymanager;
mod members;
mod patch;
mod policy;
mod schemas;
mod served;
mod store;
mod upload;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;

pub use errors::Failure;
pub(crate) use keymanager::KeyManager;
pub use store::{Image, Store, Viewer};

use crate::auth::Token;
use serde_json::{json, Value};

use crate::faults::{self, Injector};
use crate::http::{header_str, json_response, request_id, REQUEST_ID};
use crate::{Cloud, Service};

/// Versions Glance 33 lists, in the order it lists them.
const VERSIONS: [(&str, &str); 16] = [
    ("v2.15", "SUPPORTED"),
    ("v2.13", "SUPPORTED"),
    ("v2.12", "SUPPORTED"),
    ("v2.11", "SUPPORTED"),
    ("v2.10", "SUPPORTED"),
    ("v2.9", "SUPPORTED"),
    ("v2.8", "SUPPORTED"),
    ("v2.17", "CURRENT"),
    ("v2.7", "SUPPORTED"),
    ("v2.6", "SUPPORTED"),
    ("v2.5", "SUPPORTED"),
    ("v2.4", "SUPPORTED"),
    ("v2.3", "SUPPORTED"),
    ("v2.2", "SUPPORTED"),
    ("v2.1", "SUPPORTED"),
    ("v2.0", "SUPPORTED"),
];

/// The Glance router.
pub(crate) fn router(cloud: Arc<Cloud>) -> Router {
    let api = Router::new()
        .route("/v2/images", get(images::list).post(images::create))
        .route(
            "/v2/images/{id}",
            get(images::show)
                .patch(images::patch)
                .delete(images::delete),
        )
        .route(
            "/v2/images/{id}/file",
            put(upload::upload).get(upload::download),
        )
        .route(
            "/v2/images/{id}/members",
            get(members::list).post(members::create),
        )
        .route(
            "/v2/images/{id}/members/{member}",
            get(members::show)
                .put(members::update)
                .delete(members::delete),
        )
        .route("/v2/images/{id}/stage", put(import::stage))
        .route("/v2/images/{id}/import", post(import::import))
        .route("/v2/images/{id}/tasks", get(import::image_tasks))
        .route("/v2/tasks/{id}", get(import::task))
        .route("/v2/schemas/image", get(schemas::image))
        .route("/v2/schemas/images", get(schemas::images))
        .route("/v2/schemas/member", get(schemas::member))
        .route("/v2/schemas/members", get(schemas::members))
        .route("/v2/info/import", get(import::info))
        .route("/v2/info/stores", get(stores));
    let api = if cloud.test_controls {
        api.route(served::PATH, put(served::replace))
    } else {
        api
    };
    let api = api
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            cloud.clone(),
            authenticate,
        ));
    Router::new()
        .route("/", get(discovery))
        .route("/versions", get(versions))
        .route("/v2", get(versions))
        .route("/v2/", get(versions))
        .route("/healthcheck", get(healthcheck))
        .merge(api)
        .layer(axum::middleware::from_fn_with_state(
            Injector {
                service: Service::Glance,
                faults: cloud.faults.clone(),
                render: injected,
            },
            faults::inject,
        ))
        .layer(axum::middleware::from_fn(errors::render_errors))
        .with_state(cloud)
}

/// An injected fault's answer (rendered as Glance renders its errors).
fn injected(status: StatusCode) -> Response {
    Failure::new(status, "Injected fault (imgsig-mock --fault).").into_response()
}

async fn not_found() -> Failure {
    Failure::new(StatusCode::NOT_FOUND, "The resource could not be found.")
}

fn versions_body(cloud: &Cloud) -> Value {
    let href = format!("{}/v2/", cloud.urls.glance);
    let list: Vec<Value> = VERSIONS
        .iter()
        .map(|(id, status)| {
            json!({"id": id, "status": status, "links": [{"rel": "self", "href": href}]})
        })
        .collect();
    json!({"versions": list})
}

async fn discovery(State(cloud): State<Arc<Cloud>>) -> Response {
    json_response(StatusCode::MULTIPLE_CHOICES, &versions_body(&cloud))
}

async fn versions(State(cloud): State<Arc<Cloud>>) -> Response {
    json_response(StatusCode::OK, &versions_body(&cloud))
}

async fn healthcheck() -> Response {
    let mut resp = (StatusCode::OK, "OK").into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    resp
}

/// `GET /v2/info/stores`: the one store the mock has (the transcript's
/// Glance has multiple stores enabled: `OpenStack-image-store-ids`).
async fn stores() -> Response {
    let body = json!({"stores": [{
        "id": "file",
        "description": "Image data in the mock's temporary directory",
        "default": true,
    }]});
    json_response(StatusCode::OK, &body)
}

/// keystonemiddleware: a valid token or webob's 401 (for the request's
/// `Accept`, as every Glance error); then, for a token scoped to no
/// project, what Glance's policies make of it ([`unscoped_refusal`]).
async fn authenticate(State(cloud): State<Arc<Cloud>>, mut req: Request, next: Next) -> Response {
    let token = header_str(req.headers(), "x-auth-token").and_then(|t| cloud.identity.validate(t));
    let Some(token) = token else {
        return webob_unauthorized(&cloud, req.headers());
    };
    if let Some(refusal) = unscoped_refusal(&cloud, &token, req.method(), req.uri().path()) {
        let mut resp = refusal.into_response();
        resp.headers_mut().insert(REQUEST_ID, request_id());
        return resp;
    }
    req.extensions_mut().insert(token);
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(REQUEST_ID, request_id());
    resp
}

/// webob's 401 page for the request's `Accept`, with the Keystone that
/// issues tokens in `WWW-Authenticate`: Glance's answer without a valid
/// token, and Barbican's to a token scoped to no project.
pub(crate) fn webob_unauthorized(cloud: &Cloud, headers: &HeaderMap) -> Response {
    let mut resp = Failure::new(
        StatusCode::UNAUTHORIZED,
        "This server could not verify that you are authorized to access the document you \
         requested. Either you supplied the wrong credentials (e.g., bad password), or your \
         browser does not understand how to supply the credentials required.",
    )
    .render(header_str(headers, header::ACCEPT.as_str()));
    if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"{}\"", cloud.urls.keystone)) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// Glance 33's answer to a token scoped to no project (the system, or
/// nothing), where it is not the handler's own. Every policy needs a
/// project, so listing and creating images and any task call are 403.
/// An image the caller sees (the system's admin sees every image,
/// `context_is_admin`; anyone sees a public one) but no policy lets it
/// touch is hidden behind a bare 404; one it does not see is the
/// handler's usual not found (an unscoped token carries no roles). Schemas and
/// `/v2/info` need no policy. Recorded from the live Glance 33
/// (`tests/fixtures/glance33-unscoped.jsonl`).
fn unscoped_refusal(cloud: &Cloud, token: &Token, method: &Method, path: &str) -> Option<Failure> {
    if token.project().is_some() {
        return None;
    }
    let mut steps = path.trim_start_matches('/').split('/');
    match (steps.next(), steps.next(), steps.next()) {
        (Some("v2"), Some("images"), None) if method == Method::GET => {
            Some(policy::not_authorized("get_images"))
        }
        (Some("v2"), Some("images"), None) if method == Method::POST => {
            Some(policy::not_authorized("add_image"))
        }
        (Some("v2"), Some("tasks"), _) => Some(policy::not_authorized("tasks_api_access")),
        (Some("v2"), Some("images"), Some(id))
            if cloud.glance.get(id, viewer_of(token)).is_some() =>
        {
            Some(Failure::new(
                StatusCode::NOT_FOUND,
                "The resource could not be found.",
            ))
        }
        _ => None,
    }
}

/// The caller's project id ("" for a token scoped to no project).
fn project_of(token: &Token) -> &str {
    token.project().map(|p| p.id.as_str()).unwrap_or_default()
}

/// The caller as a viewer of images.
fn viewer_of(token: &Token) -> Viewer<'_> {
    Viewer {
        project: project_of(token),
        admin: token.has_role("admin"),
    }
}

/// An empty answer with Glance's `text/html` content type (204s, 202s).
fn empty(status: StatusCode) -> Response {
    let mut resp = status.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    resp
}

/// An image record's JSON properties, read as Glance reads them: a property
/// that is not a string is not a signature property.
struct JsonProperties<'a>(&'a serde_json::Map<String, serde_json::Value>);

impl imgsig_contract::PropertySource for JsonProperties<'_> {
    fn property(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(serde_json::Value::as_str)
    }
}
