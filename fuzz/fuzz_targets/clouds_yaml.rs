#![no_main]
//! Fuzz target: see [`imgsig_fuzz::clouds_yaml`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::clouds_yaml(data));
