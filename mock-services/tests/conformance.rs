//! The whole catalogue against the mocks, through the harness's own
//! OpenStack target: the mocks conform to each profile they play, and
//! profile detection recognises them.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use imgsig::cases::catalogue;
use imgsig::outcome::{RunReport, Verdict};
use imgsig::run::{new_run_tag, run_cases, RunOptions};
use imgsig::spec::Profile;
use imgsig::target::openstack::{Credentials, OpenStack, Tls};
use imgsig::target::Target;
use imgsig_mock::{MockCloud, MockConfig};

async fn run(mock_profile: Profile, expected_profile: Profile) -> RunReport {
    let cloud = MockCloud::start(MockConfig {
        profile: mock_profile,
        ..MockConfig::default()
    })
    .await
    .expect("mocks start");
    let credentials: Credentials = cloud.admin().into();
    let timeout = Duration::from_secs(60);
    let target = Target::OpenStack {
        cloud: OpenStack::connect(&credentials, timeout, &Tls::default())
            .await
            .expect("keystone"),
        name: "mocks".into(),
    };
    let options = RunOptions {
        profile: expected_profile,
        jobs: 8,
        timeout,
        keep: false,
        run_tag: new_run_tag(),
        progress: false,
    };
    let cases = catalogue(false).expect("catalogue");
    let report = run_cases(cases, Arc::new(target), &options).await;
    // Nothing is left behind.
    let leftovers = OpenStack::connect(&credentials, timeout, &Tls::default())
        .await
        .expect("keystone")
        .sweep(&options.run_tag)
        .await
        .expect("sweep");
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    cloud.shutdown().await;
    report
}

fn failed(report: &RunReport) -> BTreeSet<String> {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Fail)
        .map(|o| format!("{}: {}", o.id, o.explanation))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mocks_conform_to_the_profile_they_play() {
    for profile in Profile::ALL {
        let report = run(profile, profile).await;
        assert_eq!(failed(&report), BTreeSet::new(), "mocks playing {profile}");
        assert_eq!(
            report.detection.best,
            Some(profile),
            "{:#?}",
            report.detection.profiles
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_target_fails_exactly_the_salt_and_binary_curve_cases() {
    let report = run(Profile::GlanceLegacy, Profile::GlanceCurrent).await;
    let failed: BTreeSet<String> = report
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Fail)
        .map(|o| o.id.clone())
        .collect();
    let expected: BTreeSet<String> = report
        .outcomes
        .iter()
        .map(|o| o.id.clone())
        .filter(|id| {
            let salt_regression = id.starts_with("reg.pss-salt.")
                && !id.starts_with("reg.pss-salt.max.")
                && id != "reg.pss-salt.digest.1024.sha-512";
            let binary_curve = id.starts_with("sig.ecc-sect");
            salt_regression || binary_curve
        })
        .collect();
    assert_eq!(failed, expected);
    assert_eq!(report.detection.best, Some(Profile::GlanceLegacy));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_clear_configuration_error() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let mut creds = Credentials::from(cloud.admin());
    creds.password = "wrong".into();
    let e = OpenStack::connect(&creds, Duration::from_secs(10), &Tls::default())
        .await
        .expect_err("401")
        .to_string();
    assert!(
        e.contains("refused the credentials") && e.contains("OS_PASSWORD"),
        "{e}"
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_objects_are_swept_by_their_run_tag_only() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let creds = Credentials::from(cloud.admin());
    let timeout = Duration::from_secs(30);
    let client = OpenStack::connect(&creds, timeout, &Tls::default())
        .await
        .expect("keystone");
    // Someone else's image, which a sweep must not touch.
    let (other, _) = client
        .create_image("not-ours", &Default::default())
        .await
        .expect("create");
    let other = other.expect("created");
    let target = Target::OpenStack {
        cloud: client.clone(),
        name: "mocks".into(),
    };
    let options = RunOptions {
        profile: Profile::GlanceCurrent,
        jobs: 4,
        timeout,
        keep: true,
        run_tag: new_run_tag(),
        progress: false,
    };
    let cases: Vec<_> = catalogue(false)
        .expect("catalogue")
        .into_iter()
        .filter(|c| c.id.starts_with("sig.ecc-secp384r1"))
        .collect();
    let n = cases.len();
    let report = run_cases(cases, Arc::new(target), &options).await;
    assert_eq!(report.summary.passed, n);
    let swept = client.sweep(&options.run_tag).await.expect("sweep");
    // One image and one secret per case.
    assert_eq!(swept.len(), 2 * n, "{swept:?}");
    let (state, _) = client.image_state(&other).await.expect("get");
    assert_eq!(state, imgsig::outcome::ImageState::Status("queued".into()));
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_authentication_is_rescoped_through_keystone() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let password: Credentials = cloud.admin().into();
    let response = reqwest::Client::new()
        .post(password.tokens_url())
        .json(&password.auth_body())
        .send()
        .await
        .expect("keystone");
    let token = response
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .expect("token")
        .to_owned();
    let by_token = Credentials {
        username: String::new(),
        password: String::new(),
        token: Some(token),
        ..password
    };
    let client = OpenStack::connect(&by_token, Duration::from_secs(10), &Tls::default())
        .await
        .expect("token auth");
    let (id, r) = client
        .create_image("imgsig-token-auth", &Default::default())
        .await
        .expect("create");
    assert_eq!(r.status, 201);
    client.delete_image(&id.expect("id")).await.expect("delete");
    cloud.shutdown().await;
}

/// A server that answers 503 to the first `failures` requests, then 200
/// with an empty image list; it counts the requests.
async fn flaky_server(failures: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let (status, body) = if n < failures {
                ("503 Service Unavailable", "{}")
            } else {
                ("200 OK", r#"{"images": [], "secrets": []}"#)
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    (url, count)
}

#[tokio::test]
async fn transient_failures_are_retried_a_bounded_number_of_times() {
    use std::sync::atomic::Ordering;
    let timeout = Duration::from_secs(5);
    let (url, count) = flaky_server(2).await;
    let client = OpenStack::with_token(&url, &url, "t", timeout, &Tls::default()).expect("client");
    let (state, _) = client.image_state("x").await.expect("third try answers");
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(state, imgsig::outcome::ImageState::Unknown);

    let (url, count) = flaky_server(100).await;
    let client = OpenStack::with_token(&url, &url, "t", timeout, &Tls::default()).expect("client");
    let (_, r) = client.image_state("x").await.expect("an answer");
    assert_eq!(r.status, 503);
    assert_eq!(count.load(Ordering::SeqCst), 3, "bounded");

    // Creating is not idempotent: a 503 is reported, not retried.
    let (url, count) = flaky_server(100).await;
    let client = OpenStack::with_token(&url, &url, "t", timeout, &Tls::default()).expect("client");
    let (id, r) = client
        .create_image("x", &Default::default())
        .await
        .expect("answer");
    assert_eq!((id, r.status), (None, 503));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}
