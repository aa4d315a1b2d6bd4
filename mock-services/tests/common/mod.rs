//! Helpers shared by the integration tests: a running cloud, tokens,
//! certificates and signatures made by the harness's own crypto.
#![allow(dead_code, clippy::unwrap_used)]

pub mod barbican;
pub mod calls;
pub mod scenario;

use std::sync::OnceLock;

use base64::Engine as _;
use imgsig::crypto::cert::CertificateParams;
use imgsig::crypto::{digest_bytes, BackendKind, KeySpec, PrivateKey};
use imgsig::spec::{Curve, HashMethod, PssSignSalt};
use imgsig_mock::{MockCloud, MockConfig};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

/// A signing key and its self-signed certificate.
pub struct Signer {
    pub key: PrivateKey,
    pub cert_pem: Vec<u8>,
    pub hash: HashMethod,
    pub key_type: &'static str,
}

impl Signer {
    /// base64 of the signature of `data`.
    pub fn sign(&self, data: &[u8]) -> String {
        let backend = BackendKind::OpenSsl.backend();
        let digest = digest_bytes(backend, self.hash, data).unwrap();
        let sig = backend
            .sign_digest(&self.key, self.hash, &digest, PssSignSalt::Max)
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(sig)
    }
}

/// One ECDSA P-384 signer per test binary (as in the transcript).
pub fn signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let key = PrivateKey::generate(KeySpec::Ec(Curve::Secp384r1)).unwrap();
        let cert = CertificateParams::new("imgsig-mock-test", 30)
            .self_signed(&key)
            .unwrap();
        Signer {
            cert_pem: cert.to_pem().unwrap(),
            key,
            hash: HashMethod::Sha384,
            key_type: "ECC_SECP384R1",
        }
    })
}

pub async fn start() -> MockCloud {
    MockCloud::start(MockConfig::default()).await.unwrap()
}

thread_local! {
    // Building a client can be slow (with a TLS backend it loads the
    // system's roots), so each test thread builds one. No idle pooling:
    // a connection must never outlive the test runtime that opened it.
    static CLIENT: Client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
}

pub fn client() -> Client {
    CLIENT.with(Client::clone)
}

pub fn auth_body(user: &str, password: &str, project: &str) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}
    }})
}

/// A token for `user` scoped to `project`.
pub async fn token_for(cloud: &MockCloud, user: &str, project: &str) -> String {
    let creds = cloud.credentials(user, project).unwrap();
    let resp = client()
        .post(format!("{}/auth/tokens", cloud.auth_url()))
        .json(&auth_body(user, &creds.password, project))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

pub async fn admin_token(cloud: &MockCloud) -> String {
    token_for(cloud, "admin", "admin").await
}

/// Store `payload` as a secret of `secret_type`; its id.
pub async fn store_secret(
    cloud: &MockCloud,
    token: &str,
    secret_type: &str,
    payload: &[u8],
) -> String {
    let resp = client()
        .post(format!("{}/v1/secrets", cloud.urls().barbican))
        .header("X-Auth-Token", token)
        .json(&json!({
            "name": "cert",
            "secret_type": secret_type,
            "payload": base64::engine::general_purpose::STANDARD.encode(payload),
            "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    let secret_ref = body["secret_ref"].as_str().unwrap();
    secret_ref.rsplit('/').next().unwrap().to_owned()
}

/// Store the test signer's certificate; its secret id.
pub async fn store_cert(cloud: &MockCloud, token: &str) -> String {
    store_secret(cloud, token, "certificate", &signer().cert_pem).await
}

/// Create an image with `props` as extra top-level fields; its id.
pub async fn create_image(cloud: &MockCloud, token: &str, props: Value) -> String {
    let mut body = json!({"name": "test", "container_format": "bare", "disk_format": "raw"});
    if let (Some(b), Some(p)) = (body.as_object_mut(), props.as_object()) {
        b.extend(p.clone());
    }
    let resp = client()
        .post(format!("{}/v2/images", cloud.urls().glance))
        .header("X-Auth-Token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// The four properties for `data` signed by the test signer with `cert_id`.
pub fn signed_props(data: &[u8], cert_id: &str) -> Value {
    let s = signer();
    json!({
        "img_signature": s.sign(data),
        "img_signature_certificate_uuid": cert_id,
        "img_signature_hash_method": s.hash.as_str(),
        "img_signature_key_type": s.key_type,
    })
}

pub async fn upload(cloud: &MockCloud, token: &str, id: &str, data: Vec<u8>) -> Response {
    client()
        .put(format!("{}/v2/images/{id}/file", cloud.urls().glance))
        .header("X-Auth-Token", token)
        .header("Content-Type", "application/octet-stream")
        .body(data)
        .send()
        .await
        .unwrap()
}

pub async fn image(cloud: &MockCloud, token: &str, id: &str) -> (StatusCode, Value) {
    let resp = client()
        .get(format!("{}/v2/images/{id}", cloud.urls().glance))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Files left in the image data directory.
pub fn data_files(cloud: &MockCloud) -> Vec<String> {
    std::fs::read_dir(cloud.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// `GET url` with `X-Auth-Token: token`, sent.
pub async fn get(url: impl reqwest::IntoUrl, token: &str) -> Response {
    client()
        .get(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap()
}

/// `DELETE url` with `X-Auth-Token: token`, sent.
pub async fn delete(url: impl reqwest::IntoUrl, token: &str) -> Response {
    client()
        .delete(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap()
}
