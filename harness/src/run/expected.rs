//! The expected-failures file: case ids a target is known to fail, with
//! the reason, so another implementation can gate CI on "no new failures".
//!
//! Format: one case id per line, optionally followed by whitespace and the
//! reason (which may start with `#`: `id # reason` reads as `id reason`,
//! and a `#` inside a reason, as in `bug #12`, is kept); a line starting
//! with `#` is a comment; blank lines are ignored.
//!
//! ```text
//! # binary curves are not supported by our backend
//! sig.ecc-sect571k1.sha-256.valid   no SECT curves in our crypto library
//! sig.ecc-sect409k1.sha-256.valid   # the same
//! ```

use std::collections::BTreeMap;

use crate::outcome::{CaseOutcome, Verdict};

/// Case ids known to fail, with reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedFailures {
    entries: BTreeMap<String, String>,
}

impl ExpectedFailures {
    /// Parse the file's text.
    pub fn parse(text: &str) -> ExpectedFailures {
        let entries = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| match l.split_once(char::is_whitespace) {
                Some((id, reason)) => {
                    let reason = reason.trim();
                    let reason = reason.strip_prefix('#').unwrap_or(reason).trim();
                    (id.to_owned(), reason.to_owned())
                }
                None => (l.to_owned(), String::new()),
            })
            .collect();
        ExpectedFailures { entries }
    }

    /// Mark listed failures as known; note listed cases that now pass.
    /// Returns the ids listed that were not run at all.
    pub fn apply(&self, outcomes: &mut [CaseOutcome]) -> Vec<String> {
        for o in outcomes.iter_mut() {
            let Some(reason) = self.entries.get(&o.id) else {
                continue;
            };
            match o.verdict {
                Verdict::Fail => {
                    o.verdict = Verdict::KnownFailure;
                    o.explanation = if reason.is_empty() {
                        format!("known failure: {}", o.explanation)
                    } else {
                        format!("known failure ({reason}): {}", o.explanation)
                    };
                }
                Verdict::Pass => {
                    o.explanation = format!(
                        "{}; listed as an expected failure but passes now: remove it from the file",
                        o.explanation
                    );
                }
                _ => {}
            }
        }
        self.entries
            .keys()
            .filter(|id| !outcomes.iter().any(|o| &o.id == *id))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_reasons_and_comments() {
        let f = ExpectedFailures::parse(
            "# header\n\nsig.a   no SECT curves, bug #12\nneg.b\n  reg.c  salt  \nneg.d # why\n#neg.e\n",
        );
        let got: Vec<(&str, &str)> = f
            .entries
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("neg.b", ""),
                ("neg.d", "why"),
                ("reg.c", "salt"),
                ("sig.a", "no SECT curves, bug #12")
            ]
        );
    }
}
