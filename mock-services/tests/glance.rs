//! Glance v2 on the wire, against `shared/wire/transcript.md` and SPEC.md.
#![allow(clippy::unwrap_used)]

mod common;

use common::{
    admin_token, client, create_image, data_files, delete, get, image, signed_props, start,
    store_cert, store_secret, token_for, upload,
};
use imgsig::spec::Profile;
use reqwest::StatusCode;
use serde_json::{json, Value};

const DATA: &[u8] = b"This is a dodgy image\n";

#[tokio::test]
async fn version_discovery_and_healthcheck_need_no_token() {
    let cloud = start().await;
    let root = &cloud.urls().glance;
    let resp = client().get(format!("{root}/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::MULTIPLE_CHOICES);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body = resp.text().await.unwrap();
    // Same document as the transcript's, with our address.
    assert_eq!(
        body.len(),
        1698 + 16 * (root.len() - "http://127.0.0.1:29292".len())
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["versions"][7],
        json!({"id": "v2.17", "status": "CURRENT", "links": [{"rel": "self", "href": format!("{root}/v2/")}]})
    );
    let health = client()
        .get(format!("{root}/healthcheck"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "OK");
}

#[tokio::test]
async fn no_token_is_the_transcripts_401_page() {
    let cloud = start().await;
    // curl's `Accept: */*`, as in the transcript (without the header
    // webob answers plain text).
    let resp = client()
        .get(format!("{}/v2/images", cloud.urls().glance))
        .header("accept", "*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=UTF-8");
    assert_eq!(
        resp.headers()["www-authenticate"].to_str().unwrap(),
        format!("Keystone uri=\"{}\"", cloud.urls().keystone)
    );
    let body = resp.text().await.unwrap();
    assert_eq!(body.len(), 358);
    insta::assert_snapshot!("glance_no_token", body);
}

#[tokio::test]
async fn create_answers_201_queued_with_the_import_headers() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let props = signed_props(DATA, "089219c4-e839-4de4-80b7-46770c906878");
    let mut body = json!({"name": "wire", "container_format": "bare", "disk_format": "raw"});
    body.as_object_mut()
        .unwrap()
        .extend(props.as_object().unwrap().clone());
    let resp = client()
        .post(format!("{}/v2/images", cloud.urls().glance))
        .header("X-Auth-Token", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(
        h["openstack-image-import-methods"],
        "glance-direct,web-download,copy-image"
    );
    assert_eq!(
        h["openstack-image-store-ids"],
        "file,os_glance_staging_store,os_glance_tasks_store"
    );
    assert!(h["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req-"));
    let text = resp.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let id = v["id"].as_str().unwrap();
    assert_eq!(
        h["location"].to_str().unwrap(),
        format!("{}/v2/images/{id}", cloud.urls().glance)
    );
    assert!(text.starts_with(r#"{"img_signature": ""#));
    let keys: Vec<&str> = {
        // Order of keys as sent (serde_json::Value sorts, so read the text).
        let mut keys = Vec::new();
        let mut rest = text.as_str();
        for key in [
            "img_signature_certificate_uuid",
            "img_signature_hash_method",
            "img_signature_key_type",
            "\"name\"",
            "disk_format",
            "container_format",
            "visibility",
            "\"size\"",
            "virtual_size",
            "status",
            "checksum",
            "protected",
            "min_ram",
            "min_disk",
            "owner",
            "os_hidden",
            "os_hash_algo",
            "os_hash_value",
            "\"id\"",
            "created_at",
            "updated_at",
            "tags",
            "\"self\"",
            "\"file\"",
            "schema",
        ] {
            let at = rest
                .find(key)
                .unwrap_or_else(|| panic!("{key} missing or out of order in {text}"));
            rest = &rest[at..];
            keys.push(key);
        }
        keys
    };
    assert_eq!(keys.len(), 25);
    assert_eq!(v["status"], "queued");
    assert_eq!(v["visibility"], "shared");
    assert_eq!(v["size"], Value::Null);
    assert_eq!(v["self"], format!("/v2/images/{id}"));
    // Same length as the transcript's record (ids and times have fixed widths).
    let transcript_sig_len = 140;
    let our_sig_len = v["img_signature"].as_str().unwrap().len();
    assert_eq!(text.len() + transcript_sig_len - our_sig_len, 929);
}

#[tokio::test]
async fn a_good_upload_goes_active_and_downloads_with_content_md5() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=UTF-8");
    // uwsgi also sent `Content-Length: 0`; hyper never sends a length on
    // a 204 (RFC 9110 forbids it), and clients do not rely on it.
    let (_, v) = image(&cloud, &token, &id).await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["size"], 22);
    assert_eq!(v["checksum"], "69bcebf29946998555945bfd562df6f0");
    assert_eq!(v["os_hash_algo"], "sha512");
    assert_eq!(v["os_hash_value"], "756138eda333dfdd93b80d8bae18b447fbab34462db0cc57df732b81e51015961e815e04c09b42da7de16058d0fc34812d6ecc3496bd7519c395202e88705ccc");
    assert_eq!(v["stores"], "file");
    let text = get(format!("{}/v2/images/{id}", cloud.urls().glance), &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(text.ends_with(r#", "schema": "/v2/schemas/image", "stores": "file"}"#));
    // The transcript's active record: 1103 bytes with a 140-character
    // signature and the name "wire".
    let sig_len = v["img_signature"].as_str().unwrap().len();
    assert_eq!(text.len() + 140 - sig_len, 1103, "{text}");
    let resp = get(
        format!("{}/v2/images/{id}/file", cloud.urls().glance),
        &token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        resp.headers()["content-md5"],
        "69bcebf29946998555945bfd562df6f0"
    );
    assert_eq!(resp.headers()["content-length"], "22");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), DATA);
    // A second upload to an active image conflicts.
    assert_eq!(
        upload(&cloud, &token, &id, DATA.to_vec()).await.status(),
        StatusCode::CONFLICT
    );
}

fn anonymise(body: &str, id: &str) -> String {
    body.replace(id, "[image-id]")
}

/// More than three of the upload's batches, in whatever frames hyper reads:
/// every byte reaches the file, the verifier and both checksums, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_of_many_batches_keeps_every_byte_in_order() {
    use openssl::hash::{hash, MessageDigest};
    let data: Vec<u8> = (0..3 * (1u32 << 20) + 12_345)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(&data, &cert)).await;
    let resp = upload(&cloud, &token, &id, data.clone()).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (_, v) = image(&cloud, &token, &id).await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["size"], data.len());
    let hex = |d: MessageDigest| hex::encode(hash(d, &data).unwrap());
    assert_eq!(v["checksum"], hex(MessageDigest::md5()));
    assert_eq!(v["os_hash_value"], hex(MessageDigest::sha512()));
    let stored = get(
        format!("{}/v2/images/{id}/file", cloud.urls().glance),
        &token,
    )
    .await
    .bytes()
    .await
    .unwrap();
    assert!(
        stored.as_ref() == data.as_slice(),
        "the stored data differs"
    );
}

#[tokio::test]
async fn tampered_data_is_400_and_the_image_goes_back_to_queued() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    let resp = upload(&cloud, &token, &id, b"This is a dodgy image!".to_vec()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=UTF-8");
    let body = resp.text().await.unwrap();
    assert_eq!(body.len(), 233);
    insta::assert_snapshot!("glance_signature_mismatch", anonymise(&body, &id));
    let (_, v) = image(&cloud, &token, &id).await;
    assert_eq!(v["status"], "queued");
    assert_eq!(v["size"], Value::Null);
    assert_eq!(v["checksum"], Value::Null);
    assert!(v.get("stores").is_none());
    let resp = get(
        format!("{}/v2/images/{id}/file", cloud.urls().glance),
        &token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(data_files(&cloud).is_empty(), "{:?}", data_files(&cloud));
    // The same image can be uploaded again, with the right bytes.
    assert_eq!(
        upload(&cloud, &token, &id, DATA.to_vec()).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(image(&cloud, &token, &id).await.1["status"], "active");
}

#[tokio::test]
async fn errors_are_json_when_json_is_accepted() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    let resp = client()
        .put(format!("{}/v2/images/{id}/file", cloud.urls().glance))
        .header("X-Auth-Token", &token)
        .header("Content-Type", "application/octet-stream")
        .header("Accept", "application/json")
        .body(b"tampered".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body = resp.text().await.unwrap();
    assert_eq!(
        body,
        format!(
            r#"{{"message": "Signature verification failed for image {id}: Signature verification failed<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}}"#
        )
    );
}

async fn rejected_upload(props: Value) -> (String, String) {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let id = create_image(&cloud, &token, props).await;
    let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body = resp.text().await.unwrap();
    assert_eq!(image(&cloud, &token, &id).await.1["status"], "queued");
    (anonymise(&body, &id), id)
}

#[tokio::test]
async fn the_documented_bare_key_type_is_rejected_as_in_the_transcript() {
    let mut props = signed_props(DATA, "00000000-0000-0000-0000-000000000000");
    props["img_signature_key_type"] = json!("SECP384R1");
    let (body, _) = rejected_upload(props).await;
    assert_eq!(body.len(), 287 - 36 + "[image-id]".len());
    insta::assert_snapshot!("glance_bare_key_type", body);
}

#[tokio::test]
async fn an_unknown_certificate_is_rejected_as_in_the_transcript() {
    let props = signed_props(DATA, "00000000-0000-0000-0000-000000000000");
    let (body, _) = rejected_upload(props).await;
    assert_eq!(body.len(), 317 - 36 + "[image-id]".len());
    insta::assert_snapshot!("glance_unknown_certificate", body);
}

#[tokio::test]
async fn rejections_name_the_upstream_reason() {
    let cases = [
        (
            "img_signature",
            json!("abc"),
            "The signature data was not properly encoded using base64",
        ),
        (
            "img_signature_hash_method",
            json!("sha256"),
            "Invalid signature hash method: sha256",
        ),
        (
            "img_signature",
            json!(""),
            "Error occurred while creating the verifier",
        ),
    ];
    for (key, value, reason) in cases {
        let cloud = start().await;
        let token = admin_token(&cloud).await;
        let cert = store_cert(&cloud, &token).await;
        let mut props = signed_props(DATA, &cert);
        props[key] = value;
        let id = create_image(&cloud, &token, props).await;
        let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(&format!(
                "Signature verification for the image failed: {reason}.<br />"
            )),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_secret_that_is_not_a_certificate_is_an_invalid_format() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let opaque = store_secret(&cloud, &token, "opaque", &common::signer().cert_pem).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &opaque)).await;
    let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Invalid certificate format: Opaque."));
}

#[tokio::test]
async fn an_image_without_all_four_properties_uploads_unverified() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let mut props = signed_props(DATA, "00000000-0000-0000-0000-000000000000");
    props.as_object_mut().unwrap().remove("img_signature");
    let id = create_image(&cloud, &token, props).await;
    assert_eq!(
        upload(&cloud, &token, &id, b"anything".to_vec())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(image(&cloud, &token, &id).await.1["status"], "active");
}

#[tokio::test]
async fn the_documented_profile_deletes_a_failed_image() {
    let cloud = start().await;
    cloud.set_profile(Profile::Documented);
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    assert_eq!(
        upload(&cloud, &token, &id, b"tampered".to_vec())
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(image(&cloud, &token, &id).await.0, StatusCode::NOT_FOUND);
    assert!(data_files(&cloud).is_empty());
}

#[tokio::test]
async fn the_certificate_is_fetched_with_the_users_token() {
    // The certificate lives in the admin project; a demo user's image that
    // names it gets Barbican's 403, so Glance cannot retrieve it (as the
    // live Barbican 23 and Glance 33 answered, 2026-12-03).
    let cloud = start().await;
    let admin = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &admin).await;
    let demo = token_for(&cloud, "demo", "demo").await;
    let id = create_image(&cloud, &demo, signed_props(DATA, &cert)).await;
    let resp = upload(&cloud, &demo, &id, DATA.to_vec()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains(&format!("Unable to retrieve certificate with ID: {cert}.")));
}

#[tokio::test]
async fn barbican_failures_mean_unable_to_retrieve_the_certificate() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    for fault in ["barbican:*:/**=500", "barbican:*:/**=reset"] {
        cloud.faults().add(fault.parse().unwrap());
        let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
        let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{fault}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(&format!("Unable to retrieve certificate with ID: {cert}.")),
            "{fault}: {body}"
        );
        assert_eq!(image(&cloud, &token, &id).await.1["status"], "queued");
        cloud.faults().clear();
    }
    // A slow Barbican is waited for, up to the key manager timeout.
    cloud
        .faults()
        .add("barbican:*:/**=delay-200".parse().unwrap());
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    assert_eq!(
        upload(&cloud, &token, &id, DATA.to_vec()).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_refused_afterwards() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let id = create_image(&cloud, &token, json!({})).await;
    cloud.faults().expire_all_tokens();
    let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let fresh = admin_token(&cloud).await;
    assert_eq!(image(&cloud, &fresh, &id).await.1["status"], "queued");
}

#[tokio::test]
async fn patch_adds_replaces_and_removes_properties() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let id = create_image(&cloud, &token, signed_props(DATA, "x")).await;
    let patch = |ops: Value, content_type: &'static str| {
        let url = format!("{}/v2/images/{id}", cloud.urls().glance);
        let token = token.clone();
        async move {
            client()
                .patch(url)
                .header("X-Auth-Token", token)
                .header("Content-Type", content_type)
                .body(ops.to_string())
                .send()
                .await
                .unwrap()
        }
    };
    const PATCH: &str = "application/openstack-images-v2.1-json-patch";
    let resp = patch(
        json!([{"op": "replace", "path": "/img_signature_hash_method", "value": "SHA-512"}]),
        PATCH,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["img_signature_hash_method"], "SHA-512");
    let resp = patch(json!([{"op": "add", "path": "/extra", "value": "1"}, {"op": "remove", "path": "/img_signature"}, {"op": "replace", "path": "/name", "value": "renamed"}]), PATCH).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["extra"], "1");
    assert_eq!(v["name"], "renamed");
    assert!(v.get("img_signature").is_none());
    assert_eq!(
        patch(json!([{"op": "remove", "path": "/nothing"}]), PATCH)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        patch(
            json!([{"op": "replace", "path": "/status", "value": "active"}]),
            PATCH
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch(json!([{"op": "move", "path": "/name"}]), PATCH)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        patch(json!({"op": "add"}), PATCH).await.status(),
        StatusCode::BAD_REQUEST
    );
    // Glance 33 names the patch types in `Accept-Patch` too, whatever the
    // rendering (asked on the live stack on 2026-12-03 as JSON, HTML and
    // `*/*`).
    let refused = patch(json!([]), "application/json").await;
    assert_eq!(refused.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        refused.headers()["accept-patch"],
        "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch"
    );
}

