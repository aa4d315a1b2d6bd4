//! Nova's side: the consumer catalogue's expectations come from the rules,
//! and consumers run it against the mocks — the reference consumer passes
//! every case, the mock Glance swaps data only with its test control on,
//! and a consumer behind the adapter protocol's consumer request gets the
//! image id, the trusted ids and a token it can use.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use imgsig::cases::consumer::{catalogue, ConsumerCase};
use imgsig::cases::trust::TrustResult;
use imgsig::openstack::{Client, NewImage};
use imgsig::outcome::{RunReport, Verdict};
use imgsig::run::{run_cases, RunOptions};
use imgsig::spec::{Expected, Profile, Rejection};
use imgsig::tag::RunTag;
use imgsig::targets::adapter::AdapterMode;
use imgsig::targets::consumer::{Consumer, ConsumerAdapter};
use imgsig::targets::ConsumerTarget;
use imgsig_mock::{MockCloud, MockConfig};

mod mock_users;
use mock_users::connect_as;

fn expected(case: &ConsumerCase, profile: Profile) -> Expected {
    case.expected.get(&profile).cloned().expect("expectation")
}

fn by_id<'a>(cases: &'a [ConsumerCase], id: &str) -> &'a ConsumerCase {
    cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn reject(r: Rejection) -> Expected {
    Expected::Reject { reason: Some(r) }
}

#[test]
fn expectations_come_from_the_rules() {
    let cases = catalogue().expect("consumer catalogue");
    let trust: Vec<_> = cases
        .iter()
        .filter(|c| c.id.starts_with("cert.trust."))
        .collect();
    assert_eq!(trust.len(), 33);
    assert_eq!(cases.len(), 41);
    // The consumer's expectation of a trust case is the trust verdict the
    // catalogue records (one derivation checks the other).
    for c in &trust {
        let check = c.upload.trust.as_ref().expect("trust");
        let want = match check.expected.result {
            TrustResult::Trusted => Expected::Accept,
            TrustResult::Untrusted => reject(Rejection::UntrustedCertificate(
                check.expected.message.clone(),
            )),
            TrustResult::Hang | TrustResult::Error => Expected::Acceptable,
        };
        assert_eq!(expected(c, Profile::GlanceCurrent), want, "{}", c.id);
        assert_eq!(expected(c, Profile::Documented), want, "{}", c.id);
    }
    assert_eq!(
        expected(by_id(&cases, "con.swapped-data"), Profile::GlanceCurrent),
        reject(Rejection::SignatureMismatch)
    );
    assert_eq!(
        expected(by_id(&cases, "con.unsigned"), Profile::GlanceCurrent),
        reject(Rejection::MissingProperty("img_signature_uuid".into()))
    );
    assert_eq!(
        expected(by_id(&cases, "con.no-trusted-ids"), Profile::GlanceCurrent),
        reject(Rejection::NoTrustedCertificates)
    );
    assert_eq!(
        expected(
            by_id(&cases, "con.signing-certificate-deleted"),
            Profile::GlanceCurrent
        ),
        reject(Rejection::CertificateNotFound(
            "imgsig-signing-certificate".into()
        ))
    );
    assert!(matches!(
        expected(
            by_id(&cases, "con.trusted-id-missing"),
            Profile::GlanceCurrent
        ),
        Expected::Reject {
            reason: Some(Rejection::UntrustedCertificate(_))
        }
    ));
    // A project the image is shared with boots it only with the signing
    // certificate shared too, and only with trusted certificates it can
    // read.
    assert_eq!(
        expected(
            by_id(&cases, "con.shared.certificate-shared"),
            Profile::GlanceCurrent
        ),
        Expected::Accept
    );
    assert_eq!(
        expected(
            by_id(&cases, "con.shared.certificate-not-shared"),
            Profile::GlanceCurrent
        ),
        reject(Rejection::CertificateUnavailable(
            "imgsig-signing-certificate".into()
        ))
    );
    assert_eq!(
        expected(
            by_id(&cases, "con.shared.trusted-of-owner"),
            Profile::GlanceCurrent
        ),
        expected(
            by_id(&cases, "con.trusted-id-missing"),
            Profile::GlanceCurrent
        )
    );
    // cursive 0.3.1 on pyca/cryptography 41 cannot validate at all: every
    // case that reaches the validation is refused, the earlier refusals
    // stay.
    assert_eq!(
        expected(by_id(&cases, "cert.trust.depth-2"), Profile::GlanceLegacy),
        Expected::Reject { reason: None }
    );
    assert_eq!(
        expected(by_id(&cases, "con.unsigned"), Profile::GlanceLegacy),
        reject(Rejection::MissingProperty("img_signature_uuid".into()))
    );
    // Every case says why it exists.
    assert!(cases.iter().all(|c| !c.reason.is_empty()));
}

