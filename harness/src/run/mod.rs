//! The runner: runs cases against a target, judges what it saw, and builds
//! the [`RunReport`](crate::outcome::RunReport).

mod case;
mod expected;
mod runner;
pub mod session;
mod tag;

pub use case::{RunnableCase, Secret};
pub use expected::ExpectedFailures;
pub use runner::{run_cases, RunOptions};
pub use tag::{created_by, new_run_tag, object_name, NAME_PREFIX};
