//! The hash × key-type matrix of the signature cases.

use crate::outcome::{CaseOutcome, Verdict};
use crate::spec::{HashMethod, KeyType};

/// One verdict per hash method and key type: the worst of the cases in the
/// cell (a failure outweighs everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Rows: key types that have at least one case.
    pub rows: Vec<(KeyType, [Option<Verdict>; 4])>,
}

fn worst(a: Option<Verdict>, b: Verdict) -> Verdict {
    let rank = |v: Verdict| match v {
        Verdict::Fail => 4,
        Verdict::KnownFailure => 3,
        Verdict::Acceptable => 2,
        Verdict::Pass => 1,
        Verdict::Skipped => 0,
    };
    match a {
        Some(a) if rank(a) >= rank(b) => a,
        _ => b,
    }
}

/// Build the matrix from the `sig.*` cases.
pub fn matrix(outcomes: &[CaseOutcome]) -> Matrix {
    let mut rows: Vec<(KeyType, [Option<Verdict>; 4])> =
        KeyType::ALL.into_iter().map(|k| (k, [None; 4])).collect();
    for o in outcomes.iter().filter(|o| o.family() == "sig") {
        let (Some(hash), Some(key_type)) = (o.hash_method, o.key_type) else {
            continue;
        };
        let col = HashMethod::ALL.iter().position(|h| *h == hash).unwrap_or(0);
        if let Some((_, cells)) = rows.iter_mut().find(|(k, _)| *k == key_type) {
            cells[col] = Some(worst(cells[col], o.verdict));
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
                .map(|c| format!("{:^7}", c.map_or(" ", symbol)))
                .collect();
            let line = format!("{:width$}  {}", key_type.as_property(), cells.join(" "));
            out.push(line.trim_end().to_owned());
        }
        out
    }
}

/// The symbol of a verdict in the matrix: ✔ ✘ ~ · x.
pub(crate) const fn symbol(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✔",
        Verdict::Fail => "✘",
        Verdict::Acceptable => "~",
        Verdict::Skipped => "·",
        Verdict::KnownFailure => "x",
    }
}
