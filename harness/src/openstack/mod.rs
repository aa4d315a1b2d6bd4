//! An async OpenStack client for the conformance runner: Keystone v3 for a
//! token and the catalog, Barbican v1 for certificate secrets, Glance v2
//! for images. Works the same against a live cloud and against the mocks.
//!
//! ```text
//! config (clouds.yaml, secure.yaml, OS_*)  ->  Client::connect  ->  keystone + catalog
//!                                                 |  (or Client::direct: URLs and a token)
//!                                                 v
//!   client.scope()  ->  store_certificate / create_image / upload / image / download_status
//!                       (every exchange recorded as redacted Exchange evidence)
//!   scope.cleanup().run()  ->  deletes what that scope created, images before secrets
//!   client.sweep(&tag)     ->  deletes leftovers named imgsig-<tag>-…, nothing else
//! ```
//!
//! Invariants:
//! - Outside input never panics: bodies, headers and YAML are parsed
//!   defensively; every error is a [`crate::Error`] whose message says what
//!   to check, and failed calls carry their [`Exchange`].
//! - Evidence never holds a secret: the password and every token are
//!   redacted from URLs, headers and bodies ([`Redactor`]).
//! - Image data is streamed, never held whole; uploads are never retried
//!   (a stream cannot be replayed). Other requests are retried only for
//!   transient failures ([`retry`]).
//! - The token goes only to the origins of the endpoints the client was
//!   given; `next` links and redirects to another origin are not followed
//!   (`origin`).
//! - Nothing is deleted unless this run created it: the cleanup registry
//!   holds what a scope created; the sweep matches the run tag in the name.

mod barbican;
mod catalog;
mod cleanup;
mod client;
mod config;
mod consumer;
mod evidence;
mod failure;
mod glance;
mod keystone;
mod origin;
pub mod retry;
mod transport;

pub use barbican::{secret_id, NewSecret, SecretInfo, SecretRef};
pub use catalog::{base_url, Catalog, Endpoint, Interface, Service};
pub use cleanup::{Cleanup, CleanupReport, Resource};
pub use client::{Client, ClientOptions, DirectEndpoints};
pub use config::{cloud_name, CloudConfig, Lookup, Tls};
pub use evidence::{
    error_message, Exchange, Redactor, BODY_EXCERPT_CHARS, HEADERS_OF_INTEREST, REDACTED,
};
pub use failure::{ApiFailure, KeystoneRefusal, TransportFailure};
pub use glance::{
    blocking_reader_stream, next_page, reader_stream, DataCheck, DataStream, Image, ImportMethod,
    NewImage, PatchOp, Task, Upload,
};
pub use keystone::{parse_timestamp, Credential, DomainRef, KeystoneAuth, ProjectScope, UserRef};
pub use retry::{RetryPolicy, Timeouts};