#[tokio::test]
async fn malformed_json_and_unknown_images_are_the_transcripts_pages() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let resp = client()
        .post(format!("{}/v2/images", cloud.urls().glance))
        .header("X-Auth-Token", &token)
        .header("Content-Type", "application/json")
        .body(r#"{"name":"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers()["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req-"));
    let body = resp.text().await.unwrap();
    assert_eq!(body.len(), 157);
    insta::assert_snapshot!("glance_malformed_json", body);

    let resp = get(
        format!(
            "{}/v2/images/00000000-0000-0000-0000-000000000000",
            cloud.urls().glance
        ),
        &token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = resp.text().await.unwrap();
    assert_eq!(body.len(), 181);
    insta::assert_snapshot!("glance_unknown_image", body);
}

#[tokio::test]
async fn bad_requests_are_4xx_never_5xx() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let glance = &cloud.urls().glance;
    let id = create_image(&cloud, &token, json!({})).await;
    let long = "x".repeat(300);
    let requests: Vec<(reqwest::Method, String, &str, String)> = vec![
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "text/plain",
            "{}".into(),
        ),
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "application/json",
            "[1,2]".into(),
        ),
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "application/json",
            r#"{"status": "active"}"#.into(),
        ),
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "application/json",
            r#"{"disk_format": "floppy"}"#.into(),
        ),
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "application/json",
            r#"{"prop": 5}"#.into(),
        ),
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "application/json",
            format!(r#"{{"name": "{long}"}}"#),
        ),
        (
            reqwest::Method::POST,
            "/v2/images".into(),
            "application/json",
            r#"{"id": "not-a-uuid"}"#.into(),
        ),
        (
            reqwest::Method::PUT,
            format!("/v2/images/{id}/file"),
            "application/json",
            "data".into(),
        ),
        (
            reqwest::Method::PUT,
            "/v2/images/not-an-id/file".into(),
            "application/octet-stream",
            "data".into(),
        ),
        (
            reqwest::Method::GET,
            "/v2/images/%00%ff/file".into(),
            "application/octet-stream",
            String::new(),
        ),
        (
            reqwest::Method::DELETE,
            "/v2/images/../../etc".into(),
            "application/octet-stream",
            String::new(),
        ),
        (
            reqwest::Method::GET,
            "/v2/images?limit=abc".into(),
            "application/json",
            String::new(),
        ),
        (
            reqwest::Method::GET,
            "/v2/images?marker=nope".into(),
            "application/json",
            String::new(),
        ),
        (
            reqwest::Method::POST,
            format!("/v2/images/{id}/import"),
            "application/json",
            r#"{"method": {"name": "glance-direct"}}"#.into(),
        ),
        (
            reqwest::Method::POST,
            format!("/v2/images/{id}/import"),
            "application/json",
            "{".into(),
        ),
        (
            reqwest::Method::GET,
            "/v2/nothing/here".into(),
            "application/json",
            String::new(),
        ),
    ];
    for (method, path, content_type, body) in requests {
        let resp = client()
            .request(method.clone(), format!("{glance}{path}"))
            .header("X-Auth-Token", &token)
            .header("Content-Type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_client_error(),
            "{method} {path} {body}: {}",
            resp.status()
        );
    }
    // Huge headers: hyper refuses them with a 431, or closes the connection.
    let huge = "a".repeat(1 << 20);
    let resp = client()
        .get(format!("{glance}/v2/images"))
        .header("X-Auth-Token", &token)
        .header("X-Huge", huge)
        .send()
        .await;
    if let Ok(resp) = resp {
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    // Still serving.
    assert_eq!(image(&cloud, &token, &id).await.0, StatusCode::OK);
}

