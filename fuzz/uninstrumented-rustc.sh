#!/usr/bin/env bash
# RUSTC_WRAPPER for fuzz builds (`cargo xtask fuzz`, .clusterfuzzlite/build.sh):
# compiles the crates below without coverage instrumentation by appending
# -sanitizer-coverage-level=0 after cargo-fuzz's flags (LLVM takes the last
# one; a profile's rustflags would come before RUSTFLAGS and lose). Cargo
# does not fingerprint a wrapper: the builds that use it also add
# `--cfg imgsig_fuzz_wrapper` to RUSTFLAGS, so a build without it is never
# reused.
#
# Big-number and field arithmetic, hashing: their edges say nothing about
# the input (every input runs the same modular exponentiation), and the
# comparison hooks in their inner loops took 60-80 % of the time of the
# key-dependent targets (perf on `verify` and `verify_keys`). The parsing
# crates (rsa, dsa, ecdsa, der, spki, pkcs1, pkcs8, sec1, x509-cert) stay
# instrumented: reading keys and signatures is what the targets explore.
# Also the async runtime and what the targets link but never explore, so
# libFuzzer scans fewer counters after each run; the HTTP server side the
# mocks are reached through (axum, matchit, http, httparse,
# percent-encoding, serde_urlencoded) stays instrumented.
uninstrumented=" num_bigint_dig num_integer num_traits num_iter crypto_bigint primeorder
  p384 p521 elliptic_curve ff group sha2 block_buffer digest subtle
  tokio mio hyper hyper_util reqwest native_tls futures_util futures_channel tower
  tower_http tracing tracing_core clap clap_builder anstream console indicatif
  icu_collections icu_normalizer icu_properties idna url zerovec rand rand_chacha
  ppv_lite86 tempfile rustix uuid hashbrown indexmap socket2 "
rustc=$1
shift
crate=
previous=
for arg in "$@"; do
  [ "$previous" = --crate-name ] && crate=$arg
  previous=$arg
done
if [ -n "$crate" ]; then
  case "$uninstrumented" in
    *[[:space:]]"$crate"[[:space:]]*) exec "$rustc" "$@" -Cllvm-args=-sanitizer-coverage-level=0 ;;
  esac
fi
exec "$rustc" "$@"
