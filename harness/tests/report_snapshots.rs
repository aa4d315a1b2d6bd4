//! Every rendering of one fixed run, kept by snapshot.

use std::collections::BTreeMap;
use std::time::Duration;

use imgsig::outcome::{
    detect_profile, judge, CaseOutcome, Evidence, Expected, ImageState, Observed, RunReport,
    Summary,
};
use imgsig::report;
use imgsig::spec::{Aspect, Curve, HashMethod, KeyType, Profile, Rejection};

mod support;

fn same_for_all(e: Expected) -> BTreeMap<Profile, Expected> {
    Profile::ALL.into_iter().map(|p| (p, e.clone())).collect()
}

fn active() -> Observed {
    Observed::Accepted {
        image: ImageState::Status("active".into()),
    }
}

fn refused(message: &str) -> Observed {
    Observed::Rejected {
        status: Some(400),
        message: message.into(),
        image: ImageState::Status("queued".into()),
        data_retained: false,
    }
}

/// The aspects the catalogue's cases of these ids exercise.
fn aspects(id: &str) -> Vec<Aspect> {
    let family = id.split('.').next();
    let mut out = Vec::new();
    if family == Some("reg") {
        out.push(Aspect::PssSalt);
    }
    if id.contains("ecc-sect") {
        out.push(Aspect::BinaryCurves);
    }
    if family == Some("neg") {
        out.push(Aspect::FailedImages);
    }
    out
}

fn case(
    id: &str,
    key_type: Option<KeyType>,
    hash: Option<HashMethod>,
    expected: BTreeMap<Profile, Expected>,
    observed: Observed,
) -> CaseOutcome {
    let profile = Profile::GlanceCurrent;
    let (verdict, explanation) = judge(&expected[&profile], &observed, profile);
    CaseOutcome {
        aspects: aspects(id),
        id: id.into(),
        reason: format!("reason for {id}"),
        hash_method: hash,
        key_type,
        chain: None,
        expected,
        observed,
        verdict,
        explanation,
        evidence: Vec::new(),
        reproduce: Vec::new(),
        duration: Duration::from_millis(12),
    }
}

fn fixed_report() -> RunReport {
    let sect = KeyType::Ecc(Curve::Sect571k1);
    let p384 = KeyType::Ecc(Curve::Secp384r1);
    let mut salt_expected = same_for_all(Expected::Accept);
    salt_expected.insert(
        Profile::GlanceLegacy,
        Expected::Reject {
            reason: Some(Rejection::SignatureMismatch),
        },
    );
    let mut sect_expected = same_for_all(Expected::Accept);
    sect_expected.insert(
        Profile::GlanceCurrent,
        Expected::Reject {
            reason: Some(Rejection::InvalidKeyType("ECC_SECT571K1".into())),
        },
    );
    let mut outcomes = vec![
        case(
            "sig.rsa-pss-2048.sha-256.valid",
            Some(KeyType::RsaPss),
            Some(HashMethod::Sha256),
            same_for_all(Expected::Accept),
            active(),
        ),
        case(
            "sig.ecc-secp384r1.sha-384.valid",
            Some(p384),
            Some(HashMethod::Sha384),
            same_for_all(Expected::Accept),
            active(),
        ),
        case(
            "sig.ecc-sect571k1.sha-512.valid",
            Some(sect),
            Some(HashMethod::Sha512),
            sect_expected,
            refused("Signature verification failed for image 2: Signature verification for the image failed: Invalid signature key type: ECC_SECT571K1."),
        ),
        case(
            "neg.data.tampered-first-byte",
            None,
            None,
            same_for_all(Expected::Reject {
                reason: Some(Rejection::SignatureMismatch),
            }),
            active(),
        ),
        case(
            "neg.cert.curve-mismatch",
            None,
            None,
            same_for_all(Expected::Acceptable),
            active(),
        ),
        case(
            "reg.pss-salt.digest.2048.sha-256",
            Some(KeyType::RsaPss),
            Some(HashMethod::Sha256),
            salt_expected,
            active(),
        ),
        case(
            "big.rsa-pss-2048.sha-256.1gib",
            None,
            None,
            same_for_all(Expected::Accept),
            Observed::Skipped {
                why: "--filter".into(),
            },
        ),
        case(
            "sig.dsa-2048.sha-256.valid",
            Some(KeyType::Dsa),
            Some(HashMethod::Sha256),
            same_for_all(Expected::Accept),
            Observed::Error {
                detail: "no answer within 120s".into(),
            },
        ),
        case(
            "neg.sig.truncated",
            None,
            None,
            same_for_all(Expected::Reject {
                reason: Some(Rejection::SignatureMismatch),
            }),
            active(),
        ),
    ];
    let known = outcomes.len() - 1;
    imgsig::run::ExpectedFailures::parse("neg.sig.truncated # tracked upstream\n")
        .apply(&mut outcomes[known..]);
    outcomes[3].evidence = vec![Evidence {
        request: "PUT http://127.0.0.1:9292/v2/images/1/file".into(),
        status: Some(204),
        body_excerpt: String::new(),
    }];
    outcomes[4].reason = "a certificate whose curve differs from the key type's".into();
    outcomes[3].reproduce = vec![
        "imgsig verify --cert cert.pem --hash-method SHA-256 --key-type RSA-PSS --signature … image".into(),
    ];
    support::fixed_run("embedded mocks", outcomes)
}

