#!/usr/bin/env bash
# Builds the npm package in wasm/pkg/: the size-oriented wasm build,
# wasm-bindgen's bindings (--target web), and our entry points and types.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --target wasm32-unknown-unknown --profile wasm-release -p resale-wasm
rm -rf wasm/pkg && mkdir -p wasm/pkg
wasm-bindgen --target web --out-dir wasm/pkg --out-name resale_wasm \
  target/wasm32-unknown-unknown/wasm-release/resale_wasm.wasm 2> >(grep -v target_features >&2)
# binaryen's wasm-opt (npm package, pinned in wasm/tools) shrinks what rustc
# and wasm-bindgen leave by about a fifth (a tenth gzipped). -O3, not -Os:
# about 7% faster filtering in Node for 6 KB more (wasm/README.md).
opt=wasm/tools/node_modules/.bin/wasm-opt
if [ -x "$opt" ]; then
  "$opt" -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    wasm/pkg/resale_wasm_bg.wasm -o wasm/pkg/resale_wasm_bg.opt.wasm
  mv wasm/pkg/resale_wasm_bg.opt.wasm wasm/pkg/resale_wasm_bg.wasm
else
  echo "wasm: $opt missing (scripts/setup.sh wasm): the package is not size-optimized" >&2
fi
rm -f wasm/pkg/.gitignore
cp wasm/js/api.js wasm/js/node.js wasm/js/workerd.js wasm/js/browser.js wasm/js/index.d.ts wasm/js/package.json wasm/pkg/
printf 'wasm: %s bytes, %s gzipped\n' "$(stat -c %s wasm/pkg/resale_wasm_bg.wasm)" "$(gzip -9 -c wasm/pkg/resale_wasm_bg.wasm | wc -c)"
