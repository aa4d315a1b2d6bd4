//! What happened to each case, judged against what each profile expects,
//! and which profile the target as a whole behaves like.
//!
//! This is the one outcome model every report renders. It knows the case
//! catalogue only through plain values (ids, expectations), so a report can
//! be rebuilt from JSON without the cases that produced it.

mod detect;
mod model;

pub use crate::targets::{Evidence, Leftover};
pub use detect::{
    detect_profile, AspectReading, CertificateChecking, CertificateReading, ProfileDetection,
    ProfileMatch,
};
pub use model::{CaseOutcome, Provenance, RunReport, Summary};

// The verdict model and its rule are the contract's; they are re-exported
// here because every report speaks in them.
pub use crate::spec::{judge, Aspect, Expected, ImageState, Observed, Verdict};
