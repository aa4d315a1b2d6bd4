//! The runner against targets that misbehave: cleanup that fails is
//! reported (and fails the run) with the command that finishes it, a case
//! that hangs is cut off and still cleaned up, nothing listening is a
//! configuration error before any case, and Ctrl-C half-way through a run
//! against the mocks exits 130 with a report and nothing left behind.

use std::io::{BufRead, BufReader};
use std::num::NonZeroU32;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use imgsig::cases::{catalogue, Case, RunnableCase};
use imgsig::openstack::{Client, ClientOptions, CloudConfig, NewSecret};
use imgsig::outcome::RunReport;
use imgsig::report;
use imgsig::run::{run_cases, RunOptions};
use imgsig::spec::{ImageState, Observed, Profile};
use imgsig::tag::RunTag;
use imgsig::targets::{Attempt, CaseContext, Evidence, Leftover, Target};
use imgsig_mock::{MockCloud, MockConfig};

/// A target that accepts every image, optionally after hanging, and whose
/// cleanup may fail; it counts the cleanups it was asked for.
struct Flaky {
    hang: bool,
    cleanup_fails: bool,
    cleanups: Arc<AtomicUsize>,
}

struct FlakyAttempt {
    case_id: String,
    hang: bool,
    cleanup_fails: bool,
    cleanups: Arc<AtomicUsize>,
}

impl Target for Flaky {
    fn describe(&self) -> String {
        "flaky test target".into()
    }

    fn attempt(&self, case_id: &str) -> Box<dyn Attempt> {
        Box::new(FlakyAttempt {
            case_id: case_id.into(),
            hang: self.hang,
            cleanup_fails: self.cleanup_fails,
            cleanups: self.cleanups.clone(),
        })
    }

    fn sweep_command(&self, tag: &RunTag) -> Option<String> {
        Some(format!("imgsig cleanup --run {tag} --cloud flaky"))
    }
}

impl Attempt for FlakyAttempt {
    fn run<'a>(
        &'a self,
        _case: &'a dyn RunnableCase,
        _context: &'a CaseContext,
    ) -> BoxFuture<'a, Observed> {
        Box::pin(async move {
            if self.hang {
                std::future::pending::<()>().await;
            }
            Observed::Accepted {
                image: ImageState::Status("active".into()),
            }
        })
    }

    fn evidence(&self) -> Vec<Evidence> {
        Vec::new()
    }

    fn cleanup(&self) -> BoxFuture<'_, Vec<Leftover>> {
        Box::pin(async move {
            self.cleanups.fetch_add(1, Ordering::SeqCst);
            if !self.cleanup_fails {
                return Vec::new();
            }
            vec![Leftover {
                case_id: self.case_id.clone(),
                what: format!("image imgsig-x-{}", self.case_id),
                reason: "Glance answered 500".into(),
                delete_command: "openstack image delete x".into(),
            }]
        })
    }

    fn keep(&self) {}
}

fn two_valid_cases() -> Vec<Case> {
    catalogue(false)
        .expect("catalogue")
        .into_iter()
        .filter(|c| c.id.starts_with("sig.rsa-pss-1024.sha-256.valid"))
        .chain(
            catalogue(false)
                .expect("catalogue")
                .into_iter()
                .filter(|c| c.id.starts_with("sig.rsa-pss-1024.sha-512.valid")),
        )
        .collect()
}

fn options(timeout: Duration) -> RunOptions {
    RunOptions {
        profile: Profile::GlanceCurrent,
        jobs: 2,
        timeout,
        breaker: Some(imgsig::run::breaker::DEFAULT_THRESHOLD),
        keep: false,
        run_tag: RunTag::new("rtest").expect("tag"),
        progress: false,
    }
}

