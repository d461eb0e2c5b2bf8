#!/usr/bin/env bash
# Prints how many shared vectors each binding passed (written by each suite
# into target/vector-counts/) and fails unless every binding ran them all.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/vector-counts
expected=$(python3 -c "
import json, pathlib
print(sum(len(json.loads(p.read_text())['cases']) for p in pathlib.Path('tests/vectors').rglob('*.json') if 'policies' not in p.parts))")
echo "shared vectors: $expected cases"
status=0
for binding in rust-core c-abi php-ffi wasm-in-node worker-in-workerd fastly-in-viceroy; do
  if [ ! -f "$dir/$binding.txt" ]; then echo "  $binding: did not run"; status=1; continue; fi
  IFS=$'\t' read -r name total failed < "$dir/$binding.txt"
  echo "  $name: $((total - failed)) passed of $total run"
  { [ "$total" = "$expected" ] && [ "$failed" = 0 ]; } || status=1
done
exit $status
