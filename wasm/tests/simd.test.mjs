// The npm package's .wasm runs the catalog scanner's simd128 path: its
// classifier's instructions are in the module (counted from the
// disassembly, wasm/tools/simd-ops.mjs), not only `+simd128` in the build
// flags (.cargo/config.toml). A build without simd128 has none of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { simdOps } from "../tools/simd-ops.mjs";

test("the package's .wasm holds the simd128 classifier's instructions", () => {
  const { ops, compute } = simdOps(fileURLToPath(new URL("../pkg/resale_wasm_bg.wasm", import.meta.url)));
  for (const op of ["i8x16.eq", "i8x16.lt_u", "i8x16.swizzle", "i8x16.bitmask"]) assert.ok(ops[op] > 0, `${op} missing: ${JSON.stringify(ops)}`);
  assert.ok(compute > 0);
});
