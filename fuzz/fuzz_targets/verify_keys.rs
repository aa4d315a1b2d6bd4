#![no_main]
//! Fuzz target: see [`imgsig_fuzz::verify_keys`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::verify_keys(data));
