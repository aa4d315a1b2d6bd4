//! The report as Markdown, for a CI job summary.

use std::fmt::Write as _;

use crate::outcome::{RunReport, Verdict};

/// Render the Markdown report.
pub fn markdown(report: &RunReport) -> String {
    let mut out = String::new();
    let icon = if report.all_as_expected() {
        "✅"
    } else {
        "❌"
    };
    let _ = writeln!(
        out,
        "## {icon} imgsig conformance: {}",
        report.summary.line()
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Target `{}`, profile `{}`, run `{}`, {:.1}s.",
        report.target,
        report.profile,
        report.run_tag,
        report.duration.as_secs_f64()
    );
    let m = super::matrix(&report.outcomes);
    if !m.rows.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "| key type | SHA-224 | SHA-256 | SHA-384 | SHA-512 |");
        let _ = writeln!(out, "| --- | :-: | :-: | :-: | :-: |");
        for (key_type, cells) in &m.rows {
            let cells: Vec<&str> = cells
                .iter()
                .map(|c| c.map_or(" ", super::matrix::symbol))
                .collect();
            let _ = writeln!(out, "| `{key_type}` | {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(out);
    match report.detection.best {
        Some(p) => {
            let _ = writeln!(out, "Behaves like **{p}**.");
        }
        None => {
            let _ = writeln!(out, "Behaves like no profile exactly.");
        }
    }
    for a in &report.detection.aspects {
        let _ = writeln!(out, "- {}: {}", a.aspect.title(), a.reading);
    }
    let failures: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Fail)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "### Failures");
        let _ = writeln!(out);
        let _ = writeln!(out, "| case | why |");
        let _ = writeln!(out, "| --- | --- |");
        for o in failures {
            let _ = writeln!(
                out,
                "| `{}` | {} |",
                o.id,
                o.explanation.replace('|', "\\|")
            );
        }
    }
    out
}
