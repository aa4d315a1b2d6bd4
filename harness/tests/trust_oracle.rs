//! The smoke part of the trust differential (no Python needed): the rules
//! predict, for every trust situation, exactly what the real cursive 0.3.1
//! answered when `cargo xtask adapter-cursive --record-trust` last ran it
//! (verdict, message and log lines), as recorded in
//! `adapters/cursive/trust-answers.json`. `cargo xtask adapter-cursive`
//! asks cursive again on every run.

use imgsig::cases::trust::{disagreements, situations, OracleAnswer, RECORDED_ANSWERS};

#[test]
fn the_rules_predict_what_cursive_answered() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(RECORDED_ANSWERS);
    let recorded: Vec<OracleAnswer> =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("recorded answers")).unwrap();
    let situations = situations().unwrap();
    let names: Vec<&str> = situations.iter().map(|s| s.name.as_str()).collect();
    let recorded_names: Vec<&str> = recorded.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names, recorded_names,
        "the situations changed: run `cargo xtask adapter-cursive --trust-only --record-trust`"
    );
    let problems: Vec<String> = situations
        .iter()
        .zip(&recorded)
        .flat_map(|(s, upstream)| {
            let predicted = OracleAnswer::predicted(&s.name, &s.validate().unwrap());
            disagreements(&predicted, upstream)
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
