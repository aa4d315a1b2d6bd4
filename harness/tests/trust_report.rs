//! The trust section and the certificate reading of every rendering, on
//! the consumer catalogue judged twice: by a consumer that decides as the
//! rules do, and by one that checks signatures but no certificates (what
//! Nova does with `enable_certificate_validation = False`).

use std::time::Duration;

use imgsig::cases::consumer::{catalogue, ConsumerCase};
use imgsig::cases::RunnableCase;
use imgsig::outcome::{
    judge, CaseOutcome, CertificateChecking, Expected, ImageState, Observed, RunReport,
};
use imgsig::report;
use imgsig::spec::{Profile, Rejection};

mod support;

/// How the simulated consumer decides.
#[derive(Clone, Copy)]
enum Consumer {
    /// As the rules say.
    AsTheRules,
    /// Signatures only: a refusal for the certificate (or for no trusted
    /// ids) becomes an acceptance.
    NoCertificateValidation,
}

fn observed(case: &ConsumerCase, consumer: Consumer) -> Observed {
    let accepted = Observed::Accepted {
        image: ImageState::Unknown,
    };
    let refused = |message: String| Observed::Rejected {
        status: None,
        message,
        image: ImageState::Unknown,
        data_retained: false,
    };
    match (&case.expected[&Profile::GlanceCurrent], consumer) {
        (Expected::Accept, _) => accepted,
        (
            Expected::Reject {
                reason: Some(Rejection::UntrustedCertificate(_) | Rejection::NoTrustedCertificates),
            },
            Consumer::NoCertificateValidation,
        ) => accepted,
        (Expected::Reject { reason: Some(r) }, _) => refused(r.to_string()),
        (Expected::Acceptable, Consumer::AsTheRules) => refused("no answer".into()),
        (Expected::Acceptable, Consumer::NoCertificateValidation) => accepted,
        (other, _) => refused(format!("{other}")),
    }
}

fn run(consumer: Consumer) -> RunReport {
    let profile = Profile::GlanceCurrent;
    let outcomes: Vec<CaseOutcome> = catalogue()
        .expect("consumer catalogue")
        .iter()
        .map(|c| {
            let expected = c.expectations();
            let seen = observed(c, consumer);
            let (verdict, explanation) = judge(&expected[&profile], &seen, profile);
            CaseOutcome {
                id: c.id().to_owned(),
                reason: c.reason().to_owned(),
                hash_method: None,
                key_type: None,
                chain: c.chain(),
                aspects: c.aspects(),
                expected,
                observed: seen,
                verdict,
                explanation,
                evidence: Vec::new(),
                reproduce: Vec::new(),
                duration: Duration::from_millis(5),
            }
        })
        .collect();
    support::fixed_run("consumer on the mocks", outcomes)
}

/// The part of `text` from `start` up to (not including) `end`.
fn section<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} in {text}"));
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn a_consumer_that_validates() {
    let r = run(Consumer::AsTheRules);
    let c = r.detection.certificates.as_ref().expect("a reading");
    assert_eq!(c.checking, CertificateChecking::Validates);
    assert_eq!(r.summary.failed, 0);
    insta::assert_snapshot!("terminal_validates", report::terminal(&r));
}

#[test]
fn a_consumer_that_does_not_validate_certificates() {
    let r = run(Consumer::NoCertificateValidation);
    let c = r.detection.certificates.as_ref().expect("a reading");
    assert_eq!(c.checking, CertificateChecking::DoesNotValidate);
    assert_eq!(c.accepted_untrusted.len(), c.untrusted);
    assert!(c
        .accepted_untrusted
        .contains(&"cert.trust.self-signed.untrusted".to_owned()));
    let terminal = report::terminal(&r);
    insta::assert_snapshot!(
        "terminal_does_not_validate",
        section(&terminal, "trust:", "\nfailures\n")
    );
    insta::assert_snapshot!(
        "markdown_does_not_validate",
        section(&report::markdown(&r), "### Trust", "### Failures")
    );
    insta::assert_snapshot!(
        "html_does_not_validate",
        section(&report::html(&r), "<h2>Trust</h2>", "<h2>Implementation")
    );
    let junit = report::junit_xml(&r);
    let properties: Vec<&str> = junit
        .lines()
        .filter(|l| l.contains("name=\"trust\"") || l.contains("name=\"certificates\""))
        .collect();
    insta::assert_snapshot!("junit_does_not_validate", properties.join("\n"));
}

/// Every case with a chain carries it in the subunit stream as a `chain`
/// attachment, and the JSON report keeps chains and the reading.
#[test]
fn subunit_and_json_carry_the_chains() {
    let r = run(Consumer::NoCertificateValidation);
    let bytes = report::subunit(&r);
    // The MIME type, then the name with its one-byte length.
    let needle = b"charset=utf8\x05chain";
    let attachments = bytes.windows(needle.len()).filter(|w| w == needle).count();
    let chained = r.outcomes.iter().filter(|o| o.chain.is_some()).count();
    assert_eq!(chained, r.outcomes.len());
    assert_eq!(attachments, chained);
    let json = report::json(&r);
    let back: RunReport = serde_json::from_str(&json).expect("parses");
    assert_eq!(back.detection, r.detection);
    assert_eq!(
        report::trust_rows(&back.outcomes),
        report::trust_rows(&r.outcomes)
    );
}
