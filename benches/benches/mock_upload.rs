//! Upload throughput of the mock Glance: a streamed `PUT …/file` over
//! loopback, verified while it streams (RSA-PSS 2048 / SHA-256); the same
//! with Glance's MD5 + SHA-512 checksums switched off (they cost more than
//! the verification); and an upload without signature properties.
//!
//! `cargo bench -p imgsig-benches --bench mock_upload`
#![allow(missing_docs)]

use std::time::Duration;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imgsig::crypto::cert::CertificateParams;
use imgsig::crypto::{digest_bytes, BackendKind, KeySpec, PrivateKey};
use imgsig::spec::{HashMethod, PssSignSalt};
use imgsig_mock::{MockCloud, MockConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

const SIZE: usize = 64 << 20;
const WRITE: usize = 1 << 20;

/// One HTTP/1.1 request over a fresh connection; status and body.
async fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    for chunk in body.chunks(WRITE) {
        stream.write_all(chunk).await.expect("write body");
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read answer");
    let status = answer
        .get(9..12)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body_at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |p| p + 4);
    (status, answer[body_at..].to_vec())
}

async fn json_request(
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value, Vec<u8>) {
    let text = body.to_string();
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(t) = token {
        headers.push(("X-Auth-Token", t));
    }
    let (status, raw) = request(base, "POST", path, &headers, text.as_bytes()).await;
    (
        status,
        serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    )
}

struct Setup {
    cloud: MockCloud,
    token: String,
    props: Value,
}

async fn setup(data: &[u8], checksums: bool) -> Setup {
    let config = MockConfig {
        checksums,
        ..MockConfig::default()
    };
    let cloud = MockCloud::start(config).await.expect("start");
    let admin = cloud.admin();
    let auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": admin.username, "domain": {"name": "Default"}, "password": admin.password}}},
        "scope": {"project": {"name": admin.project_name, "domain": {"name": "Default"}}}}});
    // The token is in a header; ask Keystone with a raw request.
    let text = auth.to_string();
    let host = cloud
        .urls()
        .keystone
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = TcpStream::connect(&host).await.expect("connect");
    let head = format!(
        "POST /v3/auth/tokens HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let token = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-subject-token: "))
        .expect("token")
        .trim()
        .to_owned();

    let key = PrivateKey::generate(KeySpec::Rsa(2048)).expect("key");
    let cert = CertificateParams::new("bench", 30)
        .self_signed(&key)
        .expect("cert");
    let b64 = base64::engine::general_purpose::STANDARD;
    let (_, secret, _) = json_request(
        &cloud.urls().barbican,
        "/v1/secrets",
        Some(&token),
        &json!({
        "name": "bench", "secret_type": "certificate",
        "payload": b64.encode(cert.to_pem().expect("pem")),
        "payload_content_type": "application/octet-stream", "payload_content_encoding": "base64"}),
    )
    .await;
    let cert_id = secret["secret_ref"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .expect("secret")
        .to_owned();
    let backend = BackendKind::OpenSsl.backend();
    let digest = digest_bytes(backend, HashMethod::Sha256, data).expect("digest");
    let sig = backend
        .sign_digest(&key, HashMethod::Sha256, &digest, PssSignSalt::Max)
        .expect("sign");
    let props = json!({
        "img_signature": b64.encode(sig),
        "img_signature_certificate_uuid": cert_id,
        "img_signature_hash_method": "SHA-256",
        "img_signature_key_type": "RSA-PSS",
    });
    Setup {
        cloud,
        token,
        props,
    }
}

async fn create_and_upload(s: &Setup, props: &Value, data: &[u8]) {
    let mut body = json!({"name": "bench", "disk_format": "raw", "container_format": "bare"});
    if let (Some(b), Some(p)) = (body.as_object_mut(), props.as_object()) {
        b.extend(p.clone());
    }
    let glance = &s.cloud.urls().glance;
    let (status, image, _) = json_request(glance, "/v2/images", Some(&s.token), &body).await;
    assert_eq!(status, 201);
    let id = image["id"].as_str().expect("id");
    let headers = [
        ("X-Auth-Token", s.token.as_str()),
        ("Content-Type", "application/octet-stream"),
    ];
    let (status, _) = request(
        glance,
        "PUT",
        &format!("/v2/images/{id}/file"),
        &headers,
        data,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = request(
        glance,
        "DELETE",
        &format!("/v2/images/{id}"),
        &headers[..1],
        b"",
    )
    .await;
    assert_eq!(status, 204);
}

fn upload(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let data: Vec<u8> = (0..SIZE).map(|i| (i as u8).wrapping_mul(31)).collect();
    let full = rt.block_on(setup(&data, true));
    let lean = rt.block_on(setup(&data, false));
    let mut group = c.benchmark_group("mock_upload");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("verified_rsa_pss_2048_sha256_64MiB", |b| {
        b.iter(|| rt.block_on(create_and_upload(&full, &full.props, &data)))
    });
    group.bench_function("verified_no_checksums_64MiB", |b| {
        b.iter(|| rt.block_on(create_and_upload(&lean, &lean.props, &data)))
    });
    group.bench_function("unverified_64MiB", |b| {
        b.iter(|| rt.block_on(create_and_upload(&full, &json!({}), &data)))
    });
    group.finish();
}

criterion_group!(benches, upload);
criterion_main!(benches);
