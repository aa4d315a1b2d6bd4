//! The mock Glance against every upload recorded from the live Glance 33
//! (`harness/contract/tests/fixtures/glance33-formats.jsonl`): the same
//! status, body (for `Accept` JSON, HTML, `*/*` and empty), image status, stored
//! file, download and second upload.

mod common;
#[path = "../../harness/contract/tests/fixture/mod.rs"]
mod fixture;

use common::{
    admin_token, client, create_image, data_files, get, image, signed_props, start, store_cert,
};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::json;

/// What the mock answered, in the fixture's terms.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    content_type: Option<String>,
    body: String,
    image_status: String,
    store_file_kept: bool,
    download_status: u16,
    second: Option<(u16, String, String)>,
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_answers_every_recorded_upload_as_glance_33_did() {
    let recorded = fixture::load();
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let glance = cloud.urls().glance.clone();
    let mut compared = 0;
    for u in &recorded.uploads {
        let data = recorded.data[&u.data].clone();
        let mut props = json!({"disk_format": u.disk_format, "container_format": "bare"});
        let signed = match u.signature.as_str() {
            "good" => Some(data.clone()),
            "bad" => Some([&data[..], b"!"].concat()),
            _ => None,
        };
        if let Some(signed) = signed {
            props
                .as_object_mut()
                .unwrap()
                .extend(signed_props(&signed, &cert).as_object().unwrap().clone());
        }
        let id = create_image(&cloud, &token, props).await;
        let accept = match u.accept.as_str() {
            "json" => Some("application/json"),
            "html" => Some("text/html"),
            "any" => Some("*/*"),
            // An empty header: webob's plain text. (Without the header
            // the same, but the HTTP client here always sends one; the
            // unit tests of the negotiation cover it.)
            "empty" => Some(""),
            _ => continue,
        };
        let put = |accept: Option<&str>| {
            let mut req = client()
                .put(format!("{glance}/v2/images/{id}/file"))
                .header("X-Auth-Token", &token)
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(data.clone());
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            req.send()
        };
        let resp = put(accept).await.unwrap();
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = resp.text().await.unwrap().replace(&id, "IMAGE_ID");
        let (_, after) = image(&cloud, &token, &id).await;
        let download = get(format!("{glance}/v2/images/{id}/file"), &token).await;
        let download_status = download.status().as_u16();
        if download_status == 200 {
            assert_eq!(download.bytes().await.unwrap().to_vec(), data, "{id}");
        }
        let second = if status >= 300 {
            let again = put(Some("application/json")).await.unwrap();
            let s = again.status().as_u16();
            let b = again.text().await.unwrap().replace(&id, "IMAGE_ID");
            let (_, after) = image(&cloud, &token, &id).await;
            Some((s, b, after["status"].as_str().unwrap().to_owned()))
        } else {
            None
        };
        let seen = Seen {
            status,
            content_type,
            body,
            image_status: after["status"].as_str().unwrap().to_owned(),
            store_file_kept: data_files(&cloud).iter().any(|f| f.contains(&id)),
            download_status,
            second,
        };
        let want = Seen {
            status: u.status,
            content_type: u.content_type.clone(),
            body: u.body.clone(),
            image_status: u.image_status.clone(),
            store_file_kept: u.store_file_kept,
            download_status: u.download_status,
            second: u.second_upload_status.map(|s| {
                (
                    s,
                    u.second_upload_body.clone().unwrap_or_default(),
                    u.image_status_after_second.clone().unwrap_or_default(),
                )
            }),
        };
        assert_eq!(
            seen, want,
            "{} over {} ({}, Accept {})",
            u.disk_format, u.data, u.signature, u.accept
        );
        common::delete(format!("{glance}/v2/images/{id}"), &token).await;
        compared += 1;
    }
    assert!(compared > 250, "{compared} uploads compared");
}
