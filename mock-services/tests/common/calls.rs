//! Requests sent as a token that ask for JSON answers (Glance renders its
//! errors as JSON only when asked), and their answers read as JSON: the
//! request boilerplate of the policy and visibility tests.

use imgsig_mock::MockCloud;
use reqwest::{IntoUrl, Method, RequestBuilder, StatusCode};
use serde_json::Value;

use super::client;

/// `METHOD url` with `X-Auth-Token: token` and `Accept: application/json`.
pub fn request(method: Method, url: impl IntoUrl, token: &str) -> RequestBuilder {
    client()
        .request(method, url)
        .header("X-Auth-Token", token)
        .header("Accept", "application/json")
}

/// Send `request`: the status and the JSON body (`Null` when it is not
/// JSON, as a 204's).
pub async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let resp = request.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `POST /v2/images` with `body`.
pub async fn post_image(cloud: &MockCloud, token: &str, body: &Value) -> (StatusCode, Value) {
    let url = format!("{}/v2/images", cloud.urls().glance);
    answer(request(Method::POST, url, token).json(body)).await
}

/// `PATCH /v2/images/{id}` with the JSON-patch `ops`.
pub async fn patch_image(
    cloud: &MockCloud,
    token: &str,
    id: &str,
    ops: &Value,
) -> (StatusCode, Value) {
    let url = format!("{}/v2/images/{id}", cloud.urls().glance);
    answer(json_patch(request(Method::PATCH, url, token), ops)).await
}

/// `request` with the JSON-patch `ops` as Glance takes them.
pub fn json_patch(request: RequestBuilder, ops: &Value) -> RequestBuilder {
    request
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .body(ops.to_string())
}
