//! The OpenStack client against wiremock stubs on 127.0.0.1, with the
//! bodies of the real exchanges in shared/wire/transcript.md: Keystone
//! auth and odd catalogs, token expiry and re-auth, Barbican and Glance
//! errors, timeouts, retries, streamed uploads, redaction, cleanup and
//! sweep.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use imgsig::openstack::{
    Client, ClientOptions, CloudConfig, Credential, DirectEndpoints, DomainRef, ImportMethod,
    Interface, KeystoneAuth, NewImage, PatchOp, ProjectScope, Resource, RetryPolicy, Timeouts, Tls,
    UserRef,
};
use imgsig::spec::PropertyMap;
use imgsig::tag::RunTag;
use imgsig::Error;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "s3cret-pw";
const TOKEN: &str = "gAAAAABtoken-one";
const TOKEN2: &str = "gAAAAABtoken-two";
const PROJECT: &str = "09b9a6a89d1c49a583ca2d469f543df6";
const FAR: &str = "2099-01-01T00:00:00.000000Z";
const PAST: &str = "2000-01-01T00:00:00.000000Z";

/// The transcript's token body with the catalog pointing at the stubs.
fn token_body(glance: &str, barbican: &str, expires_at: &str) -> String {
    r#"{"token": {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"}, "id": "5d1803cf3efa4f36a17e928bb535017a", "name": "admin", "password_expires_at": null}, "audit_ids": ["3Fxcm5YqRXaiKhwpLwhQxw"], "expires_at": "EXPIRES", "issued_at": "2026-11-22T16:45:13.000000Z", "project": {"domain": {"id": "default", "name": "Default"}, "id": "09b9a6a89d1c49a583ca2d469f543df6", "name": "admin"}, "is_domain": false, "roles": [{"id": "a07e69909d394a32bfea816ba721b9c8", "name": "admin"}, {"id": "d2fdf45c4d714deebf72a2cfe86b6a32", "name": "manager"}, {"id": "18eac66138904330b6a7a4b14d88ac8a", "name": "member"}, {"id": "12ae6ff581d9416fa4503cc50efa5a35", "name": "creator"}, {"id": "7a1566b4e9f645688b6f889462afb888", "name": "reader"}], "catalog": [{"endpoints": [{"id": "e2fc0e912467403eacdbe56f6f811870", "interface": "public", "region_id": "RegionOne", "url": "http://127.0.0.1:25000/v3", "region": "RegionOne"}, {"id": "2c929f50e7a941d191e702055bbba575", "interface": "internal", "region_id": "RegionOne", "url": "http://127.0.0.1:25000/v3", "region": "RegionOne"}, {"id": "ebd1b3833d2f43e39c38d1ab2e44503f", "interface": "admin", "region_id": "RegionOne", "url": "http://127.0.0.1:25000/v3", "region": "RegionOne"}], "id": "df6501f4ccca4cc0abceb37920d92f59", "type": "identity", "name": "keystone"}, {"endpoints": [{"id": "53f84b4355af4f3fb0118b5d299a920a", "interface": "public", "region_id": "RegionOne", "url": "GLANCE", "region": "RegionOne"}, {"id": "3c867d81ef694ac09deec6dc2e5cef58", "interface": "internal", "region_id": "RegionOne", "url": "GLANCE", "region": "RegionOne"}, {"id": "31f1f6af9fc34758a8ae1e82090d6cc5", "interface": "admin", "region_id": "RegionOne", "url": "GLANCE", "region": "RegionOne"}], "id": "602d830e2ae64e199acfba62f5f983f5", "type": "image", "name": "glance"}, {"endpoints": [{"id": "e5683b6a701b47e58e2ac964e3ac4e62", "interface": "public", "region_id": "RegionOne", "url": "BARBICAN", "region": "RegionOne"}, {"id": "b8f2125e64c24d2bb1957b38b2310b16", "interface": "internal", "region_id": "RegionOne", "url": "BARBICAN", "region": "RegionOne"}, {"id": "3faba45d45ea4bd58e859e46f4322531", "interface": "admin", "region_id": "RegionOne", "url": "BARBICAN", "region": "RegionOne"}], "id": "e3da9482aa1e460d888237a2a73b68c6", "type": "key-manager", "name": "barbican"}]}}"#
        .replace("GLANCE", glance)
        .replace("BARBICAN", barbican)
        .replace("EXPIRES", expires_at)
}

const KEYSTONE_401: &str = r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#;

const IMAGE_QUEUED: &str = r#"{"img_signature": "MGUCMB9F2QokTklUyU4w/AE08lqrrp0kb9hKfG21xgnXnQMt/PlkXAUarnOhF0XRcQi+swIxAM1r3jny+02totCrmhcnikeyxe2bElVGKOMc9ALRqHF/0NL3PdBWJcZuAet9pPcAJw==", "img_signature_certificate_uuid": "089219c4-e839-4de4-80b7-46770c906878", "img_signature_hash_method": "SHA-384", "img_signature_key_type": "ECC_SECP384R1", "name": "NAME", "disk_format": "raw", "container_format": "bare", "visibility": "shared", "size": null, "virtual_size": null, "status": "queued", "checksum": null, "protected": false, "min_ram": 0, "min_disk": 0, "owner": "09b9a6a89d1c49a583ca2d469f543df6", "os_hidden": false, "os_hash_algo": null, "os_hash_value": null, "id": "ID", "created_at": "2026-11-22T16:45:14Z", "updated_at": "2026-11-22T16:45:14Z", "tags": [], "self": "/v2/images/ID", "file": "/v2/images/ID/file", "schema": "/v2/schemas/image"}"#;

