#!/usr/bin/env bash
# Generates include/resale.h from the crate with cbindgen. PHP's FFI reads
# this same file (bindings/php/src/resale.h is a link to it) and drops the
# preprocessor lines FFI::cdef rejects when it loads (Resale\Declarations).
#
#   ffi/generate-header.sh          # write the header
#   ffi/generate-header.sh --check  # fail if the committed header differs
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cbindgen --quiet --config ffi/cbindgen.toml --crate resale-ffi --output "$tmp/resale.h" ffi

committed=ffi/include/resale.h php=bindings/php/src/resale.h
if [ "${1:-}" = "--check" ]; then
  status=0
  if ! diff -u "$committed" "$tmp/resale.h" >/dev/null 2>&1; then
    echo "$committed differs from a fresh cbindgen generation; run ffi/generate-header.sh and commit it" >&2
    diff -u "$committed" "$tmp/resale.h" | head -40 >&2 || true
    status=1
  fi
  # PHP must read these bytes, not a copy that can drift.
  if [ "$(readlink "$php")" != ../../../ffi/include/resale.h ]; then
    echo "$php must be a link to ../../../ffi/include/resale.h (PHP reads the C header itself)" >&2
    status=1
  fi
  exit $status
fi
cp "$tmp/resale.h" "$committed"
