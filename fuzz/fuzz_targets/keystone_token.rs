#![no_main]
//! Fuzz target: see [`imgsig_fuzz::keystone_token`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::keystone_token(data));
