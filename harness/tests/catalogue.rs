//! The catalogue and the committed corpus: stable, consistent with the
//! rules, every cryptographic claim re-checked, valid against its schema.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::LazyLock;

use imgsig::cases::check::check_case;
use imgsig::cases::corpus::{Corpus, SECRET_ID};
use imgsig::cases::{catalogue, Case, CaseId, Family, Flag, Selection};
use imgsig::outcome::Expected;
use imgsig::spec::{properties, Profile, Rejection};
use proptest::prelude::*;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/");

/// The catalogue, built once for the whole file.
static CATALOGUE: LazyLock<Vec<Case>> = LazyLock::new(|| catalogue(false).expect("catalogue"));

fn committed_json() -> String {
    std::fs::read_to_string(format!("{VECTORS}imgsig-vectors.json")).expect("the committed corpus")
}

/// The committed corpus's cases, without `big.*` (re-checking those hashes
/// gigabytes: `cargo xtask vectors --check` does it).
fn corpus_cases() -> Vec<Case> {
    let mut cases = Corpus::parse(&committed_json())
        .and_then(|c| c.cases())
        .expect("a valid corpus");
    cases.retain(|c| c.family() != Family::Big);
    cases
}

fn find(id: &str) -> &'static Case {
    CATALOGUE
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