const IMAGE_ID: &str = "f406234d-e238-4af3-ab6d-2b8bba9fb787";
const SECRET_ID: &str = "23829631-0d35-4bdf-8cec-03bc38690819";

fn image_json(id: &str, name: &str) -> String {
    IMAGE_QUEUED.replace("ID", id).replace("NAME", name)
}

fn html_error(status: &str, message: &str) -> String {
    format!(
        "<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n  <h1>{status}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>"
    )
}

fn html(status: u16, title: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header(
            "x-openstack-request-id",
            "req-c9221e45-0f96-4b2c-80ae-e71af7a44e7e",
        )
        .set_body_raw(html_error(title, message), "text/html; charset=UTF-8")
}

fn json_response(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json")
}

fn options() -> ClientOptions {
    ClientOptions {
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(5),
            transfer: Duration::from_secs(30),
        },
        retry: RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
        },
        ..ClientOptions::default()
    }
}

fn cloud(keystone: &MockServer) -> CloudConfig {
    CloudConfig {
        name: "mock".into(),
        source: "test".into(),
        auth: KeystoneAuth {
            auth_url: format!("{}/v3", keystone.uri()),
            credential: Credential::Password {
                user: UserRef::Name {
                    name: "admin".into(),
                    domain: DomainRef::Name("Default".into()),
                },
                password: PASSWORD.into(),
            },
            project: Some(ProjectScope::Name {
                name: "admin".into(),
                domain: DomainRef::Name("Default".into()),
            }),
        },
        region_name: None,
        interface: Interface::Public,
        tls: Tls::default(),
        image_endpoint: None,
        key_manager_endpoint: None,
    }
}

fn keystone_ok(token: &str, body: String) -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header("X-Subject-Token", token)
        .set_body_raw(body, "application/json")
}

struct Stubs {
    keystone: MockServer,
    glance: MockServer,
    barbican: MockServer,
}

impl Stubs {
    async fn start() -> Stubs {
        Stubs {
            keystone: MockServer::start().await,
            glance: MockServer::start().await,
            barbican: MockServer::start().await,
        }
    }

    async fn keystone_issues(&self, token: &str, expires_at: &str) {
        Mock::given(method("POST"))
            .and(path("/v3/auth/tokens"))
            .respond_with(keystone_ok(
                token,
                token_body(&self.glance.uri(), &self.barbican.uri(), expires_at),
            ))
            .mount(&self.keystone)
            .await;
    }

    async fn connect(&self) -> Client {
        self.keystone_issues(TOKEN, FAR).await;
        Client::connect(&cloud(&self.keystone), &options())
            .await
            .expect("connect to the stubs")
    }

    /// Replace the stubs' random ports for snapshots.
    fn normalise(&self, text: &str) -> String {
        text.replace(&self.keystone.uri(), "http://127.0.0.1:KEYSTONE")
            .replace(&self.glance.uri(), "http://127.0.0.1:GLANCE")
            .replace(&self.barbican.uri(), "http://127.0.0.1:BARBICAN")
    }
}

fn err_text(e: &Error) -> String {
    e.to_string()
}

// ---------------------------------------------------------------- Keystone

#[tokio::test]
async fn keystone_password_auth_finds_glance_and_barbican() {
    let s = Stubs::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": PASSWORD}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})))
        .respond_with(keystone_ok(
            TOKEN,
            token_body(&format!("{}/v2/", s.glance.uri()), &s.barbican.uri(), FAR),
        ))
        .expect(1)
        .mount(&s.keystone)
        .await;
    let client = Client::connect(&cloud(&s.keystone), &options())
        .await
        .expect("connect");
    assert_eq!(
        client.glance_url(),
        s.glance.uri(),
        "the /v2/ suffix is dropped"
    );
    assert_eq!(client.barbican_url(), s.barbican.uri());
    assert_eq!(client.project_id(), Some(PROJECT));
    let journal = client.exchanges();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].status, Some(201));
    // The token body is evidence too, but never the token or password.
    let dump = format!("{journal:?}");
    assert!(!dump.contains(TOKEN) && !dump.contains(PASSWORD), "{dump}");
}

#[tokio::test]
async fn keystone_refusal_says_what_to_check() {
    let s = Stubs::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(json_response(401, KEYSTONE_401).insert_header(
            "WWW-Authenticate",
            "Keystone uri=\"http://127.0.0.1:25000/v3\"",
        ))
        .expect(1)
        .mount(&s.keystone)
        .await;
    let e = Client::connect(&cloud(&s.keystone), &options())
        .await
        .expect_err("401");
    assert!(matches!(e, Error::KeystoneRefused(_)));
    assert_eq!(e.http_status(), Some(401));
    insta::assert_snapshot!("keystone_401", s.normalise(&err_text(&e)));
    assert!(!err_text(&e).contains(PASSWORD));
}

