#![no_main]
//! Fuzz target: see [`imgsig_fuzz::corpus_json`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| imgsig_fuzz::corpus_json(data));