/// The catalogue as one line per case: id and the expectation under every
/// profile. A change here is a change of the contract's test surface.
#[test]
fn the_catalogue_does_not_drift_silently() {
    let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
    let mut listing = format!("id | {}\n", names.join(" | "));
    for c in CATALOGUE.iter() {
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
fn ids_are_unique_and_every_family_is_present() {
    let ids: BTreeSet<&CaseId> = CATALOGUE.iter().map(|c| &c.id).collect();
    assert_eq!(ids.len(), CATALOGUE.len());
    let mut families: BTreeSet<Family> = CATALOGUE.iter().map(Case::family).collect();
    families.extend(
        Corpus::parse(&committed_json())
            .and_then(|c| c.cases())
            .expect("corpus")
            .iter()
            .map(Case::family),
    );
    assert_eq!(families, Family::ALL.into_iter().collect());
}

/// Every cell of the matrix and every rejection upstream words has a case.
#[test]
fn every_rule_has_a_case() {
    let ids = |glob: &str| {
        let s = Selection::new([glob]);
        CATALOGUE.iter().filter(|c| s.matches(&c.id)).count()
    };
    // (4 RSA sizes + 4 DSA sizes + 6 curves) × 4 hashes; every cell of the
    // 4 hashes × 8 key types matrix.
    // Plus the key forms: 9 RSASSA-PSS key cases, 2 RSA-8192, 2 explicit EC,
    // a hybrid and a compressed EC point.
    assert_eq!(ids("sig.*.valid"), 14 * 4 + 15);
    let cells: BTreeSet<_> = CATALOGUE.iter().filter_map(|c| c.matrix).collect();
    assert_eq!(cells.len(), 4 * 8);
    assert_eq!(ids("reg.pss-salt."), 4 * 4 * 4);
    let labels: BTreeSet<&str> = CATALOGUE
        .iter()
        .flat_map(|c| c.expected.values())
        .filter_map(|e| match e {
            Expected::Reject { reason: Some(r) } => Some(r.label()),
            _ => None,
        })
        .collect();
    for r in [
        "bad-base64",
        "invalid-hash-method",
        "invalid-key-type",
        "certificate-not-found",
        "invalid-certificate-format",
        "invalid-public-key-type",
        "verifier-creation",
        "signature-mismatch",
        "signature-too-long",
    ] {
        assert!(labels.contains(r), "no case is rejected with {r}");
    }
    for flag in Flag::ALL {
        assert!(
            CATALOGUE.iter().any(|c| c.flags().contains(&flag)),
            "no case carries {flag}"
        );
    }
    for outcome in [Expected::Unverified, Expected::Acceptable, Expected::Accept] {
        assert!(CATALOGUE
            .iter()
            .any(|c| c.expected.values().any(|e| *e == outcome)));
    }
}

/// The committed corpus is what `cargo xtask vectors` writes today, except
/// for the randomised signatures (PSS salts, DSA/ECDSA nonces), the
/// certificates of `cert.trust.*` (EC and DSA issuers sign them with random
/// nonces too; their verdicts are re-derived by the corpus re-check) and
/// `big.*` (building those hashes gigabytes; they are checked to be there).
#[test]
fn the_committed_corpus_is_the_catalogue() {
    let without_signatures = |json: &str| {
        let mut v: serde_json::Value = serde_json::from_str(json).expect("JSON");
        let mut count = 0;
        for group in v["testGroups"].as_array_mut().expect("groups") {
            let tests = group["tests"].as_array_mut().expect("tests");
            tests.retain(|t| !t["id"].as_str().is_some_and(|i| i.starts_with("big.")));
            count += tests.len();
            for test in tests {
                if let Some(p) = test["properties"].as_object_mut() {
                    p.remove(properties::SIGNATURE);
                }
                if let Some(trust) = test.get_mut("trust") {
                    for t in trust["trusted"].as_array_mut().into_iter().flatten() {
                        t["certificatePem"] = t["certificatePem"].is_string().into();
                    }
                    test["secret"]["payloadBase64"] = serde_json::Value::Null;
                }
            }
        }
        v["numberOfTests"] = count.into();
        v
    };
    let now =
        serde_json::to_string(&Corpus::from_cases(&CATALOGUE).expect("corpus")).expect("serialise");
    let big = Corpus::parse(&committed_json())
        .and_then(|c| c.cases())
        .expect("corpus")
        .into_iter()
        .filter(|c| c.family() == Family::Big)
        .count();
    assert!(big >= 2, "the corpus has {big} big.* tests");
    assert!(
        without_signatures(&now) == without_signatures(&committed_json()),
        "the committed corpus differs from the catalogue: run `cargo xtask vectors` and commit vectors/"
    );
}

#[test]
fn the_corpus_round_trips() {
    let corpus = Corpus::parse(&committed_json()).expect("corpus");
    let back = Corpus::from_cases(&corpus.cases().expect("cases")).expect("corpus");
    assert_eq!(back, corpus);
    assert!(Corpus::parse("{}").is_err());
    assert!(
        Corpus::parse(&committed_json().replace("imgsig-vectors/4", "imgsig-vectors/0")).is_err()
    );
}

/// The check `cargo xtask vectors --check` makes, on the committed corpus.
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

/// The check finds a wrong claim and names the case.
#[test]
fn the_check_names_a_case_whose_claim_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut accepted = find("sig.rsa-pss-2048.sha-256.valid").clone();
    let mut flipped = accepted.image.bytes().expect("small").to_vec();
    flipped[0] ^= 1;
    accepted.image = imgsig::cases::ImageSource::Bytes(flipped.into());
    let problems = check_case(&accepted, dir.path());
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("sig.rsa-pss-2048.sha-256.valid")
                && p.contains("the rules say reject")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("rejects a signature the corpus calls valid")),
        "{problems:?}"
    );

    let mut legacy = find("reg.pss-salt.digest.2048.sha-256").clone();
    legacy
        .expected
        .insert(Profile::GlanceLegacy, Expected::Accept);
    let problems = check_case(&legacy, dir.path());
    assert!(
        problems.iter().any(|p| p.contains("(glance-legacy)")
            && p.contains("rejects a signature the corpus calls valid")),
        "{problems:?}"
    );
}

#[test]
fn the_field_failures_are_in_the_catalogue_as_documented() {
    let legacy = |id: &str| find(id).expected[&Profile::GlanceLegacy].clone();
    let mismatch = Expected::Reject {
        reason: Some(Rejection::SignatureMismatch),
    };
    // "works with 1024-bit keys and SHA-512", "fails if sha256 is used",
    // "fails if the key length is different than 1024".
    assert_eq!(legacy("reg.pss-salt.digest.1024.sha-512"), Expected::Accept);
    assert_eq!(
        find("reg.pss-salt.digest.1024.sha-512")
            .pss
            .map(|p| p.salt_length),
        Some(62)
    );
    assert_eq!(legacy("reg.pss-salt.digest.1024.sha-256"), mismatch);
    for bits in [2048, 3072, 4096] {
        for hash in ["sha-224", "sha-256", "sha-384", "sha-512"] {
            let id = format!("reg.pss-salt.digest.{bits}.{hash}");
            assert_eq!(legacy(&id), mismatch, "{id}");
            assert_eq!(
                find(&id).expected[&Profile::GlanceCurrent],
                Expected::Accept
            );
        }
    }
    // Every reg case records its salt; strict verifiers take only the maximum.
    for c in CATALOGUE.iter().filter(|c| c.family() == Family::Reg) {
        let pss = c.pss.unwrap_or_else(|| panic!("{} records no salt", c.id));
        let strict = if pss.is_max() {
            Expected::Accept
        } else {
            mismatch.clone()
        };
        assert_eq!(c.expected[&Profile::GlanceLegacy], strict, "{}", c.id);
    }
}

