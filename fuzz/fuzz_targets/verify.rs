#![no_main]
//! Fuzz target: see [`imgsig_fuzz::verify`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::verify(data));
