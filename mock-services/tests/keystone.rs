//! Keystone v3 on the wire, against `shared/wire/transcript.md`.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{auth_body, client, start, token_for};
use imgsig_mock::{MockCloud, MockConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn version_discovery_answers_300_with_location_and_v3() {
    let cloud = start().await;
    let root = &cloud.urls().keystone;
    let resp = client().get(format!("{root}/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::MULTIPLE_CHOICES);
    let h = resp.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["location"].to_str().unwrap(), format!("{root}/v3/"));
    assert_eq!(h["vary"], "X-Auth-Token");
    assert!(h["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req-"));
    let body = resp.text().await.unwrap();
    assert_eq!(
        body,
        format!(
            r#"{{"versions": {{"values": [{{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z", "links": [{{"rel": "self", "href": "{root}/v3/"}}], "media-types": [{{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}}]}}]}}}}"#
        )
    );
    let v3 = client().get(cloud.auth_url()).send().await.unwrap();
    assert_eq!(v3.status(), StatusCode::OK);
    let v3: Value = v3.json().await.unwrap();
    assert_eq!(v3["version"]["id"], "v3.14");
}

#[tokio::test]
async fn password_auth_issues_a_scoped_token_with_the_catalog() {
    let cloud = start().await;
    let admin = cloud.admin();
    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(&auth_body(
            &admin.username,
            &admin.password,
            &admin.project_name,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(!resp.headers()["x-subject-token"].is_empty());
    assert_eq!(resp.headers()["vary"], "X-Auth-Token");
    let text = resp.text().await.unwrap();
    assert!(text.starts_with(r#"{"token": {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"}, "id": ""#));
    // Ids, times and (five-digit) ports have the transcript's widths, so
    // the body has its length too.
    let port_digits: usize = [
        &cloud.urls().keystone,
        &cloud.urls().glance,
        &cloud.urls().barbican,
    ]
    .iter()
    .map(|u| u.rsplit(':').next().unwrap().len())
    .sum();
    assert_eq!(text.len() + 3 * (15 - port_digits), 2435, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let token = &body["token"];
    assert_eq!(token["project"]["name"], "admin");
    assert_eq!(token["is_domain"], false);
    assert!(token["expires_at"].as_str().unwrap().ends_with(".000000Z"));
    let catalog = token["catalog"].as_array().unwrap();
    let kinds: Vec<&str> = catalog
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["identity", "image", "key-manager"]);
    for service in catalog {
        let endpoints = service["endpoints"].as_array().unwrap();
        let interfaces: Vec<&str> = endpoints
            .iter()
            .map(|e| e["interface"].as_str().unwrap())
            .collect();
        assert_eq!(interfaces, ["public", "internal", "admin"]);
        assert!(endpoints
            .iter()
            .all(|e| e["region_id"] == "RegionOne" && e["region"] == "RegionOne"));
    }
    assert_eq!(
        catalog[1]["endpoints"][0]["url"],
        cloud.urls().glance.as_str()
    );
    assert_eq!(
        catalog[2]["endpoints"][0]["url"],
        cloud.urls().barbican.as_str()
    );
}

#[tokio::test]
async fn wrong_password_is_the_transcripts_401() {
    let cloud = start().await;
    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(&auth_body("admin", "wrong", "admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()["www-authenticate"].to_str().unwrap(),
        format!("Keystone uri=\"{}\"", cloud.auth_url())
    );
    let body = resp.text().await.unwrap();
    assert_eq!(body.len(), 109);
    insta::assert_snapshot!("keystone_wrong_password", body);
}

#[tokio::test]
async fn project_scope_needs_a_role_on_the_project() {
    let cloud = start().await;
    let demo = cloud.credentials("demo", "demo").unwrap();
    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(&auth_body("demo", &demo.password, "admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // The admin holds roles on both projects.
    let t = token_for(&cloud, "admin", "demo").await;
    assert!(!t.is_empty());
    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(&auth_body("admin", &cloud.admin().password, "nonexistent"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

async fn validate(cloud: &MockCloud, auth: &str, subject: &str) -> reqwest::Response {
    client()
        .get(format!("{}/auth/tokens", cloud.auth_url()))
        .header("X-Auth-Token", auth)
        .header("X-Subject-Token", subject)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn tokens_validate_and_token_auth_rescopes() {
    let cloud = start().await;
    let token = token_for(&cloud, "admin", "admin").await;
    let resp = validate(&cloud, &token, &token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-subject-token"].to_str().unwrap(), token);
    let resp = validate(&cloud, &token, "bogus").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = validate(&cloud, "bogus", &token).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(
            &json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
            "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    // The old token's methods follow (as the live Keystone 30's do,
    // tests/fixtures/keystone30-scopes.jsonl).
    assert_eq!(body["token"]["methods"], json!(["token", "password"]));
    assert_eq!(body["token"]["project"]["name"], "demo");
}

#[tokio::test]
async fn malformed_auth_requests_are_4xx() {
    let cloud = start().await;
    for body in [
        "{",
        "[]",
        r#"{"auth": 1}"#,
        r#"{"auth": {"identity": {"methods": ["password"]}}}"#,
    ] {
        let resp = client()
            .post(format!("{}/auth/tokens", cloud.auth_url()))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_client_error(), "{body}: {}", resp.status());
    }
}

#[tokio::test]
async fn tokens_expire_by_lifetime_and_by_fault() {
    let cloud = MockCloud::start(MockConfig {
        token_ttl_secs: 1,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let short = token_for(&cloud, "admin", "admin").await;
    assert_eq!(
        validate(&cloud, &short, &short).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        validate(&cloud, &short, &short).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let cloud = start().await;
    let old = token_for(&cloud, "admin", "admin").await;
    cloud.faults().expire_all_tokens();
    let new = token_for(&cloud, "admin", "admin").await;
    assert_eq!(
        validate(&cloud, &new, &old).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(validate(&cloud, &new, &new).await.status(), StatusCode::OK);
}

/// `method` on `/v3/auth/tokens` as `auth` about `subject`: status and body.
async fn token_call(
    cloud: &MockCloud,
    method: reqwest::Method,
    auth: &str,
    subject: Option<&str>,
) -> (StatusCode, String) {
    let mut req = client()
        .request(method, format!("{}/auth/tokens", cloud.auth_url()))
        .header("X-Auth-Token", auth);
    if let Some(subject) = subject {
        req = req.header("X-Subject-Token", subject);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// The answers of a real Keystone 30.0.0 (`cargo xtask live up`, a
/// `demo` user with member and reader on project `demo`), to the byte.
#[tokio::test]
async fn only_the_owner_or_an_admin_reads_or_revokes_a_token() {
    use reqwest::Method;
    let cloud = start().await;
    let admin = token_for(&cloud, "admin", "admin").await;
    let demo = token_for(&cloud, "demo", "demo").await;
    let demo2 = token_for(&cloud, "demo", "demo").await;
    let forbidden = |rule: &str| {
        format!(
            "{{\"error\":{{\"code\":403,\"message\":\"You are not authorized to perform the \
             requested action: identity:{rule}.\",\"title\":\"Forbidden\"}}}}\n"
        )
    };
    let not_found = |message: &str| {
        format!(
            "{{\"error\":{{\"code\":404,\"message\":\"{message}\",\"title\":\"Not Found\"}}}}\n"
        )
    };
    // Another user's token: neither shown nor revoked.
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some(&admin)).await,
        (StatusCode::FORBIDDEN, forbidden("validate_token"))
    );
    assert_eq!(
        token_call(&cloud, Method::HEAD, &demo, Some(&admin))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        token_call(&cloud, Method::DELETE, &demo, Some(&admin)).await,
        (StatusCode::FORBIDDEN, forbidden("revoke_token"))
    );
    // The admin's token still works.
    assert_eq!(
        token_call(&cloud, Method::GET, &admin, Some(&admin))
            .await
            .0,
        StatusCode::OK
    );
    // The admin may read anyone's; a user reads and revokes its own.
    assert_eq!(
        token_call(&cloud, Method::GET, &admin, Some(&demo)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some(&demo2)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        token_call(&cloud, Method::DELETE, &demo, Some(&demo2)).await,
        (StatusCode::NO_CONTENT, String::new())
    );
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some(&demo2)).await,
        (StatusCode::NOT_FOUND, not_found("Failed to validate token"))
    );
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some("gAAAAAbogus")).await,
        (
            StatusCode::NOT_FOUND,
            not_found("Could not recognize Fernet token")
        )
    );
    assert_eq!(
        token_call(&cloud, Method::GET, &admin, None).await,
        (StatusCode::NOT_FOUND, not_found("No token in the request"))
    );
    // The admin may revoke anyone's; the revoked token is refused after.
    assert_eq!(
        token_call(&cloud, Method::DELETE, &admin, Some(&demo)).await,
        (StatusCode::NO_CONTENT, String::new())
    );
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some(&demo)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// A system reader (a user with only `reader` on the system) reads
/// another user's token but revokes none, and a member cannot read the
/// system reader's: the answers of the live Keystone 30 to a user given
/// `openstack role add --system all reader`.
#[tokio::test]
async fn a_system_reader_reads_but_does_not_revoke_others_tokens() {
    use reqwest::Method;
    let mut config = MockConfig::default();
    config.users.push(imgsig_mock::UserConfig {
        name: "sysreader".into(),
        id: String::new(),
        password: "sysreader-pw".into(),
        projects: Vec::new(),
        roles: Vec::new(),
        system_roles: vec!["reader".into()],
    });
    let cloud = MockCloud::start(config).await.unwrap();
    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(&json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "sysreader", "domain": {"name": "Default"}, "password": "sysreader-pw"}}},
            "scope": {"system": {"all": true}}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let reader = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token"]["system"], json!({"all": true}));
    assert_eq!(body["token"]["roles"][0]["name"], "reader");
    let demo = token_for(&cloud, "demo", "demo").await;
    assert_eq!(
        token_call(&cloud, Method::GET, &reader, Some(&demo))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        token_call(&cloud, Method::DELETE, &reader, Some(&demo))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some(&reader))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // The demo token was not revoked.
    assert_eq!(
        token_call(&cloud, Method::GET, &demo, Some(&demo)).await.0,
        StatusCode::OK
    );
}
