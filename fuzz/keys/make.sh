#!/usr/bin/env bash
# Regenerate the extra pinned keys of the `verify_keys` target (the rest
# come from vectors/keys/, the one set of pinned test keys): sizes and encodings the catalogue does not
# have. Test keys, never secrets. Run from anywhere; needs `openssl`.
set -euo pipefail
cd "$(dirname "$0")"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4097 -out rsa-4097.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1025 -pkeyopt rsa_keygen_pubexp:3 -out rsa-1025-e3.pem
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:1024 -out rsa-pss-oid-1024.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecc-prime256v1.pem
