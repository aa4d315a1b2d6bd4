//! imgsig: conformance harness for OpenStack image signature verification.
//!
//! Data flows one way: the contract ([`spec`]) → keys and signatures
//! ([`crypto`]) → the reference verifier ([`verify`]).

pub mod cases;
pub mod crypto;
mod error;
pub mod openstack;
pub mod outcome;
pub mod report;
pub mod run;
pub mod spec;
pub mod target;
pub mod trust;
pub mod verify;

pub use error::{Error, Result};