async fn connect(cloud: &MockCloud) -> Client {
    connect_as(cloud, "admin").await
}

fn options() -> RunOptions {
    RunOptions {
        profile: Profile::GlanceCurrent,
        jobs: 4,
        timeout: Duration::from_secs(60),
        breaker: Some(imgsig::run::breaker::DEFAULT_THRESHOLD),
        keep: false,
        run_tag: RunTag::generate(),
        progress: false,
    }
}

async fn mocks(test_controls: bool) -> MockCloud {
    MockCloud::start(MockConfig {
        test_controls,
        ..MockConfig::default()
    })
    .await
    .expect("mocks start")
}

/// Run the catalogue through `consumer`; nothing may be left behind.
async fn run(cloud: &MockCloud, consumer: Consumer) -> RunReport {
    let client = connect(cloud).await;
    let member = connect_as(cloud, "demo").await;
    let options = options();
    let target =
        ConsumerTarget::new(client.clone(), "mocks", consumer).with_member(member.clone(), None);
    let report = run_cases(catalogue().expect("catalogue"), Arc::new(target), &options).await;
    for side in [&client, &member] {
        let left = side.sweep(&options.run_tag).await.expect("sweep");
        assert!(left.deleted.is_empty(), "left behind: {:?}", left.deleted);
    }
    assert!(report.leftovers.is_empty(), "{:?}", report.leftovers);
    report
}

fn with_verdict(report: &RunReport, verdict: Verdict) -> BTreeSet<String> {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict == verdict)
        .map(|o| format!("{}: {}", o.id, o.explanation))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_consumer_passes_every_case_on_the_mocks() {
    let cloud = mocks(true).await;
    let report = run(&cloud, Consumer::Reference).await;
    assert_eq!(with_verdict(&report, Verdict::Fail), BTreeSet::new());
    assert_eq!(with_verdict(&report, Verdict::Skipped), BTreeSet::new());
    // The loop is implementation-defined (cursive never answers).
    assert_eq!(report.summary.acceptable, 1);
    let swapped = report
        .outcomes
        .iter()
        .find(|o| o.id == "con.swapped-data")
        .expect("swapped");
    assert!(
        swapped.explanation == "refused: Signature verification failed",
        "{}",
        swapped.explanation
    );
    // Messages name the trusted certificates by the case's names, not by
    // secret ids.
    let path_len = report
        .outcomes
        .iter()
        .find(|o| o.id == "cert.trust.path-len.0.one-intermediate")
        .expect("path-len");
    assert!(
        path_len.explanation.contains("'root'"),
        "{}",
        path_len.explanation
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_test_control_swapped_data_is_skipped() {
    let cloud = mocks(false).await;
    let client = connect(&cloud).await;
    let image = client
        .create_image(&NewImage::new("imgsig-control-off"))
        .await
        .expect("create");
    assert!(!client
        .replace_served_data(&image.id, b"other".to_vec())
        .await
        .expect("answer"));
    client.delete_image(&image.id).await.expect("delete");
    let report = run(&cloud, Consumer::Reference).await;
    let skipped = with_verdict(&report, Verdict::Skipped);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped.iter().all(|s| s.starts_with("con.swapped-data")));
    cloud.shutdown().await;
}

/// Without a member, the shared-image cases are skipped with the option
/// that runs them, before anything is made on the cloud.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_member_the_shared_image_cases_are_skipped() {
    let cloud = mocks(true).await;
    let client = connect(&cloud).await;
    let options = options();
    let shared: Vec<_> = catalogue()
        .expect("catalogue")
        .into_iter()
        .filter(|c| c.id.starts_with("con.shared."))
        .collect();
    assert_eq!(shared.len(), 3);
    let target = ConsumerTarget::new(client.clone(), "mocks", Consumer::Reference);
    let report = run_cases(shared, Arc::new(target), &options).await;
    let skipped = with_verdict(&report, Verdict::Skipped);
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .all(|s| s.contains("imgsig run --member-cloud NAME")),
        "{skipped:?}"
    );
    let left = client.sweep(&options.run_tag).await.expect("sweep");
    assert!(left.deleted.is_empty(), "left behind: {:?}", left.deleted);
    assert!(
        report.outcomes.iter().all(|o| o.evidence.is_empty()),
        "a skipped case talked to the cloud"
    );
    cloud.shutdown().await;
}

