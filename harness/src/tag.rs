//! Run tags: every name a run creates on a target carries one
//! (`imgsig-<tag>-<case>`), so a sweep finds the leftovers of exactly that
//! run and nothing else.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The prefix of every name the harness creates.
pub const NAME_PREFIX: &str = "imgsig-";

/// A run tag: ASCII letters and digits only, so one tag's names can never
/// look like another's (`imgsig-r1-…` vs `imgsig-r1-x-…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunTag(String);

impl RunTag {
    /// The longest tag accepted.
    pub const MAX_LEN: usize = 32;

    /// Check a tag given by a person (`imgsig cleanup --run TAG`).
    pub fn new(tag: &str) -> Result<RunTag> {
        if tag.is_empty()
            || tag.len() > Self::MAX_LEN
            || !tag.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::Config(format!(
                "invalid run tag {tag:?}: use 1 to {} ASCII letters and digits, as printed \
                 by the run (e.g. r1a2b3c4d)",
                Self::MAX_LEN
            )));
        }
        Ok(RunTag(tag.to_owned()))
    }

    /// A fresh random tag: `r` and eight hex digits.
    pub fn generate() -> RunTag {
        RunTag(format!("r{:08x}", rand::thread_rng().gen::<u32>()))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of an object created for `case` in this run.
    pub fn name(&self, case: &str) -> String {
        format!("{}{case}", self.prefix())
    }

    /// The prefix every name of this run starts with.
    pub fn prefix(&self) -> String {
        format!("{NAME_PREFIX}{}-", self.0)
    }

    /// Whether this run created an object called `name`.
    pub fn owns(&self, name: &str) -> bool {
        name.starts_with(&self.prefix())
    }
}

impl std::fmt::Display for RunTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RunTag {
    type Error = Error;

    fn try_from(tag: String) -> Result<RunTag> {
        RunTag::new(&tag)
    }
}

impl From<RunTag> for String {
    fn from(tag: RunTag) -> String {
        tag.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_tag_and_only_that_tag_matches() {
        let tag = RunTag::generate();
        assert_eq!(tag.as_str().len(), 9);
        let name = tag.name("sig.x");
        assert!(tag.owns(&name));
        assert!(!RunTag::new("r0").expect("tag").owns(&name));
        let short = RunTag::new("r123456").expect("tag");
        assert!(!short.owns("imgsig-r1234567-x"));
        assert!(!tag.owns("someone-elses-image"));
    }
}
