#!/usr/bin/env bash
# Build every cargo-fuzz target of fuzz/ into $OUT, one binary per target,
# with its seed corpus ($OUT/<target>_seed_corpus.zip) and dictionary
# ($OUT/<target>.dict), as ClusterFuzzLite and OSS-Fuzz expect. Runs in
# their builder image (base-builder-rust: SANITIZER set by the platform) and
# here (`cargo xtask fuzz --check-build`, or OUT=dir SANITIZER=none bash
# .clusterfuzzlite/build.sh).
set -euo pipefail
: "${OUT:?set OUT to the directory that receives the fuzz binaries}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# In the builder image build.sh is copied to $SRC; the sources are in
# $SRC/imgsig.
if [ ! -d "$root/fuzz" ] && [ -d "${SRC:-}/imgsig/fuzz" ]; then
  root="$SRC/imgsig"
fi
cd "$root/fuzz"

# Rust has AddressSanitizer and MemorySanitizer; for the platform's other
# builds (undefined, coverage) the builder's cargo wrapper sets RUSTFLAGS
# itself and cargo-fuzz must not add a sanitizer.
case "${SANITIZER:-address}" in
  address | memory) sanitizer="${SANITIZER:-address}" ;;
  *) sanitizer=none ;;
esac
cargo=(cargo)
if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && command -v rustup >/dev/null \
   && rustup toolchain list | grep -q '^nightly'; then
  cargo=(cargo +nightly)
fi
# Arithmetic and runtime crates without coverage instrumentation (see the
# script).
export RUSTC_WRAPPER="$root/fuzz/uninstrumented-rustc.sh"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg imgsig_fuzz_wrapper"
"${cargo[@]}" fuzz build -O --debug-assertions --sanitizer "$sanitizer"

triple="$(rustc -vV | sed -n 's/^host: //p')"
mkdir -p "$OUT"
for target in $("${cargo[@]}" fuzz list); do
  cp "target/$triple/release/$target" "$OUT/$target"
  if [ -d "seeds/$target" ]; then
    (cd "seeds/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
  if [ -d "regressions/$target" ]; then
    (cd "regressions/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
  if [ -f "dicts/$target.dict" ]; then
    cp "dicts/$target.dict" "$OUT/$target.dict"
  fi
  printf '[libfuzzer]\nmax_len = 8192\n' > "$OUT/$target.options"
done
