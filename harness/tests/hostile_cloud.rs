//! The harness against endpoints that misbehave or are hostile: servers
//! that accept and never answer end each stage within its own timeout
//! (pre-flight, Keystone), `next` links and redirects to another origin
//! never receive the token, a Glance that stops answering half-way trips
//! the breaker, and input files are capped.

use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use imgsig::cases::catalogue;
use imgsig::openstack::{Client, ClientOptions, CloudConfig, DirectEndpoints};
use imgsig::run::{breaker, run_cases, RunOptions};
use imgsig::spec::{Observed, Profile};
use imgsig::tag::RunTag;
use imgsig::targets::OpenStackTarget;
use imgsig_mock::{MockCloud, MockConfig};
use tokio::task::AbortHandle;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "hostile-test-token";

fn imgsig(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imgsig"));
    cmd.args(args).env_remove("OS_CLOUD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("imgsig runs")
}

/// A port that accepts connections (the kernel's backlog) and never
/// answers: kept open while the listener lives.
fn hung_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, url)
}

#[test]
fn a_hung_endpoint_ends_the_pre_flight_within_the_connect_timeout() {
    let (_listener, url) = hung_listener();
    let out = imgsig(
        &[
            "run",
            "--glance-url",
            &url,
            "--barbican-url",
            &url,
            "--token",
            TOKEN,
            "--connect-timeout",
            "1",
            "--quiet",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Glance at {url} cannot be reached, so no case was run: Glance did not answer GET \
             {url}/ within 1.0 s"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
}

#[test]
fn a_hung_keystone_ends_within_the_request_timeout() {
    let (_listener, url) = hung_listener();
    let vars = [
        ("OS_AUTH_URL", format!("{url}/v3")),
        ("OS_USERNAME", "admin".to_owned()),
        ("OS_PASSWORD", "secret".to_owned()),
        ("OS_PROJECT_NAME", "admin".to_owned()),
        ("OS_USER_DOMAIN_NAME", "Default".to_owned()),
        ("OS_PROJECT_DOMAIN_NAME", "Default".to_owned()),
    ];
    let out = imgsig(
        &[
            "run",
            "--cloud",
            "envvars",
            "--request-timeout",
            "1",
            "--quiet",
        ],
        &vars,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Keystone did not answer POST") && stderr.contains("within 1.0 s"),
        "{stderr}"
    );
}

fn direct(server: &MockServer) -> Client {
    Client::direct(
        &DirectEndpoints {
            glance: server.uri(),
            barbican: server.uri(),
            token: TOKEN.into(),
        },
        &ClientOptions::default(),
    )
    .expect("client")
}

#[tokio::test]
async fn a_next_link_to_another_origin_never_receives_the_token() {
    let hostile = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/images"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "images": [],
            "next": format!("{}/v2/images?marker=x", elsewhere.uri()),
        })))
        .mount(&hostile)
        .await;
    let err = direct(&hostile)
        .list_images("imgsig-")
        .await
        .expect_err("a foreign next link is an error");
    assert_eq!(
        err.to_string(),
        format!(
            "Glance's image list gives {} as its next page, outside Glance's origin {}: not \
             followed, so the token is not sent there; check the Glance endpoint (catalog or \
             --glance-url) and any proxy that rewrites links",
            elsewhere.uri(),
            hostile.uri()
        )
    );
    let received = elsewhere.received_requests().await.expect("recording");
    assert!(received.is_empty(), "{received:?}");
}

#[tokio::test]
async fn redirects_are_followed_only_within_the_origin() {
    let hostile = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/images/away"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/v2/images/x", elsewhere.uri())),
        )
        .mount(&hostile)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/images/moved"))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", "/v2/images/here"))
        .mount(&hostile)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/images/here"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "here", "status": "queued",
        })))
        .mount(&hostile)
        .await;
    let client = direct(&hostile);
    let err = client.image("away").await.expect_err("not followed");
    assert!(
        err.to_string().starts_with(&format!(
            "Glance redirected GET {}/v2/images/away to {}/v2/images/x, another origin: not \
             followed",
            hostile.uri(),
            elsewhere.uri()
        )),
        "{err}"
    );
    let image = client
        .image("moved")
        .await
        .expect("same origin followed")
        .expect("found");
    assert_eq!(image.id, "here");
    let received = elsewhere.received_requests().await.expect("recording");
    assert!(received.is_empty(), "{received:?}");
}