#[tokio::test]
async fn token_auth_is_exchanged_for_a_scoped_token() {
    let s = Stubs::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(
            json!({"auth": {"identity": {"methods": ["token"],
            "token": {"id": "unscoped-token"}}, "scope": {"project": {"id": "p1"}}}}),
        ))
        .respond_with(keystone_ok(
            TOKEN,
            token_body(&s.glance.uri(), &s.barbican.uri(), FAR),
        ))
        .expect(1)
        .mount(&s.keystone)
        .await;
    let mut c = cloud(&s.keystone);
    c.auth.credential = Credential::Token("unscoped-token".into());
    c.auth.project = Some(ProjectScope::Id("p1".into()));
    Client::connect(&c, &options()).await.expect("token auth");
}

#[tokio::test]
async fn missing_token_header_and_odd_catalogs() {
    let s = Stubs::start().await;
    // No X-Subject-Token.
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(json_response(
            201,
            &token_body(&s.glance.uri(), &s.barbican.uri(), FAR),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.keystone)
        .await;
    let e = Client::connect(&cloud(&s.keystone), &options())
        .await
        .expect_err("no token header");
    assert!(err_text(&e).contains("X-Subject-Token"), "{e}");

    // No key-manager service; the image service in two regions.
    let catalog = json!({"token": {"expires_at": FAR, "project": {"id": "p"}, "catalog": [
        {"type": "image", "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": format!("{}/one", s.glance.uri())},
            {"interface": "public", "region_id": "RegionTwo", "url": format!("{}/two/v2", s.glance.uri())},
            {"interface": "internal", "region_id": "RegionTwo", "url": format!("{}/internal", s.glance.uri())}]},
        {"type": "identity", "endpoints": []}]}});
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(keystone_ok(TOKEN, catalog.to_string()))
        .mount(&s.keystone)
        .await;
    let mut c = cloud(&s.keystone);
    let e = Client::connect(&c, &options()).await.expect_err("regions");
    insta::assert_snapshot!("catalog_two_regions", err_text(&e));
    c.region_name = Some("RegionTwo".into());
    let e = Client::connect(&c, &options())
        .await
        .expect_err("no barbican");
    insta::assert_snapshot!("catalog_no_key_manager", err_text(&e));
    // With Barbican's URL given, the rest comes from the catalog.
    c.key_manager_endpoint = Some(s.barbican.uri());
    let client = Client::connect(&c, &options()).await.expect("override");
    assert_eq!(client.glance_url(), format!("{}/two", s.glance.uri()));
    c.interface = Interface::Internal;
    let client = Client::connect(&c, &options()).await.expect("internal");
    assert_eq!(client.glance_url(), format!("{}/internal", s.glance.uri()));
    c.interface = Interface::Admin;
    let e = Client::connect(&c, &options()).await.expect_err("no admin");
    assert!(matches!(e, Error::Catalog(_)), "{e}");
}