#[tokio::test]
async fn failed_cleanups_fail_the_run_and_say_how_to_finish_it() {
    let cleanups = Arc::new(AtomicUsize::new(0));
    let target = Flaky {
        hang: false,
        cleanup_fails: true,
        cleanups: cleanups.clone(),
    };
    let report = run_cases(
        two_valid_cases(),
        Arc::new(target),
        &options(Duration::from_secs(30)),
    )
    .await;
    assert_eq!(report.summary.passed, 2);
    assert_eq!(report.leftovers.len(), 2);
    assert!(!report.all_as_expected(), "leftovers must fail the run");
    let command = "imgsig cleanup --run rtest --cloud flaky";
    assert_eq!(report.cleanup_command.as_deref(), Some(command));
    for text in [
        report::terminal(&report),
        report::markdown(&report),
        report::junit_xml(&report),
        report::json(&report),
    ] {
        assert!(text.contains(command), "{text}");
        assert!(text.contains("image imgsig-x-sig.rsa-pss-1024.sha-256.valid"));
    }
    assert_eq!(cleanups.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_hung_case_is_cut_off_and_still_cleaned_up() {
    let cleanups = Arc::new(AtomicUsize::new(0));
    let target = Flaky {
        hang: true,
        cleanup_fails: false,
        cleanups: cleanups.clone(),
    };
    let report = run_cases(
        two_valid_cases(),
        Arc::new(target),
        &options(Duration::from_millis(200)),
    )
    .await;
    assert_eq!(report.summary.failed, 2);
    assert!(report.outcomes.iter().all(|o| matches!(
        &o.observed,
        Observed::Error { detail } if detail.contains("no answer within")
    )));
    assert_eq!(cleanups.load(Ordering::SeqCst), 2);
    assert!(report.leftovers.is_empty());
}

/// Six hung cases, one at a time, each cut off after 50 ms, under `breaker`.
async fn hung_run(breaker: Option<NonZeroU32>) -> RunReport {
    let cases: Vec<Case> = catalogue(false)
        .expect("catalogue")
        .into_iter()
        .filter(|c| c.id.ends_with(".valid"))
        .take(6)
        .collect();
    let target = Flaky {
        hang: true,
        cleanup_fails: false,
        cleanups: Arc::new(AtomicUsize::new(0)),
    };
    let options = RunOptions {
        jobs: 1,
        breaker,
        ..options(Duration::from_millis(50))
    };
    run_cases(cases, Arc::new(target), &options).await
}

#[tokio::test]
async fn the_breaker_stops_after_its_threshold_and_zero_turns_it_off() {
    let report = hung_run(NonZeroU32::new(2)).await;
    let stopped = report.stopped.as_deref().expect("the breaker tripped");
    assert!(
        stopped.starts_with("2 cases in a row could not reach the target"),
        "{stopped}"
    );
    let skipped = |report: &RunReport| {
        report
            .outcomes
            .iter()
            .filter(|o| matches!(o.observed, Observed::Skipped { .. }))
            .count()
    };
    // The runner may have started the third case before it heard of the
    // second's end; that one is aborted, the rest never start.
    assert!(skipped(&report) >= 3, "{:?}", report.outcomes);

    let report = hung_run(None).await;
    assert_eq!(report.stopped, None);
    assert_eq!(skipped(&report), 0);
    assert_eq!(report.summary.failed, 6);
}

#[test]
fn the_breaker_option_is_documented_beside_the_timeouts() {
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args(["run", "--help"])
        .output()
        .expect("imgsig runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let at = |option: &str| {
        help.find(option)
            .unwrap_or_else(|| panic!("{option}: {help}"))
    };
    assert!(at("--case-timeout") < at("--breaker <N>"), "{help}");
    assert!(
        help.contains("0 never stops") && help.contains("[default: 5]"),
        "{help}"
    );

    // A value that is not a count is refused before anything runs.
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args([
            "run",
            "--breaker",
            "x",
            "--glance-url",
            "http://127.0.0.1:9",
        ])
        .output()
        .expect("imgsig runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--breaker <N>"), "{stderr}");
}

#[test]
fn nothing_listening_is_a_configuration_error_before_any_case() {
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args([
            "run",
            "--glance-url",
            "http://127.0.0.1:9",
            "--barbican-url",
            "http://127.0.0.1:9",
            "--token",
            "x",
            "--quiet",
        ])
        .output()
        .expect("imgsig runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Glance at http://127.0.0.1:9 cannot be reached, so no case was run"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "no report");
}

async fn admin_client(cloud: &MockCloud) -> Client {
    let config = CloudConfig::from_vars(&cloud.admin().env_vars()).expect("config");
    Client::connect(&config, &ClientOptions::default())
        .await
        .expect("keystone")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deletes_are_kept_and_the_sweep_finishes_them() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let client = admin_client(&cloud).await;
    let tag = RunTag::new("rdel").expect("tag");
    let scope = client.scope();
    scope
        .store_secret(&NewSecret {
            name: tag.name("case"),
            payload: b"not a certificate".to_vec(),
            secret_type: "opaque".into(),
            algorithm: None,
            expiration: None,
        })
        .await
        .expect("stored");
    cloud
        .faults()
        .add("barbican:DELETE:/v1/secrets/*=500".parse().expect("rule"));
    let report = scope.cleanup().run().await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].1.contains("500"), "{report:?}");
    cloud.faults().clear();
    let swept = client.sweep(&tag).await.expect("sweep");
    assert_eq!(swept.deleted.len(), 1, "{swept:?}");
    assert!(swept.failed.is_empty());
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_half_way_exits_130_with_a_report_and_nothing_left() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    // Slow Barbican down so the run is still going when Ctrl-C comes.
    cloud
        .faults()
        .add("barbican:*:/**=delay-150".parse().expect("rule"));
    let dir = tempfile::tempdir().expect("tempdir");
    let clouds = dir.path().join("clouds.yaml");
    std::fs::write(&clouds, cloud.clouds_yaml("mock")).expect("clouds.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args(["run", "--cloud", "mock", "-j", "2", "--quiet"])
        .env("OS_CLIENT_CONFIG_FILE", &clouds)
        .env_remove("OS_CLOUD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("imgsig starts");
    // Wait until the run has created something, then interrupt it.
    let client = admin_client(&cloud).await;
    let mut started = false;
    for _ in 0..600 {
        if !client
            .list_images("imgsig-")
            .await
            .expect("list")
            .is_empty()
        {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started, "the run never created an image");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(std::result::Result::ok)
        .collect();
    let status = child.wait().expect("exit");
    assert_eq!(status.code(), Some(130), "{lines:?}");
    let report = lines.join("\n");
    assert!(report.contains("interrupted"), "{report}");
    assert!(report.contains("skipped"), "{report}");
    let tag = lines
        .first()
        .and_then(|l| l.rsplit(" run ").next())
        .expect("the report names its run tag");
    let tag = RunTag::new(tag.trim()).expect("a run tag");
    let swept = client.sweep(&tag).await.expect("sweep");
    assert!(swept.deleted.is_empty(), "left behind: {:?}", swept.deleted);
    cloud.shutdown().await;
}
