//! Run tags: every name a run creates on a target carries one, so a sweep
//! can find leftovers of exactly that run and nothing else.

use rand::Rng;

/// The prefix of every name the harness creates.
pub const NAME_PREFIX: &str = "imgsig-";

/// A fresh run tag: `r` and eight hex digits.
pub fn new_run_tag() -> String {
    format!("r{:08x}", rand::thread_rng().gen::<u32>())
}

/// The name of an object created for `case_id` in run `tag`.
pub fn object_name(tag: &str, case_id: &str) -> String {
    format!("{NAME_PREFIX}{tag}-{case_id}")
}

/// Whether `name` was created by run `tag`.
pub fn created_by(name: &str, tag: &str) -> bool {
    name.strip_prefix(NAME_PREFIX)
        .and_then(|rest| rest.strip_prefix(tag))
        .is_some_and(|rest| rest.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_tag_and_only_that_tag_matches() {
        let tag = new_run_tag();
        assert_eq!(tag.len(), 9);
        let name = object_name(&tag, "sig.x");
        assert!(created_by(&name, &tag));
        assert!(!created_by(&name, "r0"));
        assert!(!created_by("imgsig-r1234567-x", "r123456"));
        assert!(!created_by("someone-elses-image", &tag));
    }
}
