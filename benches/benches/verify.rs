//! Verify throughput of the reference verifier, and the raw hashing speed of
//! each backend underneath it, on 64 MiB of generated data.
//!
//! `cargo bench -p imgsig-benches --bench verify`. The verifier is fed in
//! [`CHUNK_SIZE`] blocks, as `imgsig verify` reads a file; RSA-2048 and
//! P-384, SHA-256 and SHA-512, with the default split (OpenSSL hashes, the
//! key's preferred backend checks) and with each backend alone.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use imgsig::crypto::{digest_bytes, BackendKind, KeySpec, PrivateKey, PublicKey, CHUNK_SIZE};
use imgsig::spec::{
    Base64Mode, Curve, HashMethod, Profile, PssSignSalt, Request, SignatureProperties,
};
use imgsig::verify::UploadVerifier;
use rand::{rngs::StdRng, RngCore, SeedableRng};

/// How much data each iteration hashes.
const DATA_LEN: usize = 64 << 20;
const SEED: u64 = 0x1a5_5e1f;
const KEYS: [KeySpec; 2] = [KeySpec::Rsa(2048), KeySpec::Ec(Curve::Secp384r1)];
const HASHES: [HashMethod; 2] = [HashMethod::Sha256, HashMethod::Sha512];

fn data() -> Vec<u8> {
    let mut data = vec![0u8; DATA_LEN];
    StdRng::seed_from_u64(SEED).fill_bytes(&mut data);
    data
}

/// A key, its public half, and the parsed properties of a valid signature
/// over `data`.
struct Signed {
    public: PublicKey,
    props: SignatureProperties,
}

fn sign(spec: KeySpec, hash: HashMethod, data: &[u8]) -> Signed {
    let key = PrivateKey::generate(spec).expect("keygen");
    let backend = BackendKind::for_algorithm(key.algorithm()).backend();
    let digest = digest_bytes(backend, hash, data).expect("digest");
    let signature = backend
        .sign_digest(&key, hash, &digest, PssSignSalt::Max)
        .expect("sign");
    let profile = Profile::GlanceCurrent;
    let map = SignatureProperties::to_map(&signature, hash, spec.key_type(), "bench", profile);
    let Ok(Request::Verify(props)) = SignatureProperties::parse(&map, profile, Base64Mode::Lenient)
    else {
        panic!("the properties of a fresh signature do not parse");
    };
    Signed {
        public: key.public_key().expect("public key"),
        props,
    }
}

fn verify(c: &mut Criterion) {
    let data = data();
    let mut group = c.benchmark_group("verify");
    group
        .throughput(Throughput::Bytes(DATA_LEN as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for spec in KEYS {
        for hash in HASHES {
            let signed = sign(spec, hash, &data);
            for backend in [None].into_iter().chain(BackendKind::ALL.map(Some)) {
                let name = backend.map_or("default", BackendKind::name);
                let id = BenchmarkId::new(format!("{spec}/{hash}"), name);
                group.bench_function(id, |b| {
                    b.iter(|| {
                        let salt = Profile::GlanceCurrent.pss_verify_salt();
                        let mut v = UploadVerifier::with_public_key(
                            signed.props.clone(),
                            signed.public.clone(),
                            salt,
                        )
                        .expect("verifier");
                        if let Some(backend) = backend {
                            v = v.using(backend);
                        }
                        for chunk in data.chunks(CHUNK_SIZE) {
                            v.update(chunk);
                        }
                        v.finish().expect("the signature verifies");
                    });
                });
            }
        }
    }
    group.finish();
}

fn hash(c: &mut Criterion) {
    let data = data();
    let mut group = c.benchmark_group("hash");
    group
        .throughput(Throughput::Bytes(DATA_LEN as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for hash in HASHES {
        for backend in BackendKind::ALL {
            let id = BenchmarkId::new(hash.as_str(), backend);
            group.bench_function(id, |b| {
                b.iter(|| {
                    let mut hasher = backend.backend().hasher(hash);
                    for chunk in data.chunks(CHUNK_SIZE) {
                        hasher.update(chunk);
                    }
                    hasher.finalize().expect("digest")
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, verify, hash);
criterion_main!(benches);
