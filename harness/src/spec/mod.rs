//! The contract, as data: property names, hash methods, key types, PSS salt
//! policies, profiles and the reasons upstream gives for a rejection.
//!
//! Every other module speaks in these types. This module knows nothing of
//! cryptography, HTTP or files.

pub mod base64;
mod hash;
mod key_type;
mod profile;
pub mod properties;
mod pss;
mod rejection;

pub use hash::HashMethod;
pub use key_type::{Curve, KeyFamily, KeyType, KeyTypeSpelling};
pub use profile::{FailedUpload, Profile};
pub use properties::{Base64Mode, PropertyMap, PropertySource, Request, SignatureProperties};
pub use pss::{em_len, max_salt_len, PssSignSalt, PssVerifySalt};
pub use rejection::Rejection;
