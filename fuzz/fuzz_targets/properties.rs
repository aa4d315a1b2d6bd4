#![no_main]
//! Fuzz target: see [`imgsig_fuzz::properties`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::properties(data));
