#![no_main]
//! Fuzz target: see [`imgsig_fuzz::base64_lenient`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::base64_lenient(data));
