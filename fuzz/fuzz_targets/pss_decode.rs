#![no_main]
//! Fuzz target: see [`imgsig_fuzz::pss_decode`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::pss_decode(data));
