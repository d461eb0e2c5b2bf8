// Runs a Rust test binary built for wasm32-wasip1 (cargo test --target
// wasm32-wasip1 --no-run) in Node's WASI, with the file system from / as it
// is, so that a test finds its fixtures at the CARGO_MANIFEST_DIR it was
// built with. The simd128 scanner path is tested this way: cargo test on
// the host runs only the host's paths.
// Usage: node scripts/wasi-test.mjs TEST.wasm [test args...]
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: "preview1",
  args: [file, ...args],
  // PROPTEST_CASES passed on only when set (an empty one is not a count).
  env: { RUST_BACKTRACE: "1", ...(process.env.PROPTEST_CASES ? { PROPTEST_CASES: process.env.PROPTEST_CASES } : {}) },
  preopens: { "/": "/" },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
