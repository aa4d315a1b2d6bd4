#![no_main]
//! Fuzz target: see [`imgsig_fuzz::der_signature`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::der_signature(data));
