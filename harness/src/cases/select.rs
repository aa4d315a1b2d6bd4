//! Selecting cases by id: a prefix, a glob (`*` any run of characters, `?`
//! one character) or, written `re:REGEX`, a regular expression searched
//! anywhere in the id; patterns to include and patterns to exclude.
//! `imgsig cases` and `imgsig run` select through this one type.

use std::str::FromStr;

/// One pattern over case ids.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// Ids that start with this.
    Prefix(String),
    /// Ids the glob matches whole.
    Glob(String),
    /// Ids the regular expression matches somewhere (anchor it with `^…$`).
    Regex(regex::Regex),
}

impl Pattern {
    /// Whether `id` matches.
    pub fn matches(&self, id: &str) -> bool {
        match self {
            Pattern::Prefix(p) => id.starts_with(p.as_str()),
            Pattern::Glob(g) => glob(g.as_bytes(), id.as_bytes()),
            Pattern::Regex(r) => r.is_match(id),
        }
    }

    /// Whether a `big.*` case could match (they are left out of the
    /// catalogue unless asked for).
    pub fn may_select_big(&self) -> bool {
        match self {
            Pattern::Prefix(p) | Pattern::Glob(p) => p.starts_with("big"),
            Pattern::Regex(r) => r.as_str().contains("big"),
        }
    }
}

impl Pattern {
    /// A glob if `s` has `*` or `?`, else a prefix.
    fn plain(s: &str) -> Pattern {
        if s.contains(['*', '?']) {
            Pattern::Glob(s.to_owned())
        } else {
            Pattern::Prefix(s.to_owned())
        }
    }
}

impl FromStr for Pattern {
    type Err = regex::Error;

    /// `re:REGEX`, a glob (with `*` or `?`), or else a prefix.
    fn from_str(s: &str) -> Result<Pattern, regex::Error> {
        match s.strip_prefix("re:") {
            Some(re) => Ok(Pattern::Regex(regex::Regex::new(re)?)),
            None => Ok(Pattern::plain(s)),
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pattern::Prefix(p) | Pattern::Glob(p) => f.write_str(p),
            Pattern::Regex(r) => write!(f, "re:{}", r.as_str()),
        }
    }
}

/// Patterns to include and to exclude: an id is selected when it matches
/// an include pattern (or there are none) and no exclude pattern.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

impl Selection {
    /// Select ids matching any of `include` (prefixes and globs; use
    /// [`Selection::parse`] for every pattern form).
    pub fn new(include: impl IntoIterator<Item = impl Into<String>>) -> Selection {
        Selection {
            include: include
                .into_iter()
                .map(|p| Pattern::plain(&p.into()))
                .collect(),
            exclude: Vec::new(),
        }
    }

    /// Parse include and exclude patterns of every form (`re:` regexes
    /// too); the error names the pattern that is not a valid regex.
    pub fn parse(include: &[String], exclude: &[String]) -> Result<Selection, String> {
        let parse = |ps: &[String]| {
            ps.iter()
                .map(|p| {
                    p.parse()
                        .map_err(|e| format!("--filter/--exclude {p:?}: {e}"))
                })
                .collect::<Result<Vec<Pattern>, String>>()
        };
        Ok(Selection {
            include: parse(include)?,
            exclude: parse(exclude)?,
        })
    }

    /// Whether `id` is selected.
    pub fn matches(&self, id: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| p.matches(id)))
            && !self.exclude.iter().any(|p| p.matches(id))
    }

    /// Whether an include pattern may select `big.*` cases.
    pub fn may_select_big(&self) -> bool {
        self.include.iter().any(Pattern::may_select_big)
    }

    /// The patterns as the user wrote them, for messages.
    pub fn describe(&self) -> String {
        let join = |ps: &[Pattern]| {
            ps.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (self.include.is_empty(), self.exclude.is_empty()) {
            (true, true) => "(no filter)".to_owned(),
            (false, true) => join(&self.include),
            (true, false) => format!("all but {}", join(&self.exclude)),
            (false, false) => format!("{} but not {}", join(&self.include), join(&self.exclude)),
        }
    }
}

/// Iterative glob matching with backtracking on the last `*`.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prefixes_and_globs() {
        let s = Selection::new(["sig.rsa", "*.sha-512.*"]);
        assert!(s.matches("sig.rsa-pss-2048.sha-256.valid"));
        assert!(s.matches("reg.pss-salt.max.1024.sha-512.x"));
        assert!(!s.matches("neg.data.tampered"));
        assert!(Selection::default().matches("anything"));
        assert!(Selection::new(["neg.?ata.*"]).matches("neg.data.x"));
        assert!(!Selection::new(["neg.*.x"]).matches("neg.data.y"));
    }

    #[test]
    fn regexes_and_exclusions() {
        let s = Selection::parse(
            &["re:^sig\\.(dsa|rsa)".into()],
            &["*.sha-224.*".into(), "re:4096".into()],
        )
        .expect("valid");
        assert!(s.matches("sig.dsa-2048.sha-256.valid"));
        assert!(!s.matches("sig.dsa-2048.sha-224.valid"));
        assert!(!s.matches("sig.rsa-pss-4096.sha-256.valid"));
        assert!(!s.matches("sig.ecc-secp384r1.sha-256.valid"));
        let all_but = Selection::parse(&[], &["neg".into()]).expect("valid");
        assert!(all_but.matches("sig.x") && !all_but.matches("neg.x"));
        let bad = Selection::parse(&["re:(".into()], &[]).expect_err("invalid");
        assert!(bad.contains("re:("), "{bad}");
    }

    proptest! {
        #[test]
        fn a_literal_glob_matches_only_itself(id in "[a-z0-9.-]{0,30}", other in "[a-z0-9.-]{0,30}") {
            prop_assert!(glob(id.as_bytes(), id.as_bytes()));
            prop_assert_eq!(glob(id.as_bytes(), other.as_bytes()), id == other);
        }

        #[test]
        fn star_matches_every_split(a in "[a-z.]{0,10}", b in "[a-z.]{0,10}", mid in "[a-z.-]{0,10}") {
            let pattern = format!("{a}*{b}");
            let text = format!("{a}{mid}{b}");
            prop_assert!(glob(pattern.as_bytes(), text.as_bytes()));
        }

        /// Excluding a pattern removes exactly what it matches.
        #[test]
        fn exclude_is_the_complement(id in "[a-z.]{0,12}", p in "[a-z.*]{0,5}") {
            let pattern = Pattern::from_str(&p).expect("no re: prefix");
            let s = Selection::parse(&[], &[p]).expect("valid");
            prop_assert_eq!(s.matches(&id), !pattern.matches(&id));
        }
    }
}