/// A consumer that boots everything, behind the consumer request, in a
/// session: every refusal the rules demand fails, the detection reads "does
/// not validate certificates", and the request carried what a consumer
/// needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_validates_nothing_fails_the_refusals() {
    let cloud = mocks(true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("requests");
    let script = format!(
        r#"test "$IMGSIG_ADAPTER_PROTOCOL" = 3 || exit 9
echo '{{"protocol": 3}}'
while read -r line; do
  echo "$line" >> '{}'
  echo '{{"result": "accept"}}'
done"#,
        log.display()
    );
    let path = dir.path().join("consumer.sh");
    std::fs::write(&path, script).expect("write");
    let adapter = ConsumerAdapter::new(format!("sh {}", path.display()), AdapterMode::Session)
        .expect("adapter");
    let report = run(&cloud, Consumer::Adapter(adapter)).await;
    let cases = catalogue().expect("catalogue");
    let refusals = cases
        .iter()
        .filter(|c| matches!(expected(c, Profile::GlanceCurrent), Expected::Reject { .. }))
        .count();
    assert_eq!(report.summary.failed, refusals);
    // The detection says so, through the runner and the consumer target.
    let reading = report.detection.certificates.as_ref().expect("a reading");
    assert_eq!(
        reading.checking,
        imgsig::outcome::CertificateChecking::DoesNotValidate,
        "{}",
        reading.reading
    );
    assert_eq!(reading.accepted_untrusted.len(), reading.untrusted);
    let requests = std::fs::read_to_string(&log).expect("requests");
    let first: serde_json::Value =
        serde_json::from_str(requests.lines().next().expect("a request")).expect("json");
    assert_eq!(first["protocol"], 3);
    assert_eq!(first["kind"], "consume");
    for field in ["token", "glance_url", "barbican_url", "auth_url"] {
        assert!(first["cloud"][field].is_string(), "{field}: {first}");
    }
    assert!(first["image_id"].is_string());
    assert!(first["trusted_certificate_ids"].is_array());
    // The token never reaches the evidence.
    let token = first["cloud"]["token"].as_str().expect("token");
    assert!(!imgsig::report::json(&report).contains(token));
    cloud.shutdown().await;
}

/// `imgsig consume` on an image of the mocks: 0 when Nova would boot it,
/// 1 when it would refuse it (with upstream's message), 2 when it cannot
/// tell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imgsig_consume_says_what_nova_would_decide() {
    let cloud = mocks(true).await;
    let client = connect(&cloud).await;
    let cases = catalogue().expect("catalogue");
    let case = by_id(&cases, "cert.trust.depth-2");
    let secret = case.upload.secret.clone().expect("secret");
    let signing = client
        .store_certificate("imgsig-consume-signing", &secret.payload)
        .await
        .expect("signing");
    let root = case.trusted[0].certificate.as_ref().expect("root");
    let root = client
        .store_certificate("imgsig-consume-root", &root.to_pem().expect("pem"))
        .await
        .expect("root");
    let image = client
        .create_image(
            &NewImage::new("imgsig-consume")
                .with_properties(case.upload.properties_with(Some(&signing.id))),
        )
        .await
        .expect("create");
    let upload = client
        .upload_blocking(
            &image.id,
            case.upload.image.reader(),
            Some(case.upload.image.len()),
        )
        .await
        .expect("upload");
    assert!(upload.accepted());
    let token = client.current_token().await.expect("token");
    let consume = |extra: Vec<String>| {
        let mut args = vec![
            "consume".to_owned(),
            "--glance-url".into(),
            cloud.urls().glance.clone(),
            "--barbican-url".into(),
            cloud.urls().barbican.clone(),
            "--token".into(),
            token.clone(),
        ];
        args.extend(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_imgsig"))
            .args(args)
            .env_remove("OS_CLOUD")
            .output()
            .expect("imgsig runs")
    };
    let image_arg = |id: &str| vec!["--image".to_owned(), id.to_owned()];
    let trusted = vec!["--trusted-cert-id".to_owned(), root.id.clone()];
    let both = |a: Vec<String>, b: &Vec<String>| a.into_iter().chain(b.iter().cloned()).collect();

    let out = consume(both(image_arg(&image.id), &trusted));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Nova would boot it"), "{text}");
    assert!(
        text.contains(&format!("chain: {} -> base", root.id)),
        "{text}"
    );

    let out = consume(image_arg(&image.id));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("no trusted certificate IDs were provided"),
        "{text}"
    );

    let out = consume(both(
        image_arg(&image.id),
        &vec!["--no-certificate-validation".into()],
    ));
    assert_eq!(out.status.code(), Some(0));

    assert!(client
        .replace_served_data(&image.id, b"not what was signed".to_vec())
        .await
        .expect("swap"));
    let out = consume(both(image_arg(&image.id), &trusted));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Nova would refuse it: Signature verification failed"),
        "{text}"
    );

    let out = consume(both(image_arg("no-such-image"), &trusted));
    assert_eq!(out.status.code(), Some(2));
    cloud.shutdown().await;
}
