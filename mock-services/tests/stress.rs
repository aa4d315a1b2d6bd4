//! Concurrency, disconnects and streaming: no data loss, no partial data,
//! no whole image in memory.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    admin_token, create_image, data_files, image, signed_props, signer, start, store_cert, upload,
};
use imgsig::crypto::BackendKind;
use imgsig::spec::PssSignSalt;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Deterministic image bytes: `len` bytes for image `seed`.
fn image_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_uploads_all_end_correctly() {
    let cloud = std::sync::Arc::new(start().await);
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64u8 {
        let cloud = cloud.clone();
        let token = token.clone();
        let cert = cert.clone();
        tasks.spawn(async move {
            let data = image_bytes(n, 256 * 1024 + usize::from(n) * 1000);
            let id = create_image(&cloud, &token, signed_props(&data, &cert)).await;
            let good = n % 2 == 0;
            let mut sent = data.clone();
            if !good {
                sent[usize::from(n) * 7] ^= 1;
            }
            let status = upload(&cloud, &token, &id, sent).await.status();
            (n, id, good, status, data)
        });
    }
    let mut good_ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (n, id, good, status, data) = done.unwrap();
        let (_, v) = image(&cloud, &token, &id).await;
        if good {
            assert_eq!(status, StatusCode::NO_CONTENT, "upload {n}");
            assert_eq!(v["status"], "active", "upload {n}");
            assert_eq!(v["size"], data.len(), "upload {n}");
            good_ids.push((id, data));
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "upload {n}");
            assert_eq!(v["status"], "queued", "upload {n}");
        }
    }
    assert_eq!(good_ids.len(), 32);
    assert_eq!(
        data_files(&cloud).len(),
        32,
        "only the good images keep data"
    );
    for (id, data) in good_ids.iter().take(4) {
        let body = common::client()
            .get(format!("{}/v2/images/{id}/file", cloud.urls().glance))
            .header("X-Auth-Token", &token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.as_ref(), data.as_slice());
    }
}

/// Send a `PUT` whose body comes from `chunk(i)` for `chunks` chunks,
/// announcing `declared` bytes; stop early after `send` chunks. The
/// status line, if an answer came.
async fn raw_put(
    addr: &str,
    path: &str,
    token: &str,
    declared: u64,
    send: usize,
    chunk: impl Fn(usize) -> Vec<u8>,
    wait: Duration,
) -> Option<String> {
    let host = addr.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for i in 0..send {
        if stream.write_all(&chunk(i)).await.is_err() {
            return None;
        }
    }
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(wait, stream.read(&mut answer))
        .await
        .ok()?
        .ok()?;
    String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .map(String::from)
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_no_data() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let data = image_bytes(7, 4 << 20);
    let id = create_image(&cloud, &token, signed_props(&data, &cert)).await;
    let path = format!("/v2/images/{id}/file");
    // Announce 4 MiB, send 1 MiB, hang up (the stream is dropped on return).
    let answer = raw_put(
        &cloud.urls().glance,
        &path,
        &token,
        data.len() as u64,
        4,
        |i| data[i * 256 * 1024..(i + 1) * 256 * 1024].to_vec(),
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(answer, None, "no answer to a body still incomplete");
    let mut status = String::new();
    for _ in 0..100 {
        status = image(&cloud, &token, &id).await.1["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if status == "queued" && data_files(&cloud).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, "queued");
    assert!(data_files(&cloud).is_empty(), "{:?}", data_files(&cloud));
    // And the image takes a whole upload afterwards.
    assert_eq!(
        upload(&cloud, &token, &id, data).await.status(),
        StatusCode::NO_CONTENT
    );
}

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// 256 MiB generated on the fly, signed while generated, uploaded over a
/// raw socket: the peak memory of the process must not grow by anything
/// near the image size. Release mode only (`cargo test --release -p
/// imgsig-mock --test stress -- --ignored`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "256 MiB: run in release mode with --ignored"]
async fn a_large_upload_is_streamed_not_buffered() {
    const CHUNK: usize = 1 << 20;
    const CHUNKS: usize = 256;
    let chunk = |i: usize| image_bytes(i as u8, CHUNK);
    let s = signer();
    let backend = BackendKind::OpenSsl.backend();
    let mut hasher = backend.hasher(s.hash);
    for i in 0..CHUNKS {
        hasher.update(&chunk(i));
    }
    let digest = hasher.finalize().unwrap();
    let sig = backend
        .sign_digest(&s.key, s.hash, &digest, PssSignSalt::Max)
        .unwrap();

    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let cert = store_cert(&cloud, &token).await;
    let mut props = signed_props(b"", &cert);
    props["img_signature"] =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sig).into();
    let id = create_image(&cloud, &token, props).await;
    let before = peak_rss_kib();
    let started = std::time::Instant::now();
    let path = format!("/v2/images/{id}/file");
    let answer = raw_put(
        &cloud.urls().glance,
        &path,
        &token,
        (CHUNK * CHUNKS) as u64,
        CHUNKS,
        chunk,
        Duration::from_secs(60),
    )
    .await;
    let elapsed = started.elapsed();
    let grown_mib = (peak_rss_kib().saturating_sub(before)) / 1024;
    eprintln!(
        "256 MiB upload: {:.0} MB/s, peak RSS grew by {grown_mib} MiB",
        (CHUNK * CHUNKS) as f64 / elapsed.as_secs_f64() / 1e6
    );
    assert_eq!(answer.as_deref(), Some("HTTP/1.1 204 No Content"));
    assert_eq!(image(&cloud, &token, &id).await.1["status"], "active");
    assert!(grown_mib < 64, "peak RSS grew by {grown_mib} MiB");
}

#[tokio::test]
async fn an_image_deleted_during_its_upload_keeps_no_data() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let id = create_image(&cloud, &token, serde_json::json!({})).await;
    let host = cloud.urls().glance.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&host).await.unwrap();
    let half = vec![7u8; 1 << 20];
    let head = format!(
        "PUT /v2/images/{id}/file HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        2 * half.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&half).await.unwrap();
    let mut saving = false;
    for _ in 0..100 {
        if image(&cloud, &token, &id).await.1["status"] == "saving" {
            saving = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(saving, "the upload never reached saving");
    let deleted = common::client()
        .delete(format!("{}/v2/images/{id}", cloud.urls().glance))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    stream.write_all(&half).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 410 Gone"), "{answer}");
    assert!(data_files(&cloud).is_empty(), "{:?}", data_files(&cloud));
}