/// The corpus is valid against `vectors/schema.json` (JSON Schema 2020-12,
/// checked with the `boon` validator), and the schema refuses what it must.
#[test]
fn the_corpus_validates_against_its_schema() {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let index = compiler
        .compile(&format!("{VECTORS}schema.json"), &mut schemas)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e:#}"));
    let corpus: serde_json::Value = serde_json::from_str(&committed_json()).expect("JSON");
    if let Err(e) = schemas.validate(&corpus, index) {
        panic!("the corpus does not validate: {e}");
    }
    let mut broken = corpus.clone();
    broken["testGroups"][0]["tests"][0]["id"] = "Sig.Upper".into();
    assert!(schemas.validate(&broken, index).is_err());
    let mut broken = corpus;
    broken["testGroups"][0]["tests"][0]["flags"] = serde_json::json!(["NoSuchFlag"]);
    assert!(schemas.validate(&broken, index).is_err());
}

/// The placeholder for the stored secret's id appears only when a secret
/// is stored (a case may store one and leave the property out).
#[test]
fn the_secret_placeholder_is_used_when_a_secret_is_stored() {
    let corpus = Corpus::from_cases(&CATALOGUE).expect("corpus");
    for test in corpus.test_groups.iter().flat_map(|g| &g.tests) {
        let uses = test
            .properties
            .get(properties::CERTIFICATE_UUID)
            .map(String::as_str)
            == Some(SECRET_ID);
        assert!(!uses || test.secret.is_some(), "{}", test.id);
    }
}

/// Signatures are randomised (PSS salts, DSA/ECDSA nonces); what a case
/// expects must not be.
#[test]
fn expectations_do_not_depend_on_the_signatures_drawn() {
    let b = catalogue(false).expect("catalogue");
    for (x, y) in CATALOGUE.iter().zip(&b) {
        assert_eq!((&x.id, &x.expected), (&y.id, &y.expected));
    }
}

fn any_case() -> impl Strategy<Value = &'static Case> {
    prop::sample::select(CATALOGUE.iter().collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every prefix of an id selects it, and a prefix that ends a segment
    /// selects exactly the ids under it.
    #[test]
    fn prefixes_select_their_cases(case in any_case(), cut in 0usize..64) {
        let id = case.id.as_str();
        let prefix = &id[..cut.min(id.len())];
        let selection = Selection::new([prefix]);
        prop_assert!(selection.matches(id));
        for other in CATALOGUE.iter() {
            prop_assert_eq!(selection.matches(&other.id), other.id.starts_with(prefix));
        }
    }

    /// Replacing any one segment of an id with `*` gives a glob that
    /// selects it, and only ids with the same other segments.
    #[test]
    fn a_segment_glob_selects_its_case(case in any_case(), which in 0usize..8) {
        let segments: Vec<&str> = case.id.split('.').collect();
        let which = which % segments.len();
        let mut pattern = segments.clone();
        pattern[which] = "*";
        let selection = Selection::new([pattern.join(".")]);
        prop_assert!(selection.matches(&case.id));
        for other in CATALOGUE.iter().filter(|o| selection.matches(&o.id)) {
            let theirs: Vec<&str> = other.id.split('.').collect();
            prop_assert!(
                theirs.len() >= segments.len()
                    && theirs[..which] == segments[..which]
                    && theirs.ends_with(&segments[which + 1..]),
                "{} selected by {}", other.id, pattern.join(".")
            );
        }
    }

    /// Ids in the catalogue parse back as themselves.
    #[test]
    fn catalogue_ids_follow_the_grammar(case in any_case()) {
        let again = CaseId::new(case.id.as_str()).expect("grammatical");
        prop_assert_eq!(&again, &case.id);
        prop_assert_eq!(again.family(), case.family());
    }
}
