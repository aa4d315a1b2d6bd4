//! Hostile and stalled clients: half-open connections are shed and timed
//! out while the services keep answering; partial headers, idle keep-alive
//! connections and stalled uploads are closed; a slow answer is not.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{admin_token, client, create_image, data_files, image};
use imgsig_mock::{ConnectionLimits, MockCloud, MockConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// Generous bound for anything the timeouts below should bring about.
const WITHIN: Duration = Duration::from_secs(30);

/// A cloud whose connection timeouts are all one second.
async fn start_strict(max_connections: usize) -> MockCloud {
    let config = MockConfig {
        connections: ConnectionLimits {
            header_read_timeout_secs: 1,
            idle_timeout_secs: 1,
            body_progress_timeout_secs: 1,
            max_connections,
        },
        ..MockConfig::default()
    };
    MockCloud::start(config).await.unwrap()
}

fn host(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// Read until the server closes the connection (or resets it); what came.
async fn until_closed(stream: &mut TcpStream) -> Result<Vec<u8>, tokio::time::error::Elapsed> {
    let mut got = Vec::new();
    timeout(WITHIN, async {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await?;
    Ok(got)
}

/// Open files of this process.
fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// Raise the soft open-files limit towards `wanted`; the limit in force.
fn raise_open_files_limit(wanted: u64) -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= wanted {
        return current;
    }
    let raised = limit.maximum.map_or(wanted, |max| max.min(wanted));
    let new = Rlimit {
        current: Some(raised),
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, new) {
        Ok(()) => raised,
        Err(_) => current,
    }
}

/// A request every service answers without a token; retried while the
/// service sheds connections. How long it took.
async fn answered(url: &str) -> Duration {
    let started = Instant::now();
    loop {
        let sent = client().get(url).send().await;
        if sent.is_ok_and(|r| r.status().as_u16() < 500) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < WITHIN,
            "{url} did not answer in {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_half_open_connections_are_shed_and_the_services_keep_answering() {
    const WANTED: usize = 5000;
    const MAX: usize = 256;
    // Client and server sides of every connection live in this process.
    let limit = raise_open_files_limit(2 * WANTED as u64 + 1024);
    let count = WANTED.min(
        usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_sub(3 * MAX + 512),
    );
    if count < WANTED {
        eprintln!("open-files limit {limit}: {count} half-open connections instead of {WANTED}");
    }
    let cloud = start_strict(MAX).await;
    let urls = cloud.urls().clone();
    let targets = [
        host(&urls.keystone).to_owned(),
        host(&urls.barbican).to_owned(),
        host(&urls.glance).to_owned(),
    ];
    let before = open_files();
    let mut half_open = Vec::with_capacity(count);
    for i in 0..count {
        let mut stream = TcpStream::connect(&targets[i % 3]).await.unwrap();
        // Often reset at once when shed: the write may fail, which is fine.
        let _ = stream.write_all(b"GET /v3 HTTP/1").await;
        half_open.push(stream);
    }
    // Each service keeps answering (within the header-read timeout, the
    // time the held connections take to be closed).
    for url in [&urls.keystone, &urls.barbican, &urls.glance] {
        let took = answered(url).await;
        eprintln!("{url} answered after {took:?}");
    }
    // Every half-open connection ends: shed at once or timed out.
    for stream in &mut half_open {
        let got = until_closed(stream)
            .await
            .expect("a half-open connection stayed open");
        assert!(
            got.is_empty() || got.starts_with(b"HTTP/1.1 503"),
            "{}",
            String::from_utf8_lossy(&got)
        );
    }
    drop(half_open);
    // And the services let go of their sockets.
    let started = Instant::now();
    while open_files() > before + 16 {
        assert!(
            started.elapsed() < WITHIN,
            "{} files open, {before} before",
            open_files()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn partial_headers_are_cut_off() {
    let cloud = start_strict(16).await;
    let mut stream = TcpStream::connect(host(&cloud.urls().glance))
        .await
        .unwrap();
    stream
        .write_all(b"GET /versions HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let got = until_closed(&mut stream).await.expect("still open");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let cloud = start_strict(16).await;
    let mut stream = TcpStream::connect(host(&cloud.urls().keystone))
        .await
        .unwrap();
    stream
        .write_all(b"GET /v3 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let got = until_closed(&mut stream).await.expect("still open");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
}

#[tokio::test]
async fn a_slow_answer_is_not_cut_off() {
    let cloud = start_strict(16).await;
    // Longer than every timeout: only the client's stalls count.
    cloud
        .faults()
        .add("barbican:*:/**=delay-2500".parse().unwrap());
    let resp = client()
        .get(format!("{}/v1/secrets", cloud.urls().barbican))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn a_stalled_upload_is_aborted_and_leaves_the_image_queued_without_data() {
    let cloud = start_strict(16).await;
    let token = admin_token(&cloud).await;
    let id = create_image(&cloud, &token, serde_json::json!({})).await;
    let glance = host(&cloud.urls().glance).to_owned();
    let mut stream = TcpStream::connect(&glance).await.unwrap();
    let head = format!(
        "PUT /v2/images/{id}/file HTTP/1.1\r\nHost: {glance}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        4 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![7u8; 1 << 20]).await.unwrap();
    // The client stalls with three quarters of the body unsent: the upload
    // is aborted and the connection closed.
    let got = until_closed(&mut stream).await.expect("still open");
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
    let started = Instant::now();
    loop {
        let (_, v) = image(&cloud, &token, &id).await;
        if v["status"] == "queued" && data_files(&cloud).is_empty() {
            assert_eq!(v["size"], serde_json::Value::Null);
            break;
        }
        assert!(
            started.elapsed() < WITHIN,
            "{} with {:?}",
            v["status"],
            data_files(&cloud)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn zero_limits_are_refused() {
    let config = MockConfig {
        connections: ConnectionLimits {
            idle_timeout_secs: 0,
            ..ConnectionLimits::default()
        },
        ..MockConfig::default()
    };
    let err = MockCloud::start(config).await.unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"invalid mock configuration: connections.idle_timeout_secs must be at least 1");
}
