//! The DER structure of DSA and ECDSA signatures, for `imgsig inspect`.
