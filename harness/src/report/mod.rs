//! Renderings of a [`RunReport`](crate::outcome::RunReport): a terminal
//! report for people, the hash × key-type matrix, JSON, JUnit XML and
//! Markdown for CI. Each is a pure function of the report.

mod junit;
mod markdown;
mod matrix;
mod terminal;
mod words;

pub use junit::junit_xml;
pub use markdown::markdown;
pub use matrix::{matrix, Action, Cell, Matrix, LEGEND};
pub use terminal::terminal;
pub use words::{acceptable_line, profile_definition, provenance_line, target_did};

use crate::outcome::RunReport;

/// The report as pretty JSON (format: `docs/report-format.md`).
pub fn json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