#[tokio::test]
async fn an_expiring_token_is_renewed_before_the_call() {
    let s = Stubs::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(keystone_ok(
            TOKEN,
            token_body(&s.glance.uri(), &s.barbican.uri(), PAST),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&s.keystone)
        .await;
    s.keystone_issues(TOKEN2, FAR).await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/images/{IMAGE_ID}")))
        .and(header("X-Auth-Token", TOKEN2))
        .respond_with(json_response(200, &image_json(IMAGE_ID, "x")))
        .expect(2)
        .mount(&s.glance)
        .await;
    let client = Client::connect(&cloud(&s.keystone), &options())
        .await
        .expect("connect");
    let case = client.scope();
    assert!(case.image(IMAGE_ID).await.expect("get").is_some());
    // The new token lasts: no third authentication.
    assert!(case.image(IMAGE_ID).await.expect("get").is_some());
    assert_eq!(
        s.keystone.received_requests().await.map(|r| r.len()),
        Some(2)
    );
    let journal = case.exchanges();
    assert_eq!(journal.len(), 3, "re-auth, then two GETs: {journal:#?}");
    assert!(journal[0].url.ends_with("/v3/auth/tokens"));
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_call_repeated() {
    let s = Stubs::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(keystone_ok(
            TOKEN,
            token_body(&s.glance.uri(), &s.barbican.uri(), FAR),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.keystone)
        .await;
    s.keystone_issues(TOKEN2, FAR).await;
    Mock::given(method("DELETE"))
        .and(header("X-Auth-Token", TOKEN))
        .respond_with(html(401, "401 Unauthorized", "This server could not verify that you are authorized to access the document you requested."))
        .expect(1)
        .mount(&s.glance)
        .await;
    Mock::given(method("DELETE"))
        .and(header("X-Auth-Token", TOKEN2))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s.glance)
        .await;
    let client = Client::connect(&cloud(&s.keystone), &options())
        .await
        .expect("connect");
    let case = client.scope();
    assert!(case.delete_image(IMAGE_ID).await.expect("delete"));
    let statuses: Vec<_> = case.exchanges().iter().map(|x| x.status).collect();
    assert_eq!(statuses, vec![Some(401), Some(201), Some(204)]);
}

// ---------------------------------------------------------------- Barbican

#[tokio::test]
async fn barbican_stores_lists_and_deletes_certificates() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    Mock::given(method("POST"))
        .and(path("/v1/secrets"))
        .and(header("X-Auth-Token", TOKEN))
        .and(body_partial_json(json!({"name": "imgsig-r1-c", "secret_type": "certificate",
            "payload": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
            "payload_content_type": "application/octet-stream", "payload_content_encoding": "base64"})))
        .respond_with(
            json_response(
                201,
                &format!(r#"{{"secret_ref": "{}/v1/secrets/{SECRET_ID}"}}"#, s.barbican.uri()),
            )
            .insert_header("Location", format!("{}/v1/secrets/{SECRET_ID}", s.barbican.uri())),
        )
        .expect(1)
        .mount(&s.barbican)
        .await;
    let case = client.scope();
    let secret = case
        .store_certificate("imgsig-r1-c", b"-----BEGIN CERTIFICATE-----\n")
        .await
        .expect("store");
    assert_eq!(secret.id, SECRET_ID);
    assert_eq!(
        case.cleanup().resources(),
        vec![Resource::Secret {
            id: SECRET_ID.into(),
            name: "imgsig-r1-c".into()
        }]
    );

    // Listing pages through offsets and filters by prefix here.
    let entry = |id: &str, name: &str| {
        json!({"secret_ref": format!("{}/v1/secrets/{id}", s.barbican.uri()), "name": name,
               "secret_type": "certificate", "status": "ACTIVE"})
    };
    Mock::given(method("GET"))
        .and(path("/v1/secrets"))
        .and(query_param("offset", "0"))
        .respond_with(json_response(
            200,
            &json!({"secrets": [entry("a", "imgsig-r1-x"), entry("b", "other")], "total": 3,
                    "next": "ignored"})
            .to_string(),
        ))
        .mount(&s.barbican)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secrets"))
        .and(query_param("offset", "2"))
        .respond_with(json_response(
            200,
            &json!({"secrets": [entry("c", "imgsig-r1-y")], "total": 3}).to_string(),
        ))
        .mount(&s.barbican)
        .await;
    let listed = case.list_secrets("imgsig-r1-").await.expect("list");
    let ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);

    // Unknown secret: the transcript's 404; delete says "already gone".
    let not_found = r#"{"code": 404, "title": "Not Found", "description": "Not Found. Provided secret id is invalid."}"#;
    Mock::given(path("/v1/secrets/00000000-0000-0000-0000-000000000000"))
        .respond_with(json_response(404, not_found))
        .mount(&s.barbican)
        .await;
    assert!(!case
        .delete_secret("00000000-0000-0000-0000-000000000000")
        .await
        .expect("404 is fine"));
    assert_eq!(
        case.secret("00000000-0000-0000-0000-000000000000")
            .await
            .expect("404 is None"),
        None
    );
}

#[tokio::test]
async fn barbican_500_is_retried_on_get_but_not_on_post() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    Mock::given(method("POST"))
        .and(path("/v1/secrets"))
        .respond_with(json_response(
            500,
            r#"{"code": 500, "title": "Internal Server Error", "description": "Secret creation failure seen - please contact site administrator."}"#,
        ))
        .expect(1)
        .mount(&s.barbican)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/secrets/{SECRET_ID}")))
        .respond_with(json_response(
            500,
            r#"{"code": 500, "title": "Internal Server Error", "description": "boom"}"#,
        ))
        .expect(3)
        .mount(&s.barbican)
        .await;
    let case = client.scope();
    let e = case
        .store_certificate("imgsig-r1-c", b"x")
        .await
        .expect_err("500");
    assert_eq!(e.http_status(), Some(500));
    insta::assert_snapshot!("barbican_500", s.normalise(&err_text(&e)));
    assert!(case.cleanup().is_empty(), "nothing was created");
    let e = case.secret(SECRET_ID).await.expect_err("500 thrice");
    assert_eq!(e.exchange().map(|x| x.attempts), Some(3));
}

// ---------------------------------------------------------------- Glance

#[tokio::test]
async fn glance_create_refusals_carry_the_html_or_json_message() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    Mock::given(method("POST"))
        .and(path("/v2/images"))
        .and(body_partial_json(json!({"name": "imgsig-r1-html"})))
        .respond_with(html(
            400,
            "400 Bad Request",
            "Malformed JSON in request body.",
        ))
        .mount(&s.glance)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/images"))
        .and(body_partial_json(json!({"name": "imgsig-r1-json"})))
        .respond_with(json_response(
            400,
            r#"{"message": "Provided object does not match schema 'image': 'SHA-256 ' is not one of ['SHA-224', 'SHA-256', 'SHA-384', 'SHA-512']<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}"#,
        ))
        .mount(&s.glance)
        .await;
    let case = client.scope();
    let e = case
        .create_image(&NewImage::new("imgsig-r1-html"))
        .await
        .expect_err("400");
    insta::assert_snapshot!("glance_create_400_html", s.normalise(&err_text(&e)));
    let x = e.exchange().expect("evidence");
    assert_eq!(
        x.header("x-openstack-request-id"),
        Some("req-c9221e45-0f96-4b2c-80ae-e71af7a44e7e")
    );
    assert_eq!(x.header("content-type"), Some("text/html; charset=UTF-8"));
    let e = case
        .create_image(&NewImage::new("imgsig-r1-json"))
        .await
        .expect_err("400");
    insta::assert_snapshot!("glance_create_400_json", s.normalise(&err_text(&e)));
    assert!(case.cleanup().is_empty());
}

