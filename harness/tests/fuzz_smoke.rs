//! The fuzz targets on stable Rust, in the default test run, without
//! libFuzzer: every committed seed (`fuzz/seeds/<target>/`) and every
//! regression (`fuzz/regressions/<target>/`, a minimised crashing input
//! kept after its fix) goes through the very function the libFuzzer target
//! calls, then mutations of the seeds and plain pseudo-random inputs. None
//! may panic. `cargo xtask fuzz` does the real fuzzing.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// Pseudo-random inputs per target, on top of the seeds and regressions.
const INPUTS: usize = 2000;

fn fuzz_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(sub)
}

/// The files of a directory, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
}

fn subdirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.expect("entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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

fn run(name: &str, target: targets::Target, input: &[u8], what: &str) {
    if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
        panic!("{name} panicked on {what}: {}", hex::encode(input));
    }
}

/// Seeds, regressions, mutated seeds and random bytes through one target.
fn exercise(name: &str) {
    let (_, target) = targets::TARGETS
        .into_iter()
        .find(|(n, _)| *n == name)
        .expect("a known target");
    let seeds: Vec<Vec<u8>> = files(&fuzz_dir("seeds").join(name))
        .iter()
        .map(|p| std::fs::read(p).expect("read seed"))
        .collect();
    assert!(!seeds.is_empty(), "no seeds for {name}");
    for (i, seed) in seeds.iter().enumerate() {
        run(name, target, seed, &format!("seed {i}"));
    }
    for path in files(&fuzz_dir("regressions").join(name)) {
        let input = std::fs::read(&path).expect("read regression");
        run(name, target, &input, &path.display().to_string());
    }
    let mut rng = StdRng::seed_from_u64(0xf022);
    for i in 0..INPUTS {
        let input = if i % 2 == 0 {
            mutate(&mut rng, &seeds[i / 2 % seeds.len()])
        } else {
            let mut bytes = vec![0u8; rng.gen_range(0..600)];
            rng.fill_bytes(&mut bytes);
            bytes
        };
        run(name, target, &input, "a generated input");
    }
}

#[test]
fn every_target_has_seeds_and_every_seed_or_regression_dir_a_target() {
    let mut names: Vec<String> = targets::TARGETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort();
    assert_eq!(subdirs(&fuzz_dir("seeds")), names);
    for dir in subdirs(&fuzz_dir("regressions")) {
        assert!(
            names.contains(&dir),
            "fuzz/regressions/{dir}: no such target"
        );
    }
    // And every target is a cargo-fuzz binary.
    let manifest = std::fs::read_to_string(fuzz_dir("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in &names {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
    }
}

/// The committed corpus loads and re-serialises to the very document.
#[test]
fn the_committed_corpus_re_serialises_to_the_same_document() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors/imgsig-vectors.json");
    let text = std::fs::read_to_string(path).expect("the corpus");
    let corpus = imgsig::cases::corpus::Corpus::parse(&text).expect("it loads");
    let again = serde_json::to_string_pretty(&corpus).expect("it serialises");
    assert_eq!(again.trim_end(), text.trim_end());
}

macro_rules! replay {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                exercise(stringify!($name));
            }
        )*
    };
}

replay!(
    base64_lenient,
    properties,
    der_signature,
    pss_decode,
    certificate,
    verify,
    verify_keys,
    trust_chain,
    keystone_token,
    glance_answer,
    barbican_answer,
    clouds_yaml,
    adapter_answer,
    corpus_json,
    mock_keystone,
    mock_barbican,
    mock_glance,
);

/// The `verify` seeds named `valid-*` (`fuzz/seeds/make-verify-seeds.sh`)
/// are good signatures by the pinned keys: the default verifier accepts
/// each, so the fuzzer starts from the accepting path.
#[test]
fn the_valid_verify_seeds_are_accepted() {
    let seeds: Vec<PathBuf> = files(&fuzz_dir("seeds").join("verify"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("valid-"))
        })
        .collect();
    assert!(seeds.len() >= 5, "the valid seeds are missing");
    for path in seeds {
        let input = std::fs::read(&path).expect("read seed");
        assert_eq!(
            targets::verify_verdict(&input),
            Some(Ok(())),
            "{} is not accepted",
            path.display()
        );
    }
}
