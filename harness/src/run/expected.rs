//! The expected-failures file: case ids a target is known to fail, with
//! the reason, so another implementation can gate CI on "no new failures".
//!
//! Format: one case id per line, optionally followed by whitespace and the
//! reason; `#` starts a comment; blank lines are ignored.
//!
//! ```text
//! # binary curves are not supported by our backend
//! sig.ecc-sect571k1.sha-256.valid   no SECT curves in our crypto library
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
            .map(|l| l.split_once('#').map_or(l, |(before, _)| before).trim())
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once(char::is_whitespace) {
                Some((id, reason)) => (id.to_owned(), reason.trim().to_owned()),
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
                    o.explanation = format!("known failure ({reason}): {}", o.explanation);
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
            "# header\n\nsig.a   no SECT curves # trailing\nneg.b\n  reg.c  salt  \n",
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
                ("reg.c", "salt"),
                ("sig.a", "no SECT curves")
            ]
        );
    }
}
