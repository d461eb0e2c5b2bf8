#!/usr/bin/env bash
# Prints how many shared vectors each binding passed (written by each suite
# into target/vector-counts/) and fails unless every binding ran them all.
# The gateway vectors (tests/vectors/gateway/: HTTP exchanges) are counted
# apart, per edge: every edge runs all of them, the PHP entry page the /buy ones.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/vector-counts
read -r expected gateway buy < <(python3 -c "
import json, pathlib
def cases(p): return json.loads(p.read_text())['cases']
root = pathlib.Path('tests/vectors')
shared = sum(len(cases(p)) for p in root.rglob('*.json') if not {'policies', 'gateway', 'schema'} & set(p.parts))
gw = [c for p in sorted((root / 'gateway').glob('*.json')) for c in cases(p)]
buy = [c for c in gw if all(s['request']['target'].startswith('/buy') for s in c.get('steps', [c]))]
print(shared, len(gw), len(buy))")
status=0
report() { # file, expected count
  if [ ! -f "$dir/$1.txt" ]; then echo "  $1: did not run"; status=1; return; fi
  IFS=$'\t' read -r name total failed < "$dir/$1.txt"
  echo "  $name: $((total - failed)) passed of $total run"
  { [ "$total" = "$2" ] && [ "$failed" = 0 ]; } || status=1
}
echo "shared vectors: $expected cases"
for binding in rust-core c-abi php-ffi wasm-in-node worker-in-workerd fastly-in-viceroy; do report "$binding" "$expected"; done
echo "gateway vectors: $gateway cases ($buy of them /buy only)"
for edge in worker-in-workerd fastly-in-viceroy nginx; do report "gateway-$edge" "$gateway"; done
report gateway-php-entry-page "$buy"
exit $status
