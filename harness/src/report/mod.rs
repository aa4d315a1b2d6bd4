//! Renderings of a [`RunReport`]: a terminal
//! report for people, the hash × key-type matrix, the trust section (chain
//! shapes × verdicts), JSON, JUnit XML, subunit
//! v2 and Markdown for CI, and one self-contained HTML file. Each is a pure function of the report; [`evidence`]
//! writes the files that reproduce the cases that need it.

pub mod evidence;
mod html;
mod junit;
mod markdown;
mod matrix;
mod subunit;
mod terminal;
mod trust;
mod words;

pub use html::html;
pub use junit::junit_xml;
pub use markdown::markdown;
pub use matrix::{matrix, Action, Cell, Matrix, LEGEND};
pub use subunit::subunit;
pub use terminal::terminal;
pub use trust::{trust_lines, trust_rows, TrustRow, TRUST_HEADING};
pub use words::{acceptable_line, profile_definition, provenance_line, target_did};

use crate::outcome::RunReport;

/// What the run left behind, for people: a line per object with why it
/// could not be deleted, and the command that deletes all of it; `None`
/// when nothing was left.
pub(crate) fn leftover_lines(report: &RunReport) -> Option<Vec<String>> {
    if report.leftovers.is_empty() {
        return None;
    }
    let mut lines = vec![format!(
        "left behind: {} objects the cleanup could not delete",
        report.leftovers.len()
    )];
    for l in &report.leftovers {
        lines.push(format!("  {} (case {}): {}", l.what, l.case_id, l.reason));
    }
    lines.push(match &report.cleanup_command {
        Some(cmd) => format!("delete them with: {cmd}"),
        None => "delete them one by one:".to_owned(),
    });
    if report.cleanup_command.is_none() {
        lines.extend(
            report
                .leftovers
                .iter()
                .map(|l| format!("  {}", l.delete_command)),
        );
    }
    Some(lines)
}

/// The report as pretty JSON (format: `docs/report-format.md`).
pub fn json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