#[test]
fn terminal_report() {
    insta::assert_snapshot!(report::terminal(&fixed_report()));
}

#[test]
fn html_report() {
    insta::assert_snapshot!(report::html(&fixed_report()));
}

#[test]
fn subunit_counts_match_the_report() {
    let r = fixed_report();
    let bytes = report::subunit(&r);
    // Walk the packets by their lengths: every case is an inprogress and a
    // final packet, and those with a note one more.
    let (mut at, mut packets) = (0, 0);
    while at < bytes.len() {
        assert_eq!(bytes[at], 0xb3, "a packet starts at {at}");
        let b = usize::from(bytes[at + 3]);
        let len = match b >> 6 {
            0 => b,
            1 => (b & 0x3f) << 8 | usize::from(bytes[at + 4]),
            2 => (b & 0x3f) << 16 | usize::from(bytes[at + 4]) << 8 | usize::from(bytes[at + 5]),
            _ => panic!("a 4-byte length"),
        };
        at += len;
        packets += 1;
    }
    assert_eq!(at, bytes.len());
    let notes = r
        .outcomes
        .iter()
        .filter(|o| {
            !matches!(
                o.verdict,
                imgsig::spec::Verdict::Pass | imgsig::spec::Verdict::Skipped
            )
        })
        .count();
    assert_eq!(packets, 2 * r.outcomes.len() + notes);
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(report::markdown(&fixed_report()));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(report::junit_xml(&fixed_report()));
}

#[test]
fn json_report_round_trips() {
    let r = fixed_report();
    let json = report::json(&r);
    insta::assert_snapshot!(json);
    let back: RunReport = serde_json::from_str(&json).expect("parses");
    // Everything but the per-case aspects, which only the detection (kept
    // whole in the report) is made of.
    let mut expected = r;
    for o in &mut expected.outcomes {
        o.aspects.clear();
    }
    assert_eq!(back, expected);
    assert_eq!(report::json(&back), json);
}

#[test]
fn detection_reads_the_aspects() {
    let d = fixed_report().detection;
    // One tampered image was accepted: no profile explains the run.
    assert_eq!(d.best, None);
    assert_eq!(
        d.unexplained,
        vec![
            "neg.data.tampered-first-byte".to_owned(),
            "neg.sig.truncated".to_owned()
        ]
    );
    let salt = d
        .aspects
        .iter()
        .find(|a| a.aspect == imgsig::outcome::Aspect::PssSalt)
        .expect("salt aspect");
    assert_eq!(salt.fits, vec![Profile::GlanceCurrent, Profile::Documented]);
}

/// A run of real catalogue cases, judged as `observed` says.
fn run_of(cases: &[imgsig::cases::Case], observed: &[Observed]) -> RunReport {
    use imgsig::cases::RunnableCase;
    let profile = Profile::GlanceCurrent;
    let outcomes: Vec<CaseOutcome> = cases
        .iter()
        .zip(observed)
        .map(|(c, seen)| {
            let expected = c.expectations();
            let (verdict, explanation) = judge(&expected[&profile], seen, profile);
            CaseOutcome {
                aspects: Vec::new(),
                id: c.id().to_owned(),
                reason: c.reason().to_owned(),
                hash_method: None,
                key_type: None,
                chain: c.chain(),
                expected,
                observed: seen.clone(),
                verdict,
                explanation,
                evidence: Vec::new(),
                reproduce: c.reproduce(),
                duration: Duration::from_millis(5),
            }
        })
        .collect();
    let mut r = fixed_report();
    r.summary = Summary::of(&outcomes);
    r.detection = detect_profile(&outcomes);
    r.outcomes = outcomes;
    r
}

