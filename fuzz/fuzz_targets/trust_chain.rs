#![no_main]
//! Fuzz target: see [`imgsig_fuzz::trust_chain`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::trust_chain(data));
