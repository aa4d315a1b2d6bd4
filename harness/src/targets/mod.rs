//! Targets: what the cases run against, behind one trait. A target makes
//! an [`Attempt`] per case; the attempt talks to the implementation and
//! reports what it observed, and tracks what it created. The runner owns
//! concurrency, timeouts and cleanup: it runs the attempt, then asks it to
//! delete what it created (or to keep it) and reports what could not be
//! deleted.
//!
//! Implementations: [`OpenStackTarget`] (Barbican and Glance, a live cloud
//! or the mocks), [`AdapterTarget`] (the shim protocol) and
//! [`ConsumerTarget`] (Nova's side: a consumer decides on images the
//! attempt put on a cloud).

pub mod adapter;
pub mod consumer;
mod openstack;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::cases::RunnableCase;
use crate::spec::{Observed, Profile};
use crate::tag::RunTag;

pub use adapter::AdapterTarget;
pub use consumer::ConsumerTarget;
pub use openstack::OpenStackTarget;

/// What a target needs to know to run a case.
#[derive(Debug, Clone)]
pub struct CaseContext {
    /// The profile the run holds the target to (adapters that model several
    /// profiles are told which).
    pub profile: Profile,
    /// The run tag every created name carries.
    pub run_tag: RunTag,
    /// The time limit of the case (adapters pass it on to their process).
    pub timeout: std::time::Duration,
}

/// One request/response exchange kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// `PUT http://…/v2/images/…/file`, or the adapter command line.
    pub request: String,
    /// HTTP status, if there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The start of the response body (secrets redacted).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body_excerpt: String,
}

/// Something a case created that its cleanup could not delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leftover {
    /// The case that created it.
    pub case_id: String,
    /// What it is: `image imgsig-r1a2b3c4d-sig.x (id)`, a file path …
    pub what: String,
    /// Why it could not be deleted.
    pub reason: String,
    /// The command a person would type to delete it.
    pub delete_command: String,
}

/// Something the cases run against.
pub trait Target: Send + Sync {
    /// A line naming the target for reports.
    fn describe(&self) -> String;

    /// Whether the target can be reached at all, before any case runs
    /// (an error says what could not be reached).
    fn preflight(&self) -> BoxFuture<'_, crate::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// A fresh attempt at the case `case_id`.
    fn attempt(&self, case_id: &str) -> Box<dyn Attempt>;

    /// The command that deletes whatever run `tag` left behind, if this kind
    /// of target can leave anything.
    fn sweep_command(&self, tag: &RunTag) -> Option<String>;
}

/// One case against one target. It tracks what it creates from the start,
/// so the runner can clean up even after a timeout cut [`Attempt::run`]
/// short.
pub trait Attempt: Send + Sync {
    /// Run the case; never fails (a failure to run is an
    /// [`Observed::Error`]).
    fn run<'a>(
        &'a self,
        case: &'a dyn RunnableCase,
        context: &'a CaseContext,
    ) -> BoxFuture<'a, Observed>;

    /// The exchanges behind the observation so far.
    fn evidence(&self) -> Vec<Evidence>;

    /// Delete what the attempt created; what could not be deleted.
    fn cleanup(&self) -> BoxFuture<'_, Vec<Leftover>>;

    /// Keep what the attempt created (`--keep`) and forget it.
    fn keep(&self);

    /// Whether [`Attempt::run`] failed because the target could not be
    /// reached or did not answer in time (counted by the runner's breaker,
    /// `crate::run::breaker`).
    fn unreachable(&self) -> bool {
        false
    }
}