/// The evidence directory of a failing, an implementation-defined, a big
/// (recipe) and a passing case: the files, and each reproduce.sh.
#[test]
fn evidence_directory_files_and_scripts() {
    let catalogue = imgsig::cases::catalogue(false).expect("catalogue");
    let pick = |id: &str| {
        catalogue
            .iter()
            .find(|c| c.id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} is in the catalogue"))
            .clone()
    };
    let mut big = pick("sig.rsa-pss-2048.sha-256.valid");
    big.id = imgsig::cases::CaseId::new("big.rsa-pss-2048.sha-256.1gib").expect("id");
    big.image = imgsig::cases::ImageSource::Seeded {
        seed: 7,
        len: 1 << 30,
    };
    let cases = vec![
        pick("neg.data.tampered-first-byte.rsa-pss-1024"),
        pick("cert.payload-der"),
        big,
        pick("sig.rsa-pss-2048.sha-256.valid"),
    ];
    let mut r = run_of(
        &cases,
        &[
            active(),
            refused("Unable to load PEM file"),
            Observed::Error {
                detail: "no answer within 120s".into(),
            },
            active(),
        ],
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("evidence");
    let written = report::evidence::write_all(&root, &cases, &mut r).expect("written");
    assert_eq!(written, 3);
    let root = std::fs::canonicalize(&root).expect("root");
    assert_eq!(
        r.evidence_dir.as_deref(),
        Some(root.display().to_string().as_str())
    );
    assert!(r.outcomes[3].reproduce.is_empty(), "a pass has no files");
    let mut listing = String::new();
    for c in &cases[..3] {
        let dir = root.join(c.id.as_str());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("case dir")
            .map(|e| {
                let e = e.expect("entry");
                let len = e.metadata().expect("metadata").len();
                format!("{} ({len} bytes)", e.file_name().to_string_lossy())
            })
            .collect();
        names.sort();
        let script = std::fs::read_to_string(dir.join("reproduce.sh")).expect("script");
        listing.push_str(&format!(
            "== {}/\n{}\n-- reproduce.sh\n{script}\n",
            c.id,
            names.join("\n")
        ));
    }
    assert!(!root.join("sig.rsa-pss-2048.sha-256.valid").exists());
    // PSS signatures are salted at random: the values change every build.
    let signature = regex::Regex::new(r"img_signature=[A-Za-z0-9+/=]+ ").expect("regex");
    let listing = listing.replace(&root.display().to_string(), "$EVIDENCE");
    let listing = signature.replace_all(&listing, "img_signature=$$SIGNATURE ");
    insta::assert_snapshot!(listing);
    let terminal = report::terminal(&r).replace(&root.display().to_string(), "$EVIDENCE");
    assert!(
        terminal.contains("reproduce: sh $EVIDENCE/cert.payload-der/reproduce.sh")
            && terminal.contains(
                "evidence: the files of 3 cases, each with reproduce.sh, under $EVIDENCE"
            ),
        "{terminal}"
    );
}

/// [`fixed_report`] with every optional field set: interrupted, with an
/// evidence directory and an object cleanup could not delete.
fn report_with_every_field() -> RunReport {
    let mut r = fixed_report();
    r.interrupted = true;
    r.evidence_dir = Some("/tmp/imgsig-evidence/r0000".into());
    r.cleanup_command = Some("imgsig cleanup --run r0000".into());
    r.leftovers = vec![imgsig::targets::Leftover {
        case_id: "neg.data.tampered-first-byte".into(),
        what: "image imgsig-r0000-neg.data.tampered-first-byte (1)".into(),
        reason: "409".into(),
        delete_command: "openstack image delete 1".into(),
    }];
    r.outcomes[3].evidence[0].body_excerpt = "{}".into();
    // A consumer run's: a chain on a case and the certificate reading.
    r.outcomes[0].chain = Some(imgsig::spec::Chain {
        depth: 2,
        defect: imgsig::spec::ChainDefect::Expired(imgsig::spec::Link::Root),
    });
    r.detection.certificates = Some(imgsig::outcome::CertificateReading {
        checking: imgsig::outcome::CertificateChecking::Validates,
        untrusted: 1,
        accepted_untrusted: Vec::new(),
        trusted: 1,
        refused_trusted: Vec::new(),
        reading: "validates certificates".into(),
    });
    r
}

/// The leftovers' own test suite, beside the cases' (`cargo xtask
/// report-check` validates both JUnit snapshots against a published XSD).
#[test]
fn junit_report_with_leftovers() {
    insta::assert_snapshot!(report::junit_xml(&report_with_every_field()));
}

/// docs/report-format.md documents every field of the JSON report, and
/// nothing the report does not have: the first cells of its tables are
/// compared with the keys of a report that has every optional field.
#[test]
fn report_format_documents_every_field() {
    use std::collections::BTreeSet;
    let r = report_with_every_field();
    let json: serde_json::Value = serde_json::from_str(&report::json(&r)).expect("json");
    let mut keys = BTreeSet::new();
    let mut add = |v: &serde_json::Value| {
        if let Some(o) = v.as_object() {
            keys.extend(o.keys().cloned());
        }
    };
    add(&json);
    add(&json["summary"]);
    add(&json["provenance"]);
    add(&json["detection"]);
    add(&json["detection"]["certificates"]);
    for list in [
        &json["outcomes"],
        &json["leftovers"],
        &json["detection"]["profiles"],
        &json["detection"]["aspects"],
    ] {
        for item in list.as_array().expect("a list") {
            add(item);
            add(&item["chain"]);
            for e in item["evidence"].as_array().into_iter().flatten() {
                add(e);
            }
        }
    }
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report-format.md"),
    )
    .expect("docs/report-format.md");
    let mut documented = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let first = line.split(" | ").next().unwrap_or_default();
        for name in first.split('`').skip(1).step_by(2) {
            documented.insert(name.to_owned());
        }
    }
    let missing: Vec<_> = keys.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&keys).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "undocumented fields {missing:?}; documented but absent {stale:?}"
    );
}
