//! The whole catalogue against the mocks, through the harness's own
//! OpenStack target: the mocks conform to each profile they play, profile
//! detection recognises them, and nothing is left behind.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use imgsig::cases::{catalogue, Family, Flag};
use imgsig::crypto::{EcCurve, KeyAlgorithm};
use imgsig::openstack::{Client, ClientOptions, NewImage};
use imgsig::outcome::{RunReport, Verdict};
use imgsig::run::{run_cases, RunOptions};
use imgsig::spec::Profile;
use imgsig::tag::RunTag;
use imgsig::targets::OpenStackTarget;
use imgsig_mock::{MockCloud, MockConfig};

async fn connect(cloud: &MockCloud) -> Client {
    let config =
        imgsig::openstack::CloudConfig::from_vars(&cloud.admin().env_vars()).expect("cloud config");
    Client::connect(&config, &ClientOptions::default())
        .await
        .expect("keystone")
}

fn options(profile: Profile, keep: bool) -> RunOptions {
    RunOptions {
        profile,
        jobs: 8,
        timeout: Duration::from_secs(60),
        breaker: Some(imgsig::run::breaker::DEFAULT_THRESHOLD),
        keep,
        run_tag: RunTag::generate(),
        progress: false,
    }
}

async fn run(mock_profile: Profile, expected_profile: Profile) -> RunReport {
    let cloud = MockCloud::start(MockConfig {
        profile: mock_profile,
        ..MockConfig::default()
    })
    .await
    .expect("mocks start");
    let client = connect(&cloud).await;
    let options = options(expected_profile, false);
    let target = OpenStackTarget::new(client.clone(), "mocks");
    let report = run_cases(
        catalogue(false).expect("catalogue"),
        Arc::new(target),
        &options,
    )
    .await;
    // Nothing is left behind.
    let tag = options.run_tag.clone();
    let leftovers = client.sweep(&tag).await.expect("sweep");
    assert!(
        leftovers.deleted.is_empty(),
        "left behind: {:?}",
        leftovers.deleted
    );
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
    // What pyca/cryptography <= 41 does differently: a PSS salt other than
    // the maximum, a binary curve (only cryptography >= 47 dropped them,
    // so legacy supports them where current rejects them), and EC keys with
    // explicit parameters, which 41.0.7 cannot load.
    let expected: BTreeSet<String> = catalogue(false)
        .expect("catalogue")
        .iter()
        .filter(|c| {
            let flags = c.flags();
            let explicit = matches!(
                c.key_algorithm(),
                Some(KeyAlgorithm::Ec(EcCurve::Explicit(_)))
            );
            let binary_signature = c.family() == Family::Sig && flags.contains(&Flag::BinaryCurve);
            flags.contains(&Flag::PssSalt) || binary_signature || explicit
        })
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(failed, expected);
    assert_eq!(report.detection.best, Some(Profile::GlanceLegacy));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_objects_are_swept_by_their_run_tag_only() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let client = connect(&cloud).await;
    // Someone else's image, which a sweep must not touch.
    let someone = client.scope();
    let other = someone
        .create_image(&NewImage::new("not-ours"))
        .await
        .expect("create");
    // Not ours to clean up either.
    let _ = someone.cleanup().keep();
    let options = options(Profile::GlanceCurrent, true);
    let cases: Vec<_> = catalogue(false)
        .expect("catalogue")
        .into_iter()
        .filter(|c| c.id.starts_with("sig.ecc-secp384r1"))
        .collect();
    let n = cases.len();
    let target = OpenStackTarget::new(client.clone(), "mocks");
    let report = run_cases(cases, Arc::new(target), &options).await;
    assert_eq!(report.summary.passed, n);
    let tag = options.run_tag.clone();
    let swept = client.sweep(&tag).await.expect("sweep");
    // One image and one secret per case.
    assert_eq!(swept.deleted.len(), 2 * n, "{:?}", swept.deleted);
    let still = client.image(&other.id).await.expect("get").expect("exists");
    assert_eq!(still.status, "queued");
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_clear_configuration_error() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let mut creds = cloud.admin();
    creds.password = "wrong".into();
    let config = imgsig::openstack::CloudConfig::from_vars(&creds.env_vars()).expect("config");
    let e = Client::connect(&config, &ClientOptions::default())
        .await
        .expect_err("401")
        .to_string();
    assert!(e.contains("401"), "{e}");
    cloud.shutdown().await;
}
