#![no_main]
//! Fuzz target: see [`imgsig_fuzz::glance_answer`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::glance_answer(data));
