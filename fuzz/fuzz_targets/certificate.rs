#![no_main]
//! Fuzz target: see [`imgsig_fuzz::certificate`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::certificate(data));
