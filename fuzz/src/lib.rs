//! The bodies of the fuzz targets: one function per untrusted input, each a
//! few lines over imgsig's public API. `fuzz_targets/*.rs` wrap them for
//! libFuzzer; `harness/tests/fuzz_smoke.rs` includes this file and replays
//! every seed (`fuzz/seeds/<target>/`) and every regression
//! (`fuzz/regressions/<target>/`) through them on stable Rust, plus
//! pseudo-random inputs.
//!
//! Every function must return normally for any input: a panic (an
//! assertion of an invariant included) is a bug.

#[path = "client.rs"]
mod client;
#[path = "crypto.rs"]
mod crypto;
#[path = "json.rs"]
mod json;
#[path = "mocks.rs"]
mod mocks;

pub use client::{
    adapter_answer, barbican_answer, clouds_yaml, corpus_json, glance_answer, keystone_token,
};
pub use crypto::{
    base64_lenient, certificate, der_signature, properties, pss_decode, trust_chain, verify,
    verify_keys, verify_verdict,
};
pub use mocks::{mock_barbican, mock_glance, mock_keystone};

/// A target's body: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// Every target: its name (as cargo-fuzz, `fuzz/seeds/` and
/// `fuzz/regressions/` know it) and its body.
pub const TARGETS: [(&str, Target); 17] = [
    ("base64_lenient", base64_lenient),
    ("properties", properties),
    ("der_signature", der_signature),
    ("pss_decode", pss_decode),
    ("certificate", certificate),
    ("verify", verify),
    ("verify_keys", verify_keys),
    ("trust_chain", trust_chain),
    ("keystone_token", keystone_token),
    ("glance_answer", glance_answer),
    ("barbican_answer", barbican_answer),
    ("clouds_yaml", clouds_yaml),
    ("adapter_answer", adapter_answer),
    ("corpus_json", corpus_json),
    ("mock_keystone", mock_keystone),
    ("mock_barbican", mock_barbican),
    ("mock_glance", mock_glance),
];
