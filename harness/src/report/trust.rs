//! The trust section: for the `cert.trust.*` and consumer cases, one row
//! per chain shape (depth, what is wrong with it) with what the target did
//! (accepted: trusted, refused: not) and whether that was expected, in the
//! matrix's cells.

use super::matrix::{rank, Action, Cell};
use crate::outcome::CaseOutcome;
use crate::spec::Chain;

/// One chain shape and the cases of that shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRow {
    /// The shape.
    pub chain: Chain,
    /// The worst case of the row (a failure outweighs everything).
    pub cell: Cell,
    /// The cases of this shape, in run order.
    pub cases: Vec<String>,
}

impl TrustRow {
    /// The ids of the row's cases, shortened (`cert.trust.` left out).
    pub fn case_list(&self) -> String {
        self.cases
            .iter()
            .map(|id| id.strip_prefix("cert.trust.").unwrap_or(id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The trust section's rows, shallowest chain first, shapes in the order
/// of their first case; empty when no case has a chain.
pub fn trust_rows<'a>(outcomes: impl IntoIterator<Item = &'a CaseOutcome>) -> Vec<TrustRow> {
    let mut rows: Vec<TrustRow> = Vec::new();
    for o in outcomes {
        let Some(chain) = o.chain else { continue };
        let cell = Cell {
            action: Action::of(&o.observed),
            verdict: o.verdict,
        };
        match rows.iter_mut().find(|r| r.chain == chain) {
            Some(row) => {
                if rank(row.cell.verdict) < rank(cell.verdict) {
                    row.cell = cell;
                }
                row.cases.push(o.id.clone());
            }
            None => rows.push(TrustRow {
                chain,
                cell,
                cases: vec![o.id.clone()],
            }),
        }
    }
    // A stable sort: the order of first appearance within a depth.
    rows.sort_by_key(|r| r.chain.depth);
    rows
}

/// The heading of the section, the same in every rendering.
pub const TRUST_HEADING: &str =
    "trust: chain shape × what the target did and whether expected (an upload is accepted whatever the chain; a consumer accepts only a chain it trusts)";

const WHAT_IS_WRONG: &str = "what is wrong";

/// The rows as aligned text lines: depth, what is wrong, cell, cases.
pub fn trust_lines(rows: &[TrustRow]) -> Vec<String> {
    let width = rows
        .iter()
        .map(|r| r.chain.defect.to_string().chars().count())
        .chain([WHAT_IS_WRONG.len()])
        .max()
        .unwrap_or(0);
    let mut out = vec![format!(
        "{:<5}  {:<width$}  {:^4}  cases",
        "depth", WHAT_IS_WRONG, ""
    )];
    for r in rows {
        out.push(format!(
            "{:<5}  {:<width$}  {:^4}  {}",
            r.chain.depth,
            r.chain.defect.to_string(),
            r.cell.symbol(),
            r.case_list()
        ));
    }
    out
}
