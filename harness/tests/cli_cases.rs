//! `imgsig cases`: selection by prefix and glob, one profile's expectation,
//! JSON lines.

use std::process::Command;

fn imgsig_cases(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .arg("cases")
        .args(args)
        .output()
        .expect("run imgsig");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The documented field failures, as a person lists them: a digest-length
/// salt under a strict (cryptography <= 41) verifier.
#[test]
fn listing_by_glob_under_one_profile() {
    let listing = imgsig_cases(&[
        "--filter",
        "reg.pss-salt.digest.1024.*",
        "--filter",
        "reg.pss-salt.digest.2048.sha-256",
        "--profile",
        "glance-legacy",
    ]);
    insta::assert_snapshot!(listing);
}

#[test]
fn json_lines_carry_every_profile_and_the_flags() {
    let out = imgsig_cases(&["--filter", "neg.property.", "--json"]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 4);
    for l in &lines {
        assert!(l["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("neg.property.missing-")));
        assert_eq!(l["family"], "neg");
        assert_eq!(l["expected"]["glance-current"]["outcome"], "unverified");
        assert_eq!(l["expected"].as_object().map(|o| o.len()), Some(3));
        assert!(l["flags"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "Unverified")));
    }
}

#[test]
fn a_bad_profile_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .args(["cases", "--profile", "glance-future"])
        .output()
        .expect("run imgsig");
    assert_eq!(out.status.code(), Some(2));
}
