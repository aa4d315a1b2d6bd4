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