#[tokio::test]
async fn glance_case_flow_create_upload_refused_state_and_data() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    let mut props = PropertyMap::new();
    props.insert("img_signature_hash_method".into(), "SHA-384".into());
    props.insert("img_signature_key_type".into(), "ECC_SECP384R1".into());
    Mock::given(method("POST"))
        .and(path("/v2/images"))
        .and(header("Content-Type", "application/json"))
        .and(body_partial_json(
            json!({"name": "imgsig-r1-case", "disk_format": "raw",
            "container_format": "bare", "img_signature_hash_method": "SHA-384",
            "img_signature_key_type": "ECC_SECP384R1"}),
        ))
        .respond_with(json_response(201, &image_json(IMAGE_ID, "imgsig-r1-case")))
        .expect(1)
        .mount(&s.glance)
        .await;
    let message = format!("Signature verification failed for image {IMAGE_ID}: Signature verification for the image failed: Invalid signature key type: SECP384R1.");
    Mock::given(method("PUT"))
        .and(path(format!("/v2/images/{IMAGE_ID}/file")))
        .and(header("Content-Type", "application/octet-stream"))
        .respond_with(html(400, "400 Bad Request", &message))
        .expect(1)
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/images/{IMAGE_ID}/file")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/images/{IMAGE_ID}")))
        .respond_with(json_response(200, &image_json(IMAGE_ID, "imgsig-r1-case")))
        .mount(&s.glance)
        .await;
    let case = client.scope();
    let image = case
        .create_image(&NewImage::new("imgsig-r1-case").with_properties(props))
        .await
        .expect("create");
    assert_eq!(image.status, "queued");
    let data = b"This is a dodgy image\n".to_vec();
    let upload = case
        .upload(&image.id, std::io::Cursor::new(data), Some(22))
        .await
        .expect("an answer");
    assert!(!upload.accepted());
    assert_eq!(upload.status, 400);
    assert_eq!(upload.message(), message);
    assert_eq!(upload.exchange.request_bytes, Some(22));
    let after = case.image(&image.id).await.expect("get").expect("exists");
    assert_eq!(after.status, "queued");
    let data = case.download_status(&image.id).await.expect("check");
    assert_eq!((data.status, data.has_data), (204, false));
    let statuses: Vec<_> = case.exchanges().iter().map(|x| x.status).collect();
    assert_eq!(statuses, vec![Some(201), Some(400), Some(200), Some(204)]);
    // What the report's evidence is made of.
    let put = &case.exchanges()[1];
    assert_eq!(put.status, Some(400));
    assert!(put.request_line().starts_with("PUT http://127.0.0.1:"));
}

#[tokio::test]
async fn download_status_reads_data_and_missing_images() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    Mock::given(method("GET"))
        .and(path("/v2/images/with/file"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "application/octet-stream")
                .insert_header("Content-MD5", "69bcebf29946998555945bfd562df6f0")
                .set_body_bytes(b"This is a dodgy image\n".to_vec()),
        )
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/images/gone/file"))
        .respond_with(html(404, "404 Not Found", "No image found with ID gone"))
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/images/gone"))
        .respond_with(html(404, "404 Not Found", "No image found with ID gone"))
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/images/locked/file"))
        .respond_with(html(
            403,
            "403 Forbidden",
            "You are not authorized to complete get_image_data action.",
        ))
        .mount(&s.glance)
        .await;
    let with = client.download_status("with").await.expect("200");
    assert_eq!((with.status, with.has_data), (200, true));
    let gone = client.download_status("gone").await.expect("404");
    assert_eq!((gone.status, gone.has_data), (404, false));
    assert_eq!(client.image("gone").await.expect("404 is None"), None);
    let e = client.download_status("locked").await.expect_err("403");
    assert_eq!(e.http_status(), Some(403));
    let mut out = Vec::new();
    assert_eq!(
        client.download("with", &mut out).await.expect("download"),
        22
    );
    assert_eq!(out, b"This is a dodgy image\n");
}

