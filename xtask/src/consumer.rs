//! The consumer catalogue through a real consumer (a process speaking the
//! adapter protocol's consumer request, in sessions), on the embedded mocks
//! or a cloud: every verdict must be the library's
//! (`imgsig::cases::consumer`) and every refusal carry upstream's wording —
//! or, for a consumer that is told not to validate certificates, the
//! report's detection must say so. `cargo xtask adapter-cursive` and
//! `cargo xtask adapter-nova` share it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use imgsig::cases::consumer;
use imgsig::openstack::{Client, ClientOptions, CloudConfig, Lookup};
use imgsig::outcome::{CertificateChecking, RunReport, Verdict};
use imgsig::run::{run_cases, RunOptions};
use imgsig::spec::{Expected, Observed, Profile};
use imgsig::tag::RunTag;
use imgsig::targets::adapter::AdapterMode;
use imgsig::targets::consumer::{Consumer, ConsumerAdapter};
use imgsig::targets::ConsumerTarget;
use imgsig_mock::{MockCloud, MockConfig};

use crate::util::Result;

/// What a consumer run must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Every verdict the library's, every refusal in upstream's words.
    AsTheLibrary,
    /// A consumer with certificate validation off: the detection must read
    /// "does not validate certificates" (its verdicts differ, by design).
    ValidatesNoCertificates,
}

/// `command` as the consumer on fresh embedded mocks (their test control
/// on, so data can be swapped; `demo` the member of the shared-image
/// cases), held to `profile`; `what` names it.
pub async fn on_the_mocks(command: &str, what: &str, profile: Profile, check: Check) -> Result<()> {
    let cloud = MockCloud::start(MockConfig {
        test_controls: true,
        ..MockConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the mocks: {e}"))?;
    let config = |c: imgsig_mock::Credentials| {
        CloudConfig::from_vars(&c.env_vars()).map_err(|e| e.to_string())
    };
    let result = async {
        let owner = config(cloud.admin())?;
        let demo = cloud
            .credentials("demo", "demo")
            .ok_or("the mocks have no demo user")?;
        let member = config(demo)?;
        on_cloud(
            command,
            what,
            &owner,
            Some(&member),
            "the mocks",
            profile,
            check,
        )
        .await
    }
    .await;
    cloud.shutdown().await;
    result
}

/// `command` as the consumer on the clouds.yaml entry `name` (and
/// `member`, a user of another project, for the shared-image cases).
pub async fn on_named_cloud(
    command: &str,
    what: &str,
    name: &str,
    member: Option<&str>,
    profile: Profile,
    check: Check,
) -> Result<()> {
    let load = |name: &str| CloudConfig::load(name, &Lookup::process()).map_err(|e| e.to_string());
    let config = load(name)?;
    let member = member.map(load).transpose()?;
    on_cloud(
        command,
        what,
        &config,
        member.as_ref(),
        &format!("cloud {name}"),
        profile,
        check,
    )
    .await
}

async fn on_cloud(
    command: &str,
    what: &str,
    config: &CloudConfig,
    member: Option<&CloudConfig>,
    place: &str,
    profile: Profile,
    check: Check,
) -> Result<()> {
    let started = Instant::now();
    let connect = |config| async move {
        Client::connect(config, &ClientOptions::default())
            .await
            .map_err(|e| e.to_string())
    };
    let client = connect(config).await?;
    let adapter = ConsumerAdapter::new(command, AdapterMode::Session).map_err(|e| e.to_string())?;
    let mut target = ConsumerTarget::new(client, place, Consumer::Adapter(adapter));
    if let Some(member) = member {
        target = target.with_member(connect(member).await?, None);
    }
    let cases = consumer::catalogue().map_err(|e| e.to_string())?;
    let options = RunOptions {
        profile,
        jobs: 4,
        timeout: Duration::from_secs(60),
        breaker: Some(imgsig::run::breaker::DEFAULT_THRESHOLD),
        keep: false,
        run_tag: RunTag::generate(),
        progress: false,
    };
    let report = run_cases(cases, Arc::new(target), &options).await;
    let problems = disagreements(&report, profile);
    println!(
        "consumer: {} cases of the consumer catalogue through {what}, on {place}, under \
         {profile}: {}, {} disagreements with the library, in {:.1}s",
        report.outcomes.len(),
        report.summary.line(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    if !report.leftovers.is_empty() {
        return Err(format!("left behind: {:?}", report.leftovers));
    }
    let reading = report.detection.certificates.as_ref();
    println!(
        "consumer: certificates: {}",
        reading.map_or("no case says", |c| c.reading.as_str())
    );
    if check == Check::ValidatesNoCertificates {
        return match reading.map(|c| c.checking) {
            Some(CertificateChecking::DoesNotValidate) => Ok(()),
            other => Err(format!(
                "the detection should read \"does not validate certificates\", it reads {other:?}"
            )),
        };
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Cases that did not pass (skipped ones excepted: a cloud without the
/// mock's test control cannot swap data), and refusals whose message lacks
/// upstream's wording.
fn disagreements(report: &RunReport, profile: Profile) -> Vec<String> {
    let mut problems = Vec::new();
    for o in &report.outcomes {
        match o.verdict {
            Verdict::Pass | Verdict::Acceptable | Verdict::Skipped => {}
            _ => problems.push(format!("{}: {} ({})", o.id, o.explanation, o.observed)),
        }
        if let (Some(Expected::Reject { reason: Some(r) }), Observed::Rejected { message, .. }) =
            (o.expected.get(&profile), &o.observed)
        {
            let want = r.to_string();
            if !message.contains(&want) {
                problems.push(format!(
                    "{}: upstream says {want:?}, the consumer said {message:?}",
                    o.id
                ));
            }
        }
    }
    problems
}
