//! What happened to each case, judged against what each profile expects,
//! and which profile the target as a whole behaves like.
//!
//! This is the one outcome model every report renders. It knows the case
//! catalogue only through plain values (ids, expectations), so a report can
//! be rebuilt from JSON without the cases that produced it.

mod detect;
mod judge;
mod model;

pub use detect::{detect_profile, Aspect, AspectReading, ProfileDetection, ProfileMatch};
pub use judge::judge;
pub use model::{
    CaseOutcome, Evidence, Expected, ImageState, Observed, RunReport, Summary, Verdict,
};
