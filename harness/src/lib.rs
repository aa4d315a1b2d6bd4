//! imgsig: conformance harness for OpenStack image signature verification.
//!
//! Data flows one way: the contract ([`spec`], the `imgsig-contract` crate)
//! → keys, signatures and the reference verifier ([`crypto`], [`verify`],
//! [`trust`], the `imgsig-crypto` crate) → the case catalogue ([`cases`]) →
//! targets ([`targets`]) → the runner and its outcomes ([`run`],
//! [`outcome`]) → reports ([`report`]). The OpenStack client
//! ([`openstack`]) is what the OpenStack target talks through; [`cli`] is
//! the `imgsig` command line (and the session `cargo xtask` shares).

pub use imgsig_contract as spec;
pub use imgsig_crypto as crypto;
pub use imgsig_crypto::{trust, verify};

pub mod cases;
pub mod cli;
mod error;
pub mod files;
pub mod openstack;
pub mod outcome;
pub mod report;
pub mod run;
pub mod tag;
pub mod targets;

pub use error::{Error, Result};