#[tokio::test]
async fn stage_import_tasks_and_patch() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    Mock::given(method("PUT"))
        .and(path(format!("/v2/images/{IMAGE_ID}/stage")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s.glance)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/images/{IMAGE_ID}/import")))
        .and(body_partial_json(
            json!({"method": {"name": "glance-direct"}}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/images/{IMAGE_ID}/tasks")))
        .respond_with(json_response(
            200,
            &json!({"tasks": [{"id": "t1", "type": "api_image_import",
            "status": "failure", "message": "Task failed due to Internal Error",
            "image_id": IMAGE_ID}]})
            .to_string(),
        ))
        .mount(&s.glance)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v2/images/{IMAGE_ID}")))
        .and(header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        ))
        .and(body_partial_json(
            json!([{"op": "replace", "path": "/img_signature_hash_method", "value": "SHA-512"}]),
        ))
        .respond_with(json_response(
            200,
            &image_json(IMAGE_ID, "wire").replace("\"SHA-384\"", "\"SHA-512\""),
        ))
        .expect(1)
        .mount(&s.glance)
        .await;
    let staged = client
        .stage(IMAGE_ID, std::io::Cursor::new(vec![7u8; 1000]), Some(1000))
        .await
        .expect("stage");
    assert!(staged.accepted());
    client
        .import_image(IMAGE_ID, &ImportMethod::GlanceDirect)
        .await
        .expect("import");
    let tasks = client.image_tasks(IMAGE_ID).await.expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status, "failure");
    assert_eq!(tasks[0].message, "Task failed due to Internal Error");
    let patched = client
        .patch_image(
            IMAGE_ID,
            &[PatchOp::Replace {
                name: "img_signature_hash_method".into(),
                value: "SHA-512".into(),
            }],
        )
        .await
        .expect("patch");
    assert_eq!(
        patched.property("img_signature_hash_method"),
        Some("SHA-512")
    );
}

// ---------------------------------------------------------------- transport

#[tokio::test]
async fn a_slow_server_hits_the_timeout_and_is_not_retried() {
    let glance = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            json_response(200, &image_json(IMAGE_ID, "slow")).set_delay(Duration::from_secs(3)),
        )
        .mount(&glance)
        .await;
    let mut opts = options();
    opts.timeouts.request = Duration::from_millis(300);
    let client = Client::direct(
        &DirectEndpoints {
            glance: glance.uri(),
            barbican: glance.uri(),
            token: TOKEN.into(),
        },
        &opts,
    )
    .expect("client");
    let started = Instant::now();
    let e = client.image(IMAGE_ID).await.expect_err("timeout");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&e, Error::Transport(f) if f.timed_out_after.is_some()),
        "{e:?}"
    );
    assert_eq!(e.exchange().map(|x| x.attempts), Some(1));
    assert_eq!(glance.received_requests().await.map(|r| r.len()), Some(1));
    insta::assert_snapshot!(
        "glance_timeout",
        err_text(&e).replace(&glance.uri(), "http://127.0.0.1:GLANCE")
    );
}

#[tokio::test]
async fn transient_answers_are_retried_and_counted() {
    let glance = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(html(
            503,
            "503 Service Unavailable",
            "No server is available to handle this request.",
        ))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&glance)
        .await;
    Mock::given(method("GET"))
        .respond_with(json_response(200, &image_json(IMAGE_ID, "x")))
        .mount(&glance)
        .await;
    Mock::given(method("POST"))
        .respond_with(html(
            500,
            "500 Internal Server Error",
            "The server has either erred or is incapable of performing the requested operation.",
        ))
        .expect(1)
        .mount(&glance)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(504))
        .expect(2)
        .mount(&glance)
        .await;
    let mut opts = options();
    opts.retry.attempts = 2;
    let client = Client::direct(
        &DirectEndpoints {
            glance: glance.uri(),
            barbican: glance.uri(),
            token: TOKEN.into(),
        },
        &options(),
    )
    .expect("client");
    let image = client.image(IMAGE_ID).await.expect("third try");
    assert!(image.is_some());
    assert_eq!(client.exchanges()[0].attempts, 3);
    let e = client
        .create_image(&NewImage::new("imgsig-r1-x"))
        .await
        .expect_err("500 on POST is final");
    assert_eq!(e.exchange().map(|x| x.attempts), Some(1));
    let two = Client::direct(
        &DirectEndpoints {
            glance: glance.uri(),
            barbican: glance.uri(),
            token: TOKEN.into(),
        },
        &opts,
    )
    .expect("client");
    let e = two.delete_image(IMAGE_ID).await.expect_err("504 twice");
    assert_eq!(e.http_status(), Some(504));
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_explained() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let client = Client::direct(
        &DirectEndpoints {
            glance: url.clone(),
            barbican: url.clone(),
            token: TOKEN.into(),
        },
        &options(),
    )
    .expect("client");
    let e = client.image(IMAGE_ID).await.expect_err("refused");
    assert_eq!(e.exchange().map(|x| x.attempts), Some(3));
    let text = err_text(&e).replace(&url, "http://127.0.0.1:PORT");
    assert!(
        text.starts_with("cannot reach Glance for GET http://127.0.0.1:PORT/v2/images/"),
        "{text}"
    );
    assert!(text.contains("(3 tries)"), "{text}");
    assert!(text.contains("is the service running"), "{text}");
}

/// A generated image: `len` pseudo-random bytes, recording the largest
/// read asked of it.
struct Generated {
    left: u64,
    state: u64,
    largest_read: Arc<AtomicUsize>,
}

impl Generated {
    fn new(len: u64, largest_read: Arc<AtomicUsize>) -> Generated {
        Generated {
            left: len,
            state: 0x9E37_79B9_7F4A_7C15,
            largest_read,
        }
    }

    fn next_byte(&mut self) -> u8 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 24) as u8
    }
}

