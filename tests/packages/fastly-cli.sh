#!/usr/bin/env bash
# The Fastly service as its developers build it, with the Fastly CLI (npm
# package @fastly/cli-linux-x64, pinned in bindings/fastly-compute/package.json):
#   - fastly compute build: fastly.toml's [scripts] build, then the package
#     pkg/resale.tar.gz (fastly.toml and bin/main.wasm, the service cargo built);
#   - fastly compute validate on it;
#   - fastly compute pack --wasm-binary: the same package from a given .wasm, validated;
#   - fastly compute serve with --viceroy-path (the Viceroy setup.sh pins).
# Offline, build only fails to fetch wasm-tools for its binary annotations
# (reported, not blocking); publish needs Fastly's API and answers, here,
# with the error printed below. The runtime for tests stays Viceroy (make test-fastly).
# Run by make test-packages.
set -euo pipefail
dir=$(cd "$(dirname "$0")/../../bindings/fastly-compute" && pwd)
cd "$dir"
fastly=$dir/node_modules/.bin/cli-linux-x64
log() { printf 'fastly cli test: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# contents PACKAGE: fail unless it holds fastly.toml and bin/main.wasm equal to $1's.
contents() {
  rm -rf "$out/x" && mkdir -p "$out/x" && tar -xmzf "$2" -C "$out/x"
  cmp -s "$out/x/resale/fastly.toml" fastly.toml || fail "$2: no fastly.toml equal to ours"
  cmp -s "$out/x/resale/bin/main.wasm" "$1" || fail "$2: bin/main.wasm is not $1"
}

rm -rf pkg bin
"$fastly" version | sed -n 1p >&2   # sed reads it all: no SIGPIPE under pipefail
"$fastly" compute build --non-interactive >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; fail "fastly compute build"; }
grep -q 'SUCCESS: Built package (pkg/resale.tar.gz)' "$out/build.log" || { cat "$out/build.log" >&2; fail "no package built"; }
contents target/wasm32-wasip1/release/resale-fastly-compute.wasm pkg/resale.tar.gz
"$fastly" compute validate --package pkg/resale.tar.gz >/dev/null || fail "fastly compute validate (build)"
log "fastly compute build: pkg/resale.tar.gz ($(stat -c %s pkg/resale.tar.gz) bytes: fastly.toml, bin/main.wasm), validated"
if grep -q 'error downloading the wasm-tools' "$out/build.log"; then
  log "offline, build reported: $(grep -o 'failed to download latest wasm-tools release: [^"]*"[^"]*"' "$out/build.log" | head -n1)"
fi

cp bin/main.wasm "$out/main.wasm"
rm -rf pkg
"$fastly" compute pack --wasm-binary "$out/main.wasm" >"$out/pack.log" 2>&1 || { cat "$out/pack.log" >&2; fail "fastly compute pack"; }
contents "$out/main.wasm" pkg/resale.tar.gz
"$fastly" compute validate --package pkg/resale.tar.gz >/dev/null || fail "fastly compute validate (pack)"
log "fastly compute pack --wasm-binary: pkg/resale.tar.gz, validated"

# fastly compute serve, with the pinned Viceroy instead of the one the CLI
# would download: /healthz and a buy link answered.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$fastly" compute serve --non-interactive --skip-build --viceroy-path "$(command -v viceroy)" --addr "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
serve=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$port/buy?extension-id=docker&kn=PLSK.12345678.0001")
pkill -P "$serve" 2>/dev/null || true; kill "$serve" 2>/dev/null || true; wait "$serve" 2>/dev/null || true
[ "$got" = "302 https://shop.example.com/store?extension-id=docker&kn=PLSK.12345678.0001" ] || { tail -n 20 "$out/serve.log" >&2; fail "fastly compute serve: /buy answered $got"; }
log "fastly compute serve --viceroy-path: /healthz ok, /buy 302 to the shop"

# No token and an empty HOME (no stored profile): this can never deploy.
if env -u FASTLY_API_TOKEN HOME="$out" "$fastly" compute publish --non-interactive --package pkg/resale.tar.gz >"$out/publish.log" 2>&1; then
  fail "fastly compute publish succeeded without an account"
fi
log "fastly compute publish (no account, no network here): $(grep -m1 '^ERROR' "$out/publish.log" || head -n1 "$out/publish.log")"
