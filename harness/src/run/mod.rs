//! The runner: runs cases against a target, judges what it saw, and builds
//! the [`RunReport`](crate::outcome::RunReport).

mod expected;
mod tag;

pub use expected::ExpectedFailures;
pub use tag::{created_by, new_run_tag, object_name, NAME_PREFIX};