impl AsyncRead for Generated {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.largest_read
            .fetch_max(buf.remaining(), Ordering::Relaxed);
        let n = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.remaining());
        for _ in 0..n {
            let b = self.next_byte();
            buf.put_slice(&[b]);
        }
        self.left -= n as u64;
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_large_upload_is_streamed_in_chunks() {
    let glance = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/v2/images/{IMAGE_ID}/file")))
        .respond_with(
            ResponseTemplate::new(204).insert_header("Content-Type", "text/html; charset=UTF-8"),
        )
        .mount(&glance)
        .await;
    let len: u64 = 8 * 1024 * 1024 + 12_345;
    let mut opts = options();
    opts.upload_chunk = 64 * 1024;
    let client = Client::direct(
        &DirectEndpoints {
            glance: glance.uri(),
            barbican: glance.uri(),
            token: TOKEN.into(),
        },
        &opts,
    )
    .expect("client");
    let largest = Arc::new(AtomicUsize::new(0));
    let upload = client
        .upload(IMAGE_ID, Generated::new(len, largest.clone()), Some(len))
        .await
        .expect("upload");
    assert!(upload.accepted());
    assert_eq!(upload.exchange.request_bytes, Some(len));
    assert!(largest.load(Ordering::Relaxed) <= 64 * 1024);
    // What arrived is exactly the generated stream.
    let mut expected = Sha256::new();
    let mut again = Generated::new(len, Arc::default());
    for _ in 0..len {
        expected.update([again.next_byte()]);
    }
    let received = glance.received_requests().await.expect("recording");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body.len() as u64, len);
    assert_eq!(
        received[0]
            .headers
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(len.to_string().as_str())
    );
    assert_eq!(Sha256::digest(&received[0].body), expected.finalize());

    // The same from a blocking reader, length unknown (chunked).
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let upload = client
        .upload_blocking(IMAGE_ID, Box::new(std::io::Cursor::new(data.clone())), None)
        .await
        .expect("upload");
    assert!(upload.accepted());
    let received = glance.received_requests().await.expect("recording");
    assert_eq!(received[1].body, data);
}

#[tokio::test]
async fn tokens_and_passwords_never_reach_the_evidence() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    // A service that echoes what it got (some proxies do).
    Mock::given(method("GET"))
        .and(path(format!("/v2/images/{IMAGE_ID}")))
        .respond_with(json_response(
            400,
            &format!(r#"{{"message": "bad token {TOKEN} for admin/{PASSWORD}", "auth": {{"password": "hunter2"}}}}"#),
        ))
        .mount(&s.glance)
        .await;
    let case = client.scope();
    let e = case.image(IMAGE_ID).await.expect_err("400");
    let shown = format!("{e} {e:?} {:?} {}", case.exchanges(), case.redact(TOKEN));
    for secret in [TOKEN, PASSWORD, "hunter2"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(shown.contains("<redacted>"));
    insta::assert_snapshot!("redacted_api_error", s.normalise(&err_text(&e)));
}

// ---------------------------------------------------------------- cleanup

async fn mount_create(s: &Stubs, name: &str, id: &str) {
    Mock::given(method("POST"))
        .and(path("/v2/images"))
        .and(body_partial_json(json!({"name": name})))
        .respond_with(json_response(201, &image_json(id, name)))
        .mount(&s.glance)
        .await;
}

#[tokio::test]
async fn cleanup_deletes_images_before_secrets_and_keep_keeps() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    Mock::given(method("POST"))
        .and(path("/v1/secrets"))
        .respond_with(json_response(
            201,
            &format!(
                r#"{{"secret_ref": "{}/v1/secrets/{SECRET_ID}"}}"#,
                s.barbican.uri()
            ),
        ))
        .mount(&s.barbican)
        .await;
    mount_create(&s, "imgsig-r1-a", IMAGE_ID).await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s.glance)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s.barbican)
        .await;
    let case = client.scope();
    let cleanup = case.cleanup();
    case.store_certificate("imgsig-r1-a", b"cert")
        .await
        .expect("secret");
    case.create_image(&NewImage::new("imgsig-r1-a"))
        .await
        .expect("image");
    assert_eq!(cleanup.resources().len(), 2);
    let report = cleanup.run().await;
    assert!(report.is_clean(), "{report:?}");
    let order: Vec<&str> = report
        .deleted
        .iter()
        .map(|r| match r {
            Resource::Image { .. } => "image",
            Resource::Secret { .. } => "secret",
        })
        .collect();
    assert_eq!(order, ["image", "secret"]);
    let methods: Vec<String> = case.exchanges().iter().map(|x| x.method.clone()).collect();
    assert_eq!(methods, ["POST", "POST", "DELETE", "DELETE"]);
    assert!(case.exchanges()[2].url.contains("/v2/images/"));
    assert!(cleanup.is_empty());

    // --keep: nothing is deleted, what was kept is listed.
    let kept_case = client.scope();
    kept_case
        .create_image(&NewImage::new("imgsig-r1-a"))
        .await
        .expect("image");
    let kept = kept_case.cleanup().keep();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].delete_command(),
        format!("openstack image delete {IMAGE_ID}")
    );
    drop(kept_case);
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_forgotten_scope_still_deletes_what_it_created() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    mount_create(&s, "imgsig-r1-b", IMAGE_ID).await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v2/images/{IMAGE_ID}")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s.glance)
        .await;
    {
        let case = client.scope();
        case.create_image(&NewImage::new("imgsig-r1-b"))
            .await
            .expect("image");
        // The case fails here (an early return): no cleanup.run().
    }
    for _ in 0..50 {
        let deletes = s
            .glance
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.method.as_str() == "DELETE")
            .count();
        if deletes == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the image was not deleted");
}

