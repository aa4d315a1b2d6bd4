//! Whatever arrives, every service answers, and never with a 5xx (faults
//! switched off): every method on every route, with empty, garbage and
//! wrongly typed bodies.
#![allow(clippy::unwrap_used)]

mod common;

use common::{admin_token, client, create_image, start};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_gets_a_server_error() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let image = create_image(&cloud, &token, json!({"img_signature": "x"})).await;
    let urls = cloud.urls();
    let k = urls.keystone.as_str();
    let b = urls.barbican.as_str();
    let g = urls.glance.as_str();
    let targets = [
        format!("{k}/"),
        format!("{k}/v3"),
        format!("{k}/v3/auth/tokens"),
        format!("{k}/v3/nope"),
        format!("{b}/"),
        format!("{b}/v1"),
        format!("{b}/v1/secrets"),
        format!("{b}/v1/secrets/{image}"),
        format!("{b}/v1/secrets/{image}/payload"),
        format!("{b}/v1/secrets/%2e%2e"),
        format!("{g}/"),
        format!("{g}/versions"),
        format!("{g}/healthcheck"),
        format!("{g}/v2/images"),
        format!("{g}/v2/images/{image}"),
        format!("{g}/v2/images/{image}/file"),
        format!("{g}/v2/images/{image}/stage"),
        format!("{g}/v2/images/{image}/import"),
        format!("{g}/v2/images/{image}/tasks"),
        format!("{g}/v2/tasks/{image}"),
        format!("{g}/v2/schemas/image"),
        format!("{g}/v2/info/import"),
        format!("{g}/v2/images/%ff%fe"),
    ];
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    let bodies: [(&str, &[u8]); 5] = [
        ("application/json", b""),
        (
            "application/json",
            b"{\"auth\": null, \"method\": 5, \"name\": [1]}",
        ),
        (
            "application/openstack-images-v2.1-json-patch",
            b"[{\"op\": \"add\", \"path\": \"/\", \"value\": {}}]",
        ),
        ("application/octet-stream", b"\x00\xff\x00"),
        ("text/plain", b"\xc3\x28 not utf-8"),
    ];
    for url in &targets {
        for method in &methods {
            for (content_type, body) in &bodies {
                for auth in [true, false] {
                    let mut req = client()
                        .request(method.clone(), url)
                        .header("Content-Type", *content_type)
                        .body(body.to_vec());
                    if auth {
                        req = req.header("X-Auth-Token", &token);
                    }
                    let status = req.send().await.unwrap().status();
                    assert!(
                        !status.is_server_error(),
                        "{method} {url} ({content_type}, auth {auth}): {status}"
                    );
                }
            }
        }
    }
}
