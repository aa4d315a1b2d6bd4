//! The fuzz targets on stable Rust, in the default test run: every committed
//! seed under `fuzz/seeds/<target>/`, mutations of those seeds and plain
//! pseudo-random inputs go through the very functions the libFuzzer targets
//! call, and none may panic. `cargo xtask fuzz` does the real fuzzing.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// Pseudo-random inputs per target, on top of the seeds.
const INPUTS: usize = 3000;

fn seed_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target)
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = seed_dir(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("seed entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("read seed"))
        .collect()
}

/// A seed with a few random edits: byte flips, insertions, deletions, a
/// truncation.
fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut input = seed.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let at = rng.gen_range(0..=input.len());
        match rng.gen_range(0..4) {
            0 if at < input.len() => input[at] ^= 1 << rng.gen_range(0..8),
            1 => input.insert(at, rng.gen()),
            2 if at < input.len() => {
                input.remove(at);
            }
            _ => input.truncate(at),
        }
    }
    input
}

/// Seeds, mutated seeds and random bytes through one target.
fn exercise(name: &str) {
    let (_, target) = targets::TARGETS
        .into_iter()
        .find(|(n, _)| *n == name)
        .expect("a known target");
    let seeds = seeds(name);
    assert!(!seeds.is_empty(), "no seeds for {name}");
    let mut rng = StdRng::seed_from_u64(0xf022);
    let mut inputs = seeds.clone();
    for i in 0..INPUTS {
        inputs.push(if i % 2 == 0 {
            mutate(&mut rng, &seeds[i / 2 % seeds.len()])
        } else {
            let mut bytes = vec![0u8; rng.gen_range(0..600)];
            rng.fill_bytes(&mut bytes);
            bytes
        });
    }
    for input in inputs {
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            panic!("{name} panicked on input {}", hex::encode(&input));
        }
    }
}

#[test]
fn every_target_has_seeds_and_every_seed_dir_a_target() {
    let mut dirs: Vec<String> = std::fs::read_dir(seed_dir(""))
        .expect("fuzz/seeds")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut names: Vec<String> = targets::TARGETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort();
    assert_eq!(dirs, names);
}

#[test]
fn base64_lenient() {
    exercise("base64_lenient");
}

#[test]
fn properties() {
    exercise("properties");
}

#[test]
fn der_signature() {
    exercise("der_signature");
}

#[test]
fn pss_decode() {
    exercise("pss_decode");
}

#[test]
fn certificate() {
    exercise("certificate");
}

#[test]
fn verify() {
    exercise("verify");
}
