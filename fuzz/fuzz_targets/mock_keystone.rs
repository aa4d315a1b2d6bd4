#![no_main]
//! Fuzz target: see [`imgsig_fuzz::mock_keystone`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::mock_keystone(data));
