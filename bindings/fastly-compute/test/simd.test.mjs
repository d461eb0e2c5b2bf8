// The service's .wasm runs the catalog scanner's simd128 path: the
// classifier's instructions are in the module `make fastly` built (counted
// from binaryen's disassembly by wasm/tools/simd-ops.mjs, as the npm
// package's wasm/tests/simd.test.mjs does), not only `+simd128` in
// .cargo/config.toml. A build without simd128 has none of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { simdOps } from "../../../wasm/tools/simd-ops.mjs";

test("the service's .wasm holds the simd128 classifier's instructions", () => {
  const file = fileURLToPath(new URL("../target/wasm32-wasip1/release/resale-fastly-compute.wasm", import.meta.url));
  const { ops, compute } = simdOps(file);
  for (const op of ["i8x16.eq", "i8x16.lt_u", "i8x16.swizzle", "i8x16.bitmask"]) assert.ok(ops[op] > 0, `${op} missing: ${JSON.stringify(ops)}`);
  assert.ok(compute > 0);
});
