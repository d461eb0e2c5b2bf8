#!/usr/bin/env bash
# One version for every package: the Cargo workspace's `version` is the
# truth; the npm package, the Fastly crate (its own workspace), and any
# `version` in composer.json or the worker's package.json must equal it;
# resale.pc takes it from Cargo.toml at `make install` (@VERSION@).
# Run by `make lint`; exits 1 naming each file that disagrees.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$want" ] || { echo "check-versions: no version in Cargo.toml" >&2; exit 1; }
bad=0
check() { # file, version found ("" = the file states none)
  if [ -n "$2" ] && [ "$2" != "$want" ]; then
    echo "check-versions: $1 says $2, the workspace (Cargo.toml) $want" >&2
    bad=1
  fi
}
json_version() { node -e 'const v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).version; process.stdout.write(v??"")' "$1"; }
check wasm/js/package.json "$(json_version wasm/js/package.json)"
[ -n "$(json_version wasm/js/package.json)" ] || { echo "check-versions: wasm/js/package.json has no version" >&2; bad=1; }
check bindings/cloudflare-worker/package.json "$(json_version bindings/cloudflare-worker/package.json)"
check bindings/php/composer.json "$(json_version bindings/php/composer.json)"
fastly=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/fastly-compute/Cargo.toml | head -1)
[ -n "$fastly" ] || { echo "check-versions: bindings/fastly-compute/Cargo.toml has no version" >&2; bad=1; }
check bindings/fastly-compute/Cargo.toml "$fastly"
grep -q '@VERSION@' ffi/resale.pc.in || { echo "check-versions: ffi/resale.pc.in does not take @VERSION@ from Cargo.toml" >&2; bad=1; }
[ "$bad" = 0 ] && echo "versions: every package at $want"
exit "$bad"
