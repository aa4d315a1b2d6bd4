//! The report as JUnit XML: one test suite per case family.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::outcome::{CaseOutcome, RunReport, Summary, Verdict};

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

/// Render JUnit XML.
pub fn junit_xml(report: &RunReport) -> String {
    let mut families: BTreeMap<&str, Vec<&CaseOutcome>> = BTreeMap::new();
    for o in &report.outcomes {
        families.entry(o.family()).or_default().push(o);
    }
    let total = report.summary;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"imgsig conformance ({})\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        escape(report.profile.name()),
        report.outcomes.len(),
        total.failed,
        total.skipped,
        report.duration.as_secs_f64()
    );
    for (family, outcomes) in families {
        let s = Summary::of(outcomes.iter().copied());
        let time: f64 = outcomes.iter().map(|o| o.duration.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
            escape(family),
            outcomes.len(),
            s.failed,
            s.skipped
        );
        for o in outcomes {
            let _ = write!(
                out,
                "    <testcase classname=\"imgsig.{}\" name=\"{}\" time=\"{:.3}\"",
                escape(family),
                escape(&o.id),
                o.duration.as_secs_f64()
            );
            match o.verdict {
                Verdict::Pass => out.push_str("/>\n"),
                Verdict::Acceptable => {
                    let _ = writeln!(
                        out,
                        ">\n      <system-out>implementation-defined: {}</system-out>\n    </testcase>",
                        escape(&o.explanation)
                    );
                }
                Verdict::Skipped | Verdict::KnownFailure => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(&o.explanation)
                    );
                }
                Verdict::Fail => {
                    let mut detail = format!("{}\n{}", o.reason, o.explanation);
                    for e in &o.evidence {
                        let _ = write!(
                            detail,
                            "\n> {} -> {:?}\n  {}",
                            e.request, e.status, e.body_excerpt
                        );
                    }
                    for cmd in &o.reproduce {
                        let _ = write!(detail, "\n$ {cmd}");
                    }
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(&o.explanation),
                        escape(&detail)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
