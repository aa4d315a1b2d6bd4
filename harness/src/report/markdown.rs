//! The report as Markdown, for a CI job summary.

use std::fmt::Write as _;

use super::words;
use crate::outcome::{RunReport, Verdict};
use crate::spec::Profile;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

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
        "Target `{}`, profile `{}`, run `{}`, {:.1}s; {}.",
        report.target,
        report.profile,
        report.run_tag,
        report.duration.as_secs_f64(),
        words::provenance_line(&report.provenance)
    );
    if report.summary.known_failures > 0 {
        let _ = writeln!(
            out,
            "{} known failures (listed in the expected-failures file).",
            report.summary.known_failures
        );
    }
    let m = super::matrix(&report.outcomes);
    if !m.rows.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "| key type | SHA-224 | SHA-256 | SHA-384 | SHA-512 |");
        let _ = writeln!(out, "| --- | :-: | :-: | :-: | :-: |");
        for (key_type, cells) in &m.rows {
            let cells: Vec<String> = cells
                .iter()
                .map(|c| c.map_or_else(|| " ".to_owned(), |c| c.symbol()))
                .collect();
            let _ = writeln!(out, "| `{key_type}` | {} |", cells.join(" | "));
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", super::LEGEND);
    }
    let rows = super::trust_rows(&report.outcomes);
    if !rows.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "### Trust");
        let _ = writeln!(out);
        let _ = writeln!(out, "{}.", cell(super::TRUST_HEADING));
        let _ = writeln!(out);
        let _ = writeln!(out, "| depth | what is wrong | target | cases |");
        let _ = writeln!(out, "| :-: | --- | :-: | --- |");
        for r in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.chain.depth,
                cell(&r.chain.defect.to_string()),
                r.cell.symbol(),
                cell(&r.case_list())
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", super::LEGEND);
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
    if let Some(c) = &report.detection.certificates {
        let _ = writeln!(out, "- certificates: {}", c.reading);
    }
    let acceptable: Vec<_> = words::acceptable(report).collect();
    if !acceptable.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "### Implementation-defined: what this target does");
        let _ = writeln!(out);
        let _ = writeln!(out, "| case | why it exists | this target |");
        let _ = writeln!(out, "| --- | --- | --- |");
        for o in acceptable {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                o.id,
                cell(&o.reason),
                cell(&words::target_did(&o.observed))
            );
        }
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
            let _ = writeln!(out, "| `{}` | {} |", o.id, cell(&o.explanation));
        }
    }
    if let Some(line) = words::evidence_line(report) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{line}.");
    }
    if let Some(lines) = super::leftover_lines(report) {
        let _ = writeln!(out);
        let _ = writeln!(out, "### Left behind");
        let _ = writeln!(out);
        let _ = writeln!(out, "```");
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "```");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "<details><summary>Profiles</summary>");
    let _ = writeln!(out);
    for p in Profile::ALL {
        let _ = writeln!(out, "- `{p}`: {}", words::profile_definition(p));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "</details>");
    out
}
