//! The OpenStack HTTP target: Keystone v3 for a token and the catalog,
//! Barbican v1 for the certificate secret, Glance v2 for the image. Works
//! the same against a live cloud and against the mocks.
//!
//! Everything a case creates carries the run tag in its name and is
//! deleted after the case (unless `--keep`); [`OpenStack::sweep`] deletes
//! leftovers of one run and never anything else.

mod client;
mod config;
mod keystone;
mod message;

pub use client::{OpenStack, Response, Tls};
pub use config::{find_cloud, Cloud};
pub use keystone::{Credentials, Interface};
pub use message::error_message;
