//! The contract of OpenStack image signature verification, as data:
//! property names, hash methods, key types, PSS salt policies, profiles,
//! upstream's lenient base64 and the exact reasons upstream gives for a
//! rejection.
//!
//! Every other crate of imgsig speaks in these types. This crate knows
//! nothing of cryptography, HTTP or files: it depends on serde, thiserror
//! and base64 only, which the architecture test holds it to.

mod aspect;
pub mod base64;
mod chain;
pub mod disk_format;
mod error;
mod hash;
mod key_type;
mod profile;
pub mod properties;
mod pss;
mod rejection;
mod verdict;

pub use aspect::Aspect;
pub use chain::{Chain, ChainDefect, Link};
pub use error::{Error, Result};
pub use hash::HashMethod;
pub use key_type::{Curve, KeyFamily, KeyType, KeyTypeSpelling};
pub use profile::{FailedUpload, Profile};
pub use properties::{Base64Mode, PropertyMap, PropertySource, Request, SignatureProperties};
pub use pss::{
    em_len, max_salt_len, salt_reading, PssSignSalt, PssVerifySalt, NON_MAX_SALT_VERDICT,
};
pub use rejection::Rejection;
pub use verdict::{judge, Expected, ImageState, Observed, Verdict};
