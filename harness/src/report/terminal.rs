//! The report for people on a terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::words;
use crate::outcome::{CaseOutcome, RunReport, Summary, Verdict};

/// Failures shown with their evidence; the rest are listed by id.
const DETAILED_FAILURES: usize = 8;
/// Characters of a response body shown in the terminal.
const BODY_CHARS: usize = 200;

fn failure(out: &mut String, o: &CaseOutcome, report: &RunReport) {
    let _ = writeln!(out, "✘ {} — {}", o.id, o.reason);
    let _ = writeln!(out, "    {}", o.explanation);
    if let Some(e) = o.expected.get(&report.profile) {
        let _ = writeln!(out, "    expected ({}): {e}", report.profile);
    }
    let _ = writeln!(out, "    seen: {}", o.observed);
    for e in &o.evidence {
        let _ = writeln!(out, "    > {}", words::exchange(e));
        // Bodies of successful calls are noise here; errors are evidence.
        if !e.body_excerpt.is_empty() && e.status.is_none_or(|s| s >= 300) {
            let body: String = e
                .body_excerpt
                .replace('\n', " ")
                .chars()
                .take(BODY_CHARS)
                .collect();
            let _ = writeln!(out, "      {body}");
        }
    }
    if !o.reproduce.is_empty() {
        let _ = writeln!(out, "    reproduce:");
        for cmd in &o.reproduce {
            let _ = writeln!(out, "      $ {cmd}");
        }
    }
}

/// Render the terminal report: per-family counts, the matrix, profile
/// detection, each failure with its evidence and reproduction, and the
/// summary line last.
pub fn terminal(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imgsig conformance — target: {} — profile: {} — run {}",
        report.target, report.profile, report.run_tag
    );
    let _ = writeln!(out, "{}", words::provenance_line(&report.provenance));
    for p in crate::spec::Profile::ALL {
        let held = if p == report.profile { "*" } else { " " };
        let _ = writeln!(
            out,
            "{held} {:<15}{}",
            p.name(),
            words::profile_definition(p)
        );
    }
    let _ = writeln!(out);

    let mut families: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for o in &report.outcomes {
        families.entry(o.family()).or_default().push(o);
    }
    let _ = writeln!(
        out,
        "{:<8} {:>6} {:>6} {:>10} {:>7} {:>5}",
        "family", "passed", "failed", "acceptable", "skipped", "known"
    );
    for (family, outcomes) in &families {
        let s = Summary::of(outcomes.iter().copied());
        let _ = writeln!(
            out,
            "{family:<8} {:>6} {:>6} {:>10} {:>7} {:>5}",
            s.passed, s.failed, s.acceptable, s.skipped, s.known_failures
        );
    }

    let m = super::matrix(&report.outcomes);
    if !m.rows.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "signature matrix: what the target did, and whether expected"
        );
        let _ = writeln!(out, "  ({})", super::LEGEND);
        for line in m.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }

    let rows = super::trust_rows(&report.outcomes);
    if !rows.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", super::TRUST_HEADING);
        let _ = writeln!(out, "  ({})", super::LEGEND);
        for line in super::trust_lines(&rows) {
            let _ = writeln!(out, "  {}", line.trim_end());
        }
    }

    let d = &report.detection;
    let _ = writeln!(out);
    match d.best {
        Some(p) => {
            let _ = writeln!(out, "behaves like: {p}");
        }
        None => {
            let _ = writeln!(out, "behaves like: no profile exactly");
        }
    }
    for a in &d.aspects {
        let _ = writeln!(
            out,
            "  {:<24} {}",
            format!("{}:", a.aspect.title()),
            a.reading
        );
    }
    if let Some(c) = &d.certificates {
        let _ = writeln!(out, "  {:<24} {}", "certificates:", c.reading);
    }
    for m in &d.profiles {
        if !m.mismatched.is_empty() && m.mismatched.len() <= 10 {
            let _ = writeln!(
                out,
                "  differs from {}: {}",
                m.profile,
                m.mismatched.join(", ")
            );
        } else if !m.mismatched.is_empty() {
            let _ = writeln!(
                out,
                "  differs from {} in {} cases",
                m.profile,
                m.mismatched.len()
            );
        }
    }
    if !d.unexplained.is_empty() {
        let _ = writeln!(
            out,
            "  explained by no profile: {}",
            d.unexplained.join(", ")
        );
    }

    let acceptable: Vec<_> = words::acceptable(report).collect();
    if !acceptable.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "implementation-defined (any answer conforms; what this target does)"
        );
        for o in acceptable {
            let _ = writeln!(out, "~ {}", words::acceptable_line(o));
            if let Some(script) = words::script(report, o) {
                let _ = writeln!(out, "    reproduce: sh {script}");
            }
        }
    }

    let failures: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Fail)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "failures");
        for o in failures.iter().take(DETAILED_FAILURES) {
            failure(&mut out, o, report);
        }
        if failures.len() > DETAILED_FAILURES {
            let _ = writeln!(
                out,
                "… and {} more (all of them, with evidence, in --report-json):",
                failures.len() - DETAILED_FAILURES
            );
            for o in &failures[DETAILED_FAILURES..] {
                let _ = writeln!(out, "✘ {} — {}", o.id, o.explanation);
            }
        }
    }
    let _ = writeln!(out);
    if let Some(lines) = super::leftover_lines(report) {
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
    }
    if let Some(line) = words::evidence_line(report) {
        let _ = writeln!(out, "{line}");
    }
    if report.interrupted {
        let _ = writeln!(out, "interrupted: the cases not run are listed as skipped");
    }
    if report.summary.known_failures > 0 {
        let _ = writeln!(
            out,
            "{} known failures (listed in the expected-failures file)",
            report.summary.known_failures
        );
    }
    let _ = writeln!(
        out,
        "{} in {:.1}s",
        report.summary.line(),
        report.duration.as_secs_f64()
    );
    out
}