/// A TCP proxy in front of a service that can be switched to hang: its
/// connections are dropped and new ones are accepted and never answered.
struct Proxy {
    url: String,
    hung: Arc<AtomicBool>,
    piped: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let hung = Arc::new(AtomicBool::new(false));
        let piped = Arc::new(Mutex::new(Vec::new()));
        let (hang, pipes) = (hung.clone(), piped.clone());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                if hang.load(Ordering::SeqCst) {
                    held.push(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                pipes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(pipe.abort_handle());
            }
        });
        Proxy { url, hung, piped }
    }

    fn hang(&self) {
        self.hung.store(true, Ordering::SeqCst);
        for pipe in self
            .piped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            pipe.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_glance_that_stops_answering_half_way_trips_the_breaker() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    // Each case waits on Barbican a while, so the run is under way when
    // Glance stops answering.
    cloud
        .faults()
        .add("barbican:*:/**=delay-150".parse().expect("a fault rule"));
    let proxy = Proxy::start(&cloud.urls().glance).await;
    let mut config = CloudConfig::from_vars(&cloud.admin().env_vars()).expect("config");
    let admin = Client::connect(&config, &ClientOptions::default())
        .await
        .expect("keystone");
    config.image_endpoint = Some(proxy.url.clone());
    let mut options = ClientOptions::default();
    options.timeouts.request = Duration::from_secs(1);
    let client = Client::connect(&config, &options).await.expect("keystone");
    let cases: Vec<_> = catalogue(false)
        .expect("catalogue")
        .into_iter()
        .filter(|c| c.id.ends_with(".valid"))
        .take(24)
        .collect();
    assert_eq!(cases.len(), 24);
    let tag = RunTag::new("rbreak").expect("tag");
    let run_options = RunOptions {
        profile: Profile::GlanceCurrent,
        jobs: 2,
        timeout: Duration::from_secs(10),
        breaker: Some(breaker::DEFAULT_THRESHOLD),
        keep: false,
        run_tag: tag.clone(),
        progress: false,
    };
    let target = Arc::new(OpenStackTarget::new(client, "mocks behind a proxy"));
    let run = tokio::spawn(async move { run_cases(cases, target, &run_options).await });
    let mut started = false;
    for _ in 0..600 {
        if !admin.list_images("imgsig-").await.expect("list").is_empty() {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(started, "the run never created an image");
    proxy.hang();
    let report = run.await.expect("the run ends");

    let stopped = report.stopped.as_deref().expect("the breaker tripped");
    assert!(
        stopped.starts_with(&format!(
            "{} cases in a row could not reach the target",
            breaker::DEFAULT_THRESHOLD
        )),
        "{stopped}"
    );
    let skipped = report
        .outcomes
        .iter()
        .filter(|o| matches!(&o.observed, Observed::Skipped { why } if why.contains(stopped)))
        .count();
    assert!(skipped > 0, "nothing was left unscheduled");
    assert!(!report.all_as_expected());
    // Whatever its cleanup could not delete through the hung Glance is
    // listed, and the sweep finishes it once Glance answers again.
    let swept = admin.sweep(&tag).await.expect("sweep");
    assert!(swept.failed.is_empty(), "{swept:?}");
    for left in &report.leftovers {
        assert!(
            swept.deleted.iter().any(|r| r.to_string() == left.what),
            "{left:?} not in {swept:?}"
        );
    }
    let remaining = admin.list_images(&tag.name("")).await.expect("list");
    assert!(remaining.is_empty(), "{remaining:?}");
    cloud.shutdown().await;
}

#[test]
fn input_files_are_capped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = dir.path().join("image");
    std::fs::write(&image, b"data").expect("image");
    let image = image.to_str().expect("utf-8 path");
    let mut messages = Vec::new();
    for flag in ["--cert", "--public-key"] {
        let out = imgsig(
            &[
                "verify",
                flag,
                "/dev/zero",
                "--hash-method",
                "SHA-256",
                "--key-type",
                "RSA-PSS",
                "--signature",
                "AAAA",
                image,
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        messages.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    assert_eq!(messages[0], messages[1]);
    insta::assert_snapshot!("input_file_cap", messages[0]);
}
