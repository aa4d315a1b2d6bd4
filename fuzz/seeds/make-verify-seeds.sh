#!/usr/bin/env bash
# Regenerate the `verify` target's seeds: one good signature per pinned
# certificate of `fuzz/src/crypto.rs` (CERTIFICATES, the vectors' keys),
# laid out as the target reads its input: certificate index, hash index,
# profile index (0 glance-current, 1 glance-legacy: binary curves), chunk size - 1, signature length
# (big-endian u16), the signature, the image. RSA signs RSA-PSS with the
# maximum salt. `harness/tests/fuzz_smoke.rs` checks that every `valid-*`
# seed is accepted. Needs `openssl`; run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
keys="$here/../../vectors/keys"
out="$here/verify"
image="imgsig fuzz seed: the image the verify target's seeds sign."
# index key hash hash-index profile-index
seeds=(
  "0 rsa-1024 SHA-512 3 0"
  "0 rsa-1024 SHA-256 1 0"
  "1 ecc-secp384r1 SHA-384 2 0"
  "2 ecc-secp521r1 SHA-512 3 0"
  "3 ecc-sect409r1 SHA-256 1 1"
  "4 dsa-1024-160 SHA-224 0 0"
)
rm -f "$out"/valid-*
for seed in "${seeds[@]}"; do
  read -r index key hash hash_index profile <<<"$seed"
  pss=()
  [[ $key == rsa-* ]] && pss=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:max)
  sig="$(mktemp)"
  printf '%s' "$image" | openssl dgst "-${hash/-/}" -sign "$keys/$key.pem" "${pss[@]}" -out "$sig"
  len=$(stat -c %s "$sig")
  name="$out/valid-$key-$hash"
  printf "\\x$(printf %02x "$index")\\x$(printf %02x "$hash_index")\\x$(printf %02x "$profile")\\x3f\\x$(printf %02x $((len >> 8)))\\x$(printf %02x $((len & 255)))" >"$name"
  cat "$sig" >>"$name"
  printf '%s' "$image" >>"$name"
  rm -f "$sig"
done