#[tokio::test]
async fn sweep_deletes_only_what_carries_the_tag() {
    let s = Stubs::start().await;
    let client = s.connect().await;
    let image = |id: &str, name: &str, owner: &str| {
        let mut v: serde_json::Value = serde_json::from_str(&image_json(id, name)).expect("json");
        v["owner"] = owner.into();
        v
    };
    Mock::given(method("GET"))
        .and(path("/v2/images"))
        .and(query_param("limit", "200"))
        .respond_with(json_response(
            200,
            &json!({"images": [
                image("i1", "imgsig-r1a-sig.x", PROJECT),
                image("i2", "imgsig-r1a2-sig.x", PROJECT),
                image("i3", "cirros", PROJECT)],
                "next": "/v2/images?marker=i3&limit=200&page=2"})
            .to_string(),
        ))
        .mount(&s.glance)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/images"))
        .and(query_param("page", "2"))
        .respond_with(json_response(
            200,
            &json!({"images": [
                image("i4", "imgsig-r1a-neg.y", PROJECT),
                image("i5", "imgsig-r1a-public", "someone-else")]})
            .to_string(),
        ))
        .with_priority(1)
        .mount(&s.glance)
        .await;
    let secret = |id: &str, name: &str| json!({"secret_ref": format!("{}/v1/secrets/{id}", s.barbican.uri()), "name": name});
    Mock::given(method("GET"))
        .and(path("/v1/secrets"))
        .respond_with(json_response(
            200,
            &json!({"secrets": [secret("s1", "imgsig-r1a-sig.x"), secret("s2", "imgsig-r1b-sig.x"),
                                secret("s3", "imgsig-r1a")], "total": 3})
            .to_string(),
        ))
        .mount(&s.barbican)
        .await;
    for id in ["i1", "i4"] {
        Mock::given(method("DELETE"))
            .and(path(format!("/v2/images/{id}")))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&s.glance)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path("/v1/secrets/s1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s.barbican)
        .await;
    // Anything else deleted fails the test (wiremock answers 404 and the
    // expectations above count exactly).
    let tag = RunTag::new("r1a").expect("tag");
    let report = client.sweep(&tag).await.expect("sweep");
    let mut names: Vec<&str> = report.deleted.iter().map(Resource::name).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["imgsig-r1a-neg.y", "imgsig-r1a-sig.x", "imgsig-r1a-sig.x"]
    );
    let deletes: Vec<String> = s
        .glance
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .chain(
            s.barbican
                .received_requests()
                .await
                .unwrap_or_default()
                .iter(),
        )
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(deletes.len(), 3, "{deletes:?}");
    assert!(RunTag::new("r1-a").is_err());
    assert!(RunTag::new("").is_err());
}

#[tokio::test]
async fn a_bad_ca_bundle_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "this is not a certificate\n").expect("write");
    let endpoints = DirectEndpoints {
        glance: "https://127.0.0.1:1".into(),
        barbican: "https://127.0.0.1:1".into(),
        token: TOKEN.into(),
    };
    let mut opts = options();
    opts.cacert = Some(not_pem);
    let e = Client::direct(&endpoints, &opts).expect_err("not PEM");
    assert!(err_text(&e).contains("no PEM certificate"), "{e}");
    opts.cacert = Some(dir.path().join("missing.pem"));
    let e = Client::direct(&endpoints, &opts).expect_err("missing");
    assert!(err_text(&e).contains("missing.pem"), "{e}");
}

/// The runner spawns case futures on a multi-threaded runtime.
#[test]
fn client_futures_are_send() {
    fn send<T: Send>(_: T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = Client::direct(
            &DirectEndpoints {
                glance: "http://127.0.0.1:1".into(),
                barbican: "http://127.0.0.1:1".into(),
                token: TOKEN.into(),
            },
            &options(),
        )
        .expect("client");
        let tag = RunTag::generate();
        send(client.upload(IMAGE_ID, std::io::Cursor::new(Vec::new()), None));
        send(client.upload_blocking(IMAGE_ID, Box::new(std::io::empty()), None));
        send(client.create_image(&NewImage::new(tag.name("x"))));
        send(client.store_certificate("n", b""));
        send(client.download_status(IMAGE_ID));
        send(client.sweep(&tag));
        send(client.cleanup().run());
        send(client.clone());
    });
}

/// Glance refuses some uploads before reading the data (an invalid key
/// type fails when the verifier is made): the answer must still come back
/// as an observation, not as a transport error.
#[tokio::test]
async fn an_early_refusal_during_a_large_upload_is_an_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("accept");
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let body = html_error(
            "400 Bad Request",
            "Signature verification failed for image x: Signature verification for the image failed: Invalid signature key type: SECP384R1.",
        );
        let answer = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(answer.as_bytes()).await.expect("write");
        sock.shutdown().await.ok();
        // Close with most of the body unread: the kernel resets the connection.
        drop(sock);
    });
    let client = Client::direct(
        &DirectEndpoints {
            glance: url.clone(),
            barbican: url,
            token: TOKEN.into(),
        },
        &options(),
    )
    .expect("client");
    let len = 64 * 1024 * 1024;
    let result = client
        .upload(IMAGE_ID, Generated::new(len, Arc::default()), Some(len))
        .await;
    server.await.expect("server");
    match result {
        Ok(upload) => {
            assert_eq!(upload.status, 400);
            assert!(upload.message().contains("Invalid signature key type"));
        }
        Err(e) => panic!("early refusal lost: {e}"),
    }
}
