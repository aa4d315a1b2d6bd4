//! imgsig: conformance harness for OpenStack image signature verification.
//!
//! Data flows one way: the contract ([`spec`]) → keys and signatures
//! ([`crypto`]) → the reference verifier ([`verify`]).

pub mod cases;
pub mod crypto;
pub mod outcome;
pub mod report;
pub mod run;
mod error;
pub mod spec;
pub mod target;
pub mod trust;
pub mod verify;

pub use error::{Error, Result};
