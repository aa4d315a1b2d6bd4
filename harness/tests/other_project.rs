//! `cert.project.*`: the signing certificate stored by a user of another
//! project. Glance reads it with the uploader's token, so Barbican's read
//! ACL decides: shared, the image is accepted; not shared, castellan's
//! KeyManagerError (Barbican's 403) refuses it. On the mocks, as on the
//! live Keystone 30 / Barbican 23 / Glance 33 (`cargo xtask conformance
//! --cloud imgsig-live --member-cloud imgsig-live-member`).

use std::sync::Arc;
use std::time::Duration;

use imgsig::cases::{catalogue, Case, SecretOwner};
use imgsig::outcome::{RunReport, Verdict};
use imgsig::run::{run_cases, RunOptions};
use imgsig::spec::{Observed, Profile};
use imgsig::tag::RunTag;
use imgsig::targets::adapter::{AdapterMode, AdapterTarget};
use imgsig::targets::consumer::Consumer;
use imgsig::targets::{ConsumerTarget, OpenStackTarget, Target};
use imgsig_mock::{MockCloud, MockConfig};

mod mock_users;
use mock_users::connect_as;

fn cases() -> Vec<Case> {
    let cases: Vec<Case> = catalogue(false)
        .expect("catalogue")
        .into_iter()
        .filter(|c| {
            c.secret
                .as_ref()
                .is_some_and(|s| s.owner.is_other_project())
        })
        .collect();
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(
        ids,
        ["cert.project.shared-by-acl", "cert.project.not-shared"]
    );
    cases
}

fn options() -> RunOptions {
    RunOptions {
        profile: Profile::GlanceCurrent,
        jobs: 2,
        timeout: Duration::from_secs(60),
        breaker: Some(imgsig::run::breaker::DEFAULT_THRESHOLD),
        keep: false,
        run_tag: RunTag::generate(),
        progress: false,
    }
}

fn outcome<'a>(report: &'a RunReport, id: &str) -> &'a imgsig::outcome::CaseOutcome {
    report
        .outcomes
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no outcome {id}"))
}

fn requests(report: &RunReport, id: &str) -> Vec<String> {
    outcome(report, id)
        .evidence
        .iter()
        .map(|e| e.request.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_project_s_certificate_is_read_through_its_acl_only() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let owner = connect_as(&cloud, "admin").await;
    let member = connect_as(&cloud, "demo").await;
    let options = options();
    let target = OpenStackTarget::new(owner.clone(), "mocks").with_member(member.clone(), None);
    let report = run_cases(cases(), Arc::new(target), &options).await;
    for o in &report.outcomes {
        assert_eq!(o.verdict, Verdict::Pass, "{}: {}", o.id, o.explanation);
    }
    match &outcome(&report, "cert.project.not-shared").observed {
        Observed::Rejected {
            status: Some(400),
            message,
            data_retained: false,
            ..
        } => assert!(
            message.contains("Unable to retrieve certificate with ID: "),
            "{message}"
        ),
        other => panic!("not refused as castellan refuses: {other:?}"),
    }
    // Only the shared case gives the uploader an ACL.
    let acl = |id| {
        requests(&report, id)
            .iter()
            .filter(|r| r.starts_with("PUT ") && r.ends_with("/acl"))
            .count()
    };
    assert_eq!(acl("cert.project.shared-by-acl"), 1);
    assert_eq!(acl("cert.project.not-shared"), 0);
    // Each side deleted what it made.
    for side in [&owner, &member] {
        let left = side.sweep(&options.run_tag).await.expect("sweep");
        assert!(left.deleted.is_empty(), "left behind: {:?}", left.deleted);
    }
    assert!(report.leftovers.is_empty(), "{:?}", report.leftovers);
    cloud.shutdown().await;
}

/// The secret really is the member's: the uploader's own project holds
/// none of the run's secrets while the case runs, so a run that stored it
/// as the uploader would pass `not-shared` by accident no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_s_project_holds_the_certificate() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let owner = connect_as(&cloud, "admin").await;
    let member = connect_as(&cloud, "demo").await;
    let options = RunOptions {
        keep: true,
        ..options()
    };
    let target = OpenStackTarget::new(owner.clone(), "mocks").with_member(member.clone(), None);
    run_cases(cases(), Arc::new(target), &options).await;
    let prefix = options.run_tag.name("");
    let owner_secrets = owner.list_secrets(&prefix).await.expect("owner's secrets");
    let member_secrets = member
        .list_secrets(&prefix)
        .await
        .expect("member's secrets");
    assert!(owner_secrets.is_empty(), "{owner_secrets:?}");
    assert_eq!(member_secrets.len(), 2, "{member_secrets:?}");
    for side in [&owner, &member] {
        side.sweep(&options.run_tag).await.expect("sweep");
    }
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_member_they_are_skipped_before_anything_is_made() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let owner = connect_as(&cloud, "admin").await;
    let options = options();
    let target = OpenStackTarget::new(owner.clone(), "mocks");
    let report = run_cases(cases(), Arc::new(target), &options).await;
    for o in &report.outcomes {
        assert_eq!(o.verdict, Verdict::Skipped, "{}", o.id);
        assert!(o.evidence.is_empty(), "{} talked to the cloud", o.id);
        assert!(
            o.explanation.contains("--member-cloud"),
            "{}: {}",
            o.id,
            o.explanation
        );
    }
    cloud.shutdown().await;
}

/// What a run leaves behind is swept in both projects: the uploader's
/// images and secrets, the member's certificates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cleanup_command_sweeps_the_member_s_project_too() {
    let cloud = MockCloud::start(MockConfig::default())
        .await
        .expect("mocks");
    let tag = RunTag::generate();
    let owner = OpenStackTarget::new(connect_as(&cloud, "admin").await, "mocks")
        .with_command_line("--cloud owner");
    assert_eq!(
        owner.sweep_command(&tag),
        Some(format!("imgsig cleanup --run {tag} --cloud owner"))
    );
    let member = connect_as(&cloud, "demo").await;
    let both = owner.with_member(member.clone(), Some("--cloud member".into()));
    let sweep = format!(
        "imgsig cleanup --run {tag} --cloud owner && imgsig cleanup --run {tag} --cloud member"
    );
    assert_eq!(both.sweep_command(&tag), Some(sweep.clone()));
    // A consumer target's member is its cloud's: the same sweep.
    let consumer = ConsumerTarget::new(
        connect_as(&cloud, "admin").await,
        "mocks",
        Consumer::Reference,
    )
    .with_command_line("--cloud owner")
    .with_member(member, Some("--cloud member".into()));
    assert_eq!(consumer.sweep_command(&tag), Some(sweep));
    cloud.shutdown().await;
}

/// An adapter is handed the certificate, so who may read it is not its to
/// decide: the cases are skipped there, without starting the adapter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adapter_skips_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = dir.path().join("started");
    let command = format!(
        "sh -c 'touch {}; echo {{\\\"result\\\": \\\"accept\\\"}}'",
        started.display()
    );
    let target = AdapterTarget::with_mode(command, AdapterMode::PerCase).expect("adapter");
    let report = run_cases(cases(), Arc::new(target), &options()).await;
    for o in &report.outcomes {
        assert_eq!(o.verdict, Verdict::Skipped, "{}", o.id);
        assert!(o.explanation.contains("Barbican"), "{}", o.explanation);
    }
    assert!(!started.exists(), "the adapter ran");
    for c in cases() {
        let owner = c.secret.as_ref().map(|s| s.owner);
        assert!(matches!(
            owner,
            Some(SecretOwner::OtherProject | SecretOwner::OtherProjectShared)
        ));
    }
}
