//! Selecting cases by id prefix or glob (`*` any run of characters, `?`
//! one character).

/// A set of patterns; a case is selected when any matches (or when there
/// are none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    patterns: Vec<String>,
}

impl Selection {
    /// Select by these patterns: a pattern with `*` or `?` is a glob over
    /// the whole id; any other is an id prefix.
    pub fn new(patterns: impl IntoIterator<Item = impl Into<String>>) -> Selection {
        Selection {
            patterns: patterns.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether `id` is selected.
    pub fn matches(&self, id: &str) -> bool {
        self.patterns.is_empty()
            || self.patterns.iter().any(|p| {
                if p.contains(['*', '?']) {
                    glob(p.as_bytes(), id.as_bytes())
                } else {
                    id.starts_with(p.as_str())
                }
            })
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
    }
}
