#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with cargo-fuzz on the
# nightly toolchain. New inputs go to target/fuzz-corpus/<target>/ (not
# committed); the committed seeds in fuzz/seeds/<target>/ are read only.
# A crash leaves its input in fuzz/artifacts/<target>/: turn it into a vector.
#
#   scripts/fuzz.sh 600          # ten minutes per target
#   scripts/fuzz.sh 5 rewrite    # one target
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
for t in "${targets[@]}"; do
  mkdir -p "target/fuzz-corpus/$t" "fuzz/seeds/$t"
  echo "fuzz: $t for ${secs}s" >&2
  log="target/fuzz-corpus/$t-${secs}s-$$.log"
  rc=0
  cargo +nightly fuzz run --fuzz-dir fuzz "$t" "target/fuzz-corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  grep -aE '^stat::(number_of_executed_units|peak_rss_mb)' "$log" | sed "s/^/fuzz: $t /" || true
  if [ "$rc" -ne 0 ]; then
    tail -40 "$log" >&2
    echo "fuzz: $t failed (exit $rc); a crashing input is in fuzz/artifacts/$t/: make it a vector" >&2
    exit 1
  fi
done
