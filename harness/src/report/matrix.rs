//! The hash × key-type matrix of the signature cases: in each cell what the
//! target did (accepted, refused) and whether that was expected.

use crate::outcome::{CaseOutcome, Observed, Verdict};
use crate::spec::{HashMethod, KeyType};

/// What the target did with a case, for the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The upload was accepted.
    Accepted,
    /// The upload was refused.
    Rejected,
    /// The case could not be run.
    Error,
    /// The case was not run.
    NotRun,
}

impl Action {
    pub(super) fn of(observed: &Observed) -> Action {
        match observed {
            Observed::Accepted { .. } => Action::Accepted,
            Observed::Rejected { .. } => Action::Rejected,
            Observed::Error { .. } => Action::Error,
            Observed::Skipped { .. } => Action::NotRun,
        }
    }

    /// The letter in a matrix cell.
    pub const fn letter(self) -> &'static str {
        match self {
            Action::Accepted => "A",
            Action::Rejected => "R",
            Action::Error => "E",
            Action::NotRun => "-",
        }
    }

    /// The action as a word.
    pub const fn word(self) -> &'static str {
        match self {
            Action::Accepted => "accepted",
            Action::Rejected => "refused",
            Action::Error => "error",
            Action::NotRun => "not run",
        }
    }
}

/// One cell: the worst case in it (a failure outweighs everything), what
/// the target did with it and the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// What the target did.
    pub action: Action,
    /// Whether that was expected.
    pub verdict: Verdict,
}

impl Cell {
    /// The cell as two characters: action letter and verdict mark, `R✔`.
    pub fn symbol(self) -> String {
        format!("{}{}", self.action.letter(), mark(self.verdict))
    }

    /// The cell in words, `refused, as expected`.
    pub fn words(self) -> String {
        format!("{}, {}", self.action.word(), verdict_words(self.verdict))
    }
}

/// The mark of a verdict: ✔ ✘ ~ ! ·.
pub const fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✔",
        Verdict::Fail => "✘",
        Verdict::Acceptable => "~",
        Verdict::KnownFailure => "!",
        Verdict::Skipped => "·",
    }
}

/// A verdict in words.
pub const fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "as expected",
        Verdict::Fail => "NOT as expected",
        Verdict::Acceptable => "implementation-defined",
        Verdict::KnownFailure => "known failure",
        Verdict::Skipped => "not run",
    }
}

/// The legend of the matrix: every letter and mark a cell can hold.
pub const LEGEND: &str = "A accepted, R refused, E could not run, - not run; \
     ✔ as expected, ✘ not as expected, ~ implementation-defined, \
     ! known failure (expected-failures file), · skipped";

/// One cell per hash method and key type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Rows: key types that have at least one case.
    pub rows: Vec<(KeyType, [Option<Cell>; 4])>,
}

/// How much a verdict weighs when cases share a cell (a failure most).
pub(super) const fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Fail => 4,
        Verdict::KnownFailure => 3,
        Verdict::Acceptable => 2,
        Verdict::Pass => 1,
        Verdict::Skipped => 0,
    }
}

/// Build the matrix from the `sig.*` cases.
pub fn matrix(outcomes: &[CaseOutcome]) -> Matrix {
    let mut rows: Vec<(KeyType, [Option<Cell>; 4])> =
        KeyType::ALL.into_iter().map(|k| (k, [None; 4])).collect();
    for o in outcomes.iter().filter(|o| o.family() == "sig") {
        let (Some(hash), Some(key_type)) = (o.hash_method, o.key_type) else {
            continue;
        };
        let Some(col) = HashMethod::ALL.iter().position(|h| *h == hash) else {
            continue;
        };
        let cell = Cell {
            action: Action::of(&o.observed),
            verdict: o.verdict,
        };
        if let Some((_, cells)) = rows.iter_mut().find(|(k, _)| *k == key_type) {
            if cells[col].is_none_or(|c| rank(c.verdict) < rank(cell.verdict)) {
                cells[col] = Some(cell);
            }
        }
    }
    rows.retain(|(_, cells)| cells.iter().any(Option::is_some));
    Matrix { rows }
}

impl Matrix {
    /// The matrix as aligned text lines.
    pub fn lines(&self) -> Vec<String> {
        let width = self
            .rows
            .iter()
            .map(|(k, _)| k.as_property().len())
            .max()
            .unwrap_or(8);
        let mut out = vec![format!(
            "{:width$}  {}",
            "",
            HashMethod::ALL
                .iter()
                .map(|h| format!("{:^7}", h.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        )];
        for (key_type, cells) in &self.rows {
            let cells: Vec<String> = cells
                .iter()
                .map(|c| format!("{:^7}", c.map_or_else(String::new, Cell::symbol)))
                .collect();
            let line = format!("{:width$}  {}", key_type.as_property(), cells.join(" "));
            out.push(line.trim_end().to_owned());
        }
        out
    }
}
