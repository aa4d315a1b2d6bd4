//! The runner: runs cases against a target, judges what it saw, and builds
//! the [`RunReport`](crate::outcome::RunReport).

pub mod breaker;
mod expected;
mod progress;
mod runner;

pub use expected::ExpectedFailures;
pub use runner::{run_cases, RunOptions};