#[tokio::test]
async fn images_are_scoped_to_their_project() {
    let cloud = start().await;
    let admin = admin_token(&cloud).await;
    let demo = token_for(&cloud, "demo", "demo").await;
    let id = create_image(&cloud, &admin, json!({})).await;
    assert_eq!(image(&cloud, &demo, &id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        upload(&cloud, &demo, &id, DATA.to_vec()).await.status(),
        StatusCode::NOT_FOUND
    );
    let list: Value = client()
        .get(format!("{}/v2/images", cloud.urls().glance))
        .header("X-Auth-Token", &demo)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["images"], json!([]));
    assert_eq!(list["schema"], "/v2/schemas/images");
    let list: Value = client()
        .get(format!("{}/v2/images", cloud.urls().glance))
        .header("X-Auth-Token", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["images"][0]["id"], id.as_str());
}

#[tokio::test]
async fn delete_answers_204_and_removes_the_data() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let id = create_image(&cloud, &token, json!({})).await;
    assert_eq!(
        upload(&cloud, &token, &id, DATA.to_vec()).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(data_files(&cloud).len(), 1);
    let resp = delete(format!("{}/v2/images/{id}", cloud.urls().glance), &token).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=UTF-8");
    assert!(data_files(&cloud).is_empty());
    assert_eq!(image(&cloud, &token, &id).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn schemas_and_stores_are_served() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let stores: Value = get(format!("{}/v2/info/stores", cloud.urls().glance), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stores["stores"][0]["id"], "file");
    for name in ["image", "images"] {
        let v: Value = get(format!("{}/v2/schemas/{name}", cloud.urls().glance), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["name"], name);
    }
}

async fn stage_and_import(
    cloud: &imgsig_mock::MockCloud,
    token: &str,
    id: &str,
    data: &[u8],
) -> Value {
    let glance = &cloud.urls().glance;
    let resp = client()
        .put(format!("{glance}/v2/images/{id}/stage"))
        .header("X-Auth-Token", token)
        .header("Content-Type", "application/octet-stream")
        .body(data.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(image(cloud, token, id).await.1["status"], "uploading");
    let resp = client()
        .post(format!("{glance}/v2/images/{id}/import"))
        .header("X-Auth-Token", token)
        .json(&json!({"method": {"name": "glance-direct"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    for _ in 0..200 {
        let tasks: Value = get(format!("{glance}/v2/images/{id}/tasks"), token)
            .await
            .json()
            .await
            .unwrap();
        let task = tasks["tasks"][0].clone();
        if task["status"] == "success" || task["status"] == "failure" {
            return task;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the import task did not end");
}

#[tokio::test]
async fn glance_direct_import_verifies_in_a_task() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;

    let good = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    let task = stage_and_import(&cloud, &token, &good, DATA).await;
    assert_eq!(task["status"], "success");
    assert_eq!(task["type"], "api_image_import");
    let (_, v) = image(&cloud, &token, &good).await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["checksum"], "69bcebf29946998555945bfd562df6f0");

    let bad = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    let task = stage_and_import(&cloud, &token, &bad, b"tampered").await;
    assert_eq!(task["status"], "failure");
    assert_eq!(task["message"], "Task failed due to Internal Error");
    let (_, v) = image(&cloud, &token, &bad).await;
    assert_eq!(v["status"], "importing");
    assert_eq!(v["os_glance_failed_import"], "file");
    assert!(v.get("stores").is_none());
    assert_eq!(
        data_files(&cloud).len(),
        1,
        "only the good image keeps data"
    );
}

#[tokio::test]
async fn checksums_can_be_switched_off_for_throughput_runs() {
    let cloud = imgsig_mock::MockCloud::start(imgsig_mock::MockConfig {
        checksums: false,
        ..imgsig_mock::MockConfig::default()
    })
    .await
    .unwrap();
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    assert_eq!(
        upload(&cloud, &token, &id, DATA.to_vec()).await.status(),
        StatusCode::NO_CONTENT
    );
    let (_, v) = image(&cloud, &token, &id).await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["checksum"], Value::Null);
    assert_eq!(v["os_hash_value"], Value::Null);
    // Verification still runs.
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    assert_eq!(
        upload(&cloud, &token, &id, b"tampered".to_vec())
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_barbican_slower_than_the_timeout_is_unavailable() {
    let cloud = imgsig_mock::MockCloud::start(imgsig_mock::MockConfig {
        key_manager_timeout_secs: 1,
        ..imgsig_mock::MockConfig::default()
    })
    .await
    .unwrap();
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let id = create_image(&cloud, &token, signed_props(DATA, &cert)).await;
    cloud
        .faults()
        .add("barbican:*:/**=delay-1300".parse().unwrap());
    let resp = upload(&cloud, &token, &id, DATA.to_vec()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains(&format!("Unable to retrieve certificate with ID: {cert}.")));
}
