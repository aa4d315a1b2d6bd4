#![no_main]
//! Fuzz target: see [`imgsig_fuzz::barbican_answer`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::barbican_answer(data));
