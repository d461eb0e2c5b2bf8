#!/usr/bin/env bash
# The core's library tests and scanner-path tests, built for wasm32-wasip1
# (with simd128, .cargo/config.toml) and run in Node's WASI
# (scripts/wasi-test.mjs): the simd128 scanner against the scalar
# reference, as `cargo test` compares the host's SIMD paths.
set -euo pipefail
cd "$(dirname "$0")/.."
build() {
  cargo test -q --release -p resale-core --target wasm32-wasip1 "$@" --no-run --message-format=json 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){if(!l)continue;const m=JSON.parse(l);if(m.reason==="compiler-artifact"&&m.profile?.test&&m.executable)console.log(m.executable)}})'
}
for wasm in $(build --lib) $(build --test scan_paths); do
  echo "wasi-tests: $(basename "$wasm")"
  node --no-warnings scripts/wasi-test.mjs "$wasm"
done
