#!/usr/bin/env bash
# The core's library tests and scanner-path tests, built for wasm32-wasip1
# (with simd128, .cargo/config.toml) and run in Node's WASI
# (scripts/wasi-test.mjs): the simd128 scanner against the scalar
# reference, as `cargo test` compares the host's SIMD paths.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build of both test binaries; its errors stay on stderr, and a build
# that fails or yields fewer binaries than asked for fails this script
# (a loop over nothing would pass).
json=$(cargo test -q --release -p resale-core --target wasm32-wasip1 --lib --test scan_paths \
  --no-run --message-format=json)
mapfile -t binaries < <(printf '%s\n' "$json" | node -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    for (const l of s.split("\n")) {
      if (!l.startsWith("{")) continue;
      const m = JSON.parse(l);
      if (m.reason === "compiler-artifact" && m.profile?.test && m.executable) console.log(m.executable);
    }
  });')
if [ "${#binaries[@]}" -ne 2 ]; then
  echo "wasi-tests: expected 2 test binaries (lib, scan_paths), got ${#binaries[@]}" >&2
  exit 1
fi
for wasm in "${binaries[@]}"; do
  echo "wasi-tests: $(basename "$wasm")"
  node --no-warnings scripts/wasi-test.mjs "$wasm"
done
