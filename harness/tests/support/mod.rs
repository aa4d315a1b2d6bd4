//! What the integration tests that render reports share: a fixed run
//! around a set of outcomes.

use std::time::Duration;

use imgsig::outcome::{detect_profile, CaseOutcome, Provenance, RunReport, Summary};
use imgsig::spec::Profile;
use imgsig::tag::RunTag;

/// A run of `outcomes` on `target` under `glance-current`, with a fixed
/// tag, duration and provenance (so renderings can be kept by snapshot).
pub fn fixed_run(target: &str, outcomes: Vec<CaseOutcome>) -> RunReport {
    RunReport {
        schema: RunReport::SCHEMA,
        target: target.into(),
        profile: Profile::GlanceCurrent,
        run_tag: RunTag::new("r0000").expect("tag"),
        duration: Duration::from_millis(1234),
        summary: Summary::of(&outcomes),
        detection: detect_profile(&outcomes),
        outcomes,
        leftovers: Vec::new(),
        cleanup_command: None,
        provenance: Provenance {
            harness_version: "0.0.0-test".into(),
            corpus_schema: "imgsig-vectors/2".into(),
            started: "2026-12-01T12:00:00Z".into(),
            hostname: "ci-host".into(),
        },
        interrupted: false,
        evidence_dir: None,
        stopped: None,
    }
}
