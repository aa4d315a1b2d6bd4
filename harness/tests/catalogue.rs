//! The catalogue and the committed corpus: stable, consistent with the
//! rules, and every cryptographic claim re-checked.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use imgsig::cases::check::check_case;
use imgsig::cases::corpus::Corpus;
use imgsig::cases::{catalogue, Case};
use imgsig::outcome::Expected;
use imgsig::spec::Profile;

fn corpus_cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/imgsig-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("the committed corpus");
    Corpus::parse(&text)
        .and_then(|c| c.cases())
        .expect("a valid corpus")
}

/// The catalogue as one line per case: id and the expectation under every
/// profile. A change here is a change of the contract's test surface.
#[test]
fn the_catalogue_does_not_drift_silently() {
    let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
    let mut listing = format!("id | {}\n", names.join(" | "));
    for c in catalogue(false).expect("catalogue") {
        let e: Vec<String> = Profile::ALL
            .iter()
            .map(|p| match &c.expected[p] {
                Expected::Reject { reason: Some(r) } => format!("reject({})", r.label()),
                other => other.to_string(),
            })
            .collect();
        let _ = writeln!(listing, "{} | {}", c.id, e.join(" | "));
    }
    insta::assert_snapshot!(listing);
}

#[test]
fn ids_are_unique_and_read_like_paths() {
    let cases = catalogue(false).expect("catalogue");
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len());
    for id in ids {
        assert!(
            id.split('.').count() >= 2
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c)),
            "{id}"
        );
        assert!(
            ["sig", "neg", "cert", "reg", "doc"]
                .contains(&id.split('.').next().unwrap_or_default()),
            "{id}"
        );
    }
}

#[test]
fn the_committed_corpus_is_the_catalogue() {
    let corpus: Vec<String> = corpus_cases().into_iter().map(|c| c.id).collect();
    let now: Vec<String> = catalogue(false)
        .expect("catalogue")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(corpus, now, "run `cargo xtask vectors` and commit vectors/");
}

#[test]
fn every_claim_of_the_committed_corpus_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = corpus_cases();
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .enumerate()
            .map(|(i, part)| {
                let d = dir.path().join(i.to_string());
                std::fs::create_dir_all(&d).expect("dir");
                s.spawn(move || {
                    part.iter()
                        .flat_map(|c| check_case(c, &d))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn the_field_failures_are_in_the_catalogue_as_documented() {
    let cases = catalogue(false).expect("catalogue");
    let legacy = |id: &str| {
        cases
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.expected[&Profile::GlanceLegacy].clone())
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    // "works with 1024-bit keys and SHA-512", "fails if sha256 is used",
    // "fails if the key length is different than 1024".
    assert_eq!(legacy("reg.pss-salt.digest.1024.sha-512"), Expected::Accept);
    assert!(matches!(
        legacy("reg.pss-salt.digest.1024.sha-256"),
        Expected::Reject { .. }
    ));
    for bits in [2048, 3072, 4096] {
        for hash in ["sha-224", "sha-256", "sha-384", "sha-512"] {
            let id = format!("reg.pss-salt.digest.{bits}.{hash}");
            assert!(matches!(legacy(&id), Expected::Reject { .. }), "{id}");
        }
    }
}

/// The schema describes exactly the fields the corpus has; where Python's
/// `jsonschema` is installed (it is on this project's machines), the
/// corpus is also validated against it.
#[test]
fn the_schema_matches_the_corpus() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}schema.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let corpus: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}imgsig-vectors.json")).expect("corpus"),
    )
    .expect("corpus is JSON");
    let keys = |v: &serde_json::Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&schema["properties"]), keys(&corpus));
    let schema_test = keys(&schema["$defs"]["test"]["properties"]);
    for group in corpus["testGroups"].as_array().expect("groups") {
        for test in group["tests"].as_array().expect("tests") {
            let k = keys(test);
            assert!(
                k.is_subset(&schema_test),
                "{:?} not in the schema",
                k.difference(&schema_test)
            );
        }
    }
    let validated = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import json,sys,jsonschema\n\
             s=json.load(open(sys.argv[1]+'schema.json'))\n\
             jsonschema.Draft202012Validator.check_schema(s)\n\
             jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[1]+'imgsig-vectors.json')))",
        )
        .arg(root)
        .output();
    match validated {
        Ok(out) if out.status.success() => {}
        Ok(out)
            if String::from_utf8_lossy(&out.stderr).contains("No module named 'jsonschema'") =>
        {
            eprintln!("note: python3 has no jsonschema module; validated the structure only");
        }
        Ok(out) => panic!(
            "the corpus does not validate: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("note: no python3 ({e}); validated the structure only"),
    }
}

/// Signatures are randomised (PSS salts, DSA/ECDSA nonces); what a case
/// expects must not be.
#[test]
fn expectations_do_not_depend_on_the_signatures_drawn() {
    let a = catalogue(false).expect("catalogue");
    let b = catalogue(false).expect("catalogue");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.id, &x.expected), (&y.id, &y.expected));
    }
}
