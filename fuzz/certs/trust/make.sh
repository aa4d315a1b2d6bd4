#!/usr/bin/env bash
# Regenerate the pinned certificates of the `trust_chain` target: two
# roots, an intermediate, leaves, and the odd ones cursive's rules care
# about. Valid for a century except `expired-int` (one day); the target
# validates at fixed times. RSA-1024 keys (fast; the size does not matter
# to chain building), one EC leaf. Needs `openssl`.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/$1.key" 2>/dev/null; }
ext() { printf '%s\n' "[x]" "$@" > "$tmp/ext"; }
issued() { # name subject issuer days serial extensions...
  local name=$1 subj=$2 issuer=$3 days=$4 serial=$5; shift 5
  [ -f "$tmp/$name.key" ] || key "$name"
  ext "$@"
  openssl req -new -key "$tmp/$name.key" -subj "$subj" -out "$tmp/$name.csr"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$issuer.pem" -CAkey "$tmp/$issuer.key" \
    -days "$days" -set_serial "$serial" -extfile "$tmp/ext" -extensions x -out "$name.pem" 2>/dev/null
}
ca="basicConstraints=critical,CA:TRUE"
sign="keyUsage=critical,keyCertSign,digitalSignature"
# root-a: CA, pathlen 1; int-a under it (pathlen 0); leaf-a under int-a.
key root-a; ext "$ca,pathlen:1" "$sign"
openssl req -x509 -new -key "$tmp/root-a.key" -subj "/CN=imgsig fuzz root A" -days 36500 \
  -set_serial 1 -extensions x -config <(printf '%s\n' "[req]" "distinguished_name=dn" "[dn]"; cat "$tmp/ext") -out root-a.pem
issued int-a "/CN=imgsig fuzz intermediate A" root-a 36500 2 "$ca,pathlen:0" "$sign"
issued leaf-a "/CN=imgsig fuzz leaf A" int-a 36500 3 "keyUsage=digitalSignature"
# root-b: CA without pathlen (cursive: TypeError); int-b and leaf-b under it.
key root-b; ext "$ca" "$sign"
openssl req -x509 -new -key "$tmp/root-b.key" -subj "/CN=imgsig fuzz root B" -days 36500 \
  -set_serial 1 -extensions x -config <(printf '%s\n' "[req]" "distinguished_name=dn" "[dn]"; cat "$tmp/ext") -out root-b.pem
issued leaf-b "/CN=imgsig fuzz leaf B" root-b 36500 4 "keyUsage=digitalSignature"
# root-a-twin: root A's subject, another key.
key root-a-twin; ext "$ca,pathlen:1" "$sign"
openssl req -x509 -new -key "$tmp/root-a-twin.key" -subj "/CN=imgsig fuzz root A" -days 36500 \
  -set_serial 9 -extensions x -config <(printf '%s\n' "[req]" "distinguished_name=dn" "[dn]"; cat "$tmp/ext") -out root-a-twin.pem
# A CA under root A without keyCertSign, one that expires after a day,
# and a leaf under int-a with an EC key.
issued int-nosign "/CN=imgsig fuzz intermediate nosign" root-a 36500 5 "$ca,pathlen:0" "keyUsage=critical,digitalSignature"
issued expired-int "/CN=imgsig fuzz intermediate expired" root-a 1 6 "$ca,pathlen:0" "$sign"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/leaf-ec.key" 2>/dev/null
issued leaf-ec "/CN=imgsig fuzz leaf EC" int-a 36500 7 "keyUsage=digitalSignature"
# A leaf whose issuer is the expired intermediate.
issued leaf-expired-int "/CN=imgsig fuzz leaf under expired" expired-int 36500 8 "keyUsage=digitalSignature"
