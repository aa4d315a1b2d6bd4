//! Runs of the real binary against the mocks with DELETE faults
//! (`imgsig-mock --fault` rules): a first DELETE that fails is retried and
//! leaves nothing behind; DELETEs that always fail make the run fail,
//! every leftover is listed with the `imgsig cleanup --run TAG` command,
//! and that command finishes the job once the fault is gone.

use std::process::{Command, Output};

use imgsig::openstack::{Client, ClientOptions, CloudConfig};
use imgsig::tag::RunTag;
use imgsig_mock::{FaultRule, MockCloud, MockConfig};

/// The one case each run uses (a certificate and an image).
const CASES: &str = "sig.rsa-pss-1024.sha-256.valid";

fn rules(rules: &[&str]) -> Vec<FaultRule> {
    rules
        .iter()
        .map(|r| FaultRule::parse(r).expect("rule"))
        .collect()
}

/// `imgsig ARGS` with the mocks as cloud `mock`.
fn imgsig(clouds: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args(args)
        .env("OS_CLIENT_CONFIG_FILE", clouds)
        .env_remove("OS_CLOUD")
        .output()
        .expect("imgsig runs")
}

/// The run tag the report's first line names.
fn run_tag(stdout: &str) -> RunTag {
    let tag = stdout
        .lines()
        .next()
        .and_then(|l| l.rsplit(" run ").next())
        .expect("the report names its run tag");
    RunTag::new(tag.trim()).expect("a run tag")
}

async fn leftovers(cloud: &MockCloud, tag: &RunTag) -> (Vec<String>, Vec<String>) {
    let config = CloudConfig::from_vars(&cloud.admin().env_vars()).expect("config");
    let client = Client::connect(&config, &ClientOptions::default())
        .await
        .expect("keystone");
    let images = client
        .list_images(&tag.prefix())
        .await
        .expect("images")
        .into_iter()
        .filter_map(|i| i.name)
        .collect();
    let secrets = client
        .list_secrets(&tag.prefix())
        .await
        .expect("secrets")
        .into_iter()
        .filter_map(|s| s.name)
        .collect();
    (images, secrets)
}

/// The mocks with every Glance and Barbican DELETE answering 503 (`limit`:
/// a fault rule's `*N`, empty for always), and an `imgsig run` of [`CASES`]
/// against them; the clouds.yaml lives in the returned directory.
async fn run_with_delete_faults(
    limit: &str,
) -> (
    MockCloud,
    tempfile::TempDir,
    std::path::PathBuf,
    std::process::Output,
) {
    let cloud = MockCloud::start(MockConfig {
        faults: rules(&[
            &format!("glance:DELETE:/v2/images/*=503{limit}"),
            &format!("barbican:DELETE:/v1/secrets/*=503{limit}"),
        ]),
        ..MockConfig::default()
    })
    .await
    .expect("mocks");
    let dir = tempfile::tempdir().expect("tempdir");
    let clouds = dir.path().join("clouds.yaml");
    std::fs::write(&clouds, cloud.clouds_yaml("mock")).expect("clouds.yaml");
    let clouds2 = clouds.clone();
    let out = tokio::task::spawn_blocking(move || {
        imgsig(
            &clouds2,
            &["run", "--cloud", "mock", "-f", CASES, "-j", "2", "--quiet"],
        )
    })
    .await
    .expect("joined");
    (cloud, dir, clouds, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_delete_that_fails_is_retried_and_nothing_is_left() {
    let (cloud, _dir, _clouds, out) = run_with_delete_faults("*1").await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tag = run_tag(&stdout);
    assert_eq!(leftovers(&cloud, &tag).await, (Vec::new(), Vec::new()));
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_that_always_fail_are_listed_and_the_cleanup_command_finishes_them() {
    let (cloud, _dir, clouds, out) = run_with_delete_faults("").await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_ne!(out.status.code(), Some(0), "{stdout}");
    let tag = run_tag(&stdout);
    let (images, secrets) = leftovers(&cloud, &tag).await;
    assert_eq!((images.len(), secrets.len()), (1, 1), "{stdout}");
    for name in images.iter().chain(&secrets) {
        assert!(
            stdout.contains(name.as_str()),
            "{name} is not listed:\n{stdout}"
        );
    }
    let command = stdout
        .lines()
        .find_map(|l| {
            l.find("imgsig cleanup --run")
                .map(|at| l[at..].trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no cleanup command in\n{stdout}"));
    assert!(command.contains(&format!("--run {tag}")), "{command}");

    cloud.faults().clear();
    let args: Vec<String> = command
        .split_whitespace()
        .skip(1)
        .map(|a| a.trim_matches(|c| c == '`' || c == '\'').to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let clouds2 = clouds.clone();
    let swept = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        imgsig(&clouds2, &args)
    })
    .await
    .expect("joined");
    assert_eq!(
        swept.status.code(),
        Some(0),
        "{command}: {}{}",
        String::from_utf8_lossy(&swept.stdout),
        String::from_utf8_lossy(&swept.stderr)
    );
    assert_eq!(leftovers(&cloud, &tag).await, (Vec::new(), Vec::new()));
    cloud.shutdown().await;
}
