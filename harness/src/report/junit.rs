//! The report as JUnit XML: one test suite per case family, in the shape
//! Jenkins, GitLab and GitHub's test reporters read: valid against the
//! Jenkins/Surefire JUnit XSD (`junit-10.xsd`; `cargo xtask report-check`
//! validates a run's file and the two snapshots with it).
//!
//! Counts match the children: `failures` are cases not as expected,
//! `errors` cases that could not run (the target never answered), and
//! `skipped` cases not run plus known failures (both written `<skipped>`).
//! Implementation-defined cases pass, with what the target did in
//! `<system-out>`. The `<testsuites>` root carries `tests`, `failures`
//! and `errors` only: the XSD has no `skipped` there.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::words;
use crate::outcome::{CaseOutcome, Observed, RunReport, Verdict};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// How a case appears in JUnit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Passed,
    Failure,
    Error,
    Skipped,
}

fn kind(o: &CaseOutcome) -> Kind {
    match (o.verdict, &o.observed) {
        (Verdict::Pass | Verdict::Acceptable, _) => Kind::Passed,
        (Verdict::Fail, Observed::Error { .. }) => Kind::Error,
        (Verdict::Fail, _) => Kind::Failure,
        (Verdict::Skipped | Verdict::KnownFailure, _) => Kind::Skipped,
    }
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    time: f64,
}

impl Counts {
    fn of<'a>(outcomes: impl IntoIterator<Item = &'a CaseOutcome>) -> Counts {
        outcomes.into_iter().fold(Counts::default(), |mut c, o| {
            c.tests += 1;
            c.time += o.duration.as_secs_f64();
            match kind(o) {
                Kind::Passed => {}
                Kind::Failure => c.failures += 1,
                Kind::Error => c.errors += 1,
                Kind::Skipped => c.skipped += 1,
            }
            c
        })
    }

    /// The attributes of a `<testsuite>`.
    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\"",
            self.tests, self.failures, self.errors, self.skipped, self.time
        )
    }
}

/// The failure text: reason, explanation, expectation, observation, the
/// exchanges and the reproduction, as a person reads them.
fn detail(o: &CaseOutcome, report: &RunReport) -> String {
    let mut d = format!("{}\n{}", o.reason, o.explanation);
    if let Some(e) = o.expected.get(&report.profile) {
        let _ = write!(d, "\nexpected ({}): {e}", report.profile);
    }
    let _ = write!(d, "\nseen: {}", o.observed);
    for e in &o.evidence {
        let _ = write!(d, "\n> {}", words::exchange(e));
        if !e.body_excerpt.is_empty() {
            let _ = write!(d, "\n  {}", e.body_excerpt);
        }
    }
    for cmd in &o.reproduce {
        let _ = write!(d, "\n$ {cmd}");
    }
    d
}

fn testcase(out: &mut String, o: &CaseOutcome, family: &str, report: &RunReport) {
    let _ = write!(
        out,
        "    <testcase classname=\"imgsig.{}\" name=\"{}\" time=\"{:.3}\"",
        escape(family),
        escape(&o.id),
        o.duration.as_secs_f64()
    );
    let message = escape(&o.explanation);
    match kind(o) {
        Kind::Passed if o.verdict == Verdict::Acceptable => {
            let _ = writeln!(
                out,
                ">\n      <system-out>implementation-defined: this target {}</system-out>\n    </testcase>",
                escape(&words::target_did(&o.observed))
            );
        }
        Kind::Passed => out.push_str("/>\n"),
        Kind::Skipped => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{message}\"/>\n    </testcase>"
            );
        }
        Kind::Failure | Kind::Error => {
            let (element, kind) = if kind(o) == Kind::Error {
                ("error", "could-not-run")
            } else {
                ("failure", "not-as-expected")
            };
            let _ = writeln!(
                out,
                ">\n      <{element} message=\"{message}\" type=\"{kind}\">{}</{element}>\n    </testcase>",
                escape(&detail(o, report))
            );
        }
    }
}

/// The suite's properties: the run's, whether the consumer validates
/// certificates, and the suite's rows of the trust section (`trust`, one
/// per chain shape: shape, cell, cases).
fn properties(out: &mut String, report: &RunReport, outcomes: &[&CaseOutcome]) {
    let p = &report.provenance;
    let mut props = vec![
        ("profile", report.profile.name().to_owned()),
        ("target", report.target.clone()),
        ("run_tag", report.run_tag.to_string()),
        ("harness_version", p.harness_version.clone()),
        ("corpus_schema", p.corpus_schema.clone()),
    ];
    if let Some(c) = &report.detection.certificates {
        props.push(("certificates", c.reading.clone()));
    }
    for r in super::trust_rows(outcomes.iter().copied()) {
        props.push((
            "trust",
            format!("{}: {} ({})", r.chain, r.cell.symbol(), r.case_list()),
        ));
    }
    out.push_str("    <properties>\n");
    for (name, value) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            escape(&value)
        );
    }
    out.push_str("    </properties>\n");
}

/// Render JUnit XML.
pub fn junit_xml(report: &RunReport) -> String {
    let mut families: BTreeMap<&str, Vec<&CaseOutcome>> = BTreeMap::new();
    for o in &report.outcomes {
        families.entry(o.family()).or_default().push(o);
    }
    let mut total = Counts::of(&report.outcomes);
    // What cleanup could not delete is one failed test each (below).
    total.tests += report.leftovers.len();
    total.failures += report.leftovers.len();
    let timestamp = escape(report.provenance.started.trim_end_matches('Z'));
    let hostname = escape(&report.provenance.hostname);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"imgsig conformance ({})\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
        escape(report.profile.name()),
        total.tests,
        total.failures,
        total.errors,
        report.duration.as_secs_f64()
    );
    let suite = |out: &mut String, id: usize, family: &str, c: &Counts, cases: &[&CaseOutcome]| {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" {} timestamp=\"{timestamp}\" hostname=\"{hostname}\" id=\"{id}\" package=\"imgsig.{}\">",
            escape(family),
            c.attributes(),
            escape(family)
        );
        properties(out, report, cases);
    };
    let mut suites = 0;
    for (family, outcomes) in families {
        suite(
            &mut out,
            suites,
            family,
            &Counts::of(outcomes.iter().copied()),
            &outcomes,
        );
        suites += 1;
        for o in outcomes {
            testcase(&mut out, o, family, report);
        }
        out.push_str("  </testsuite>\n");
    }
    if !report.leftovers.is_empty() {
        // What cleanup could not delete fails the run: one failed test per
        // object, with the command that deletes it.
        let n = report.leftovers.len();
        let counts = Counts {
            tests: n,
            failures: n,
            ..Counts::default()
        };
        suite(&mut out, suites, "cleanup", &counts, &[]);
        for l in &report.leftovers {
            let command = report
                .cleanup_command
                .as_deref()
                .unwrap_or(&l.delete_command);
            let _ = writeln!(
                out,
                "    <testcase classname=\"imgsig.cleanup\" name=\"{}\" time=\"0.000\">\n      <failure message=\"left behind: {}\" type=\"left-behind\">{}\n$ {}</failure>\n    </testcase>",
                escape(&l.case_id),
                escape(&l.what),
                escape(&l.reason),
                escape(command)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
