// The SIMD instructions in a .wasm file, counted from binaryen's disassembly
// (wasm-dis, pinned in wasm/tools/package.json): evidence that a build runs
// the catalog scanner's simd128 path, not only that it was asked to.
//   node wasm/tools/simd-ops.mjs FILE.wasm   # one JSON line
// `compute` leaves out v128 loads, stores and constants, which LLVM also
// emits for plain memory copies; the classifier of core/src/catalog/blocks.rs
// shows as i8x16.eq, i8x16.lt_u, i8x16.swizzle and i8x16.bitmask.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIS = path.join(here, "node_modules/.bin/wasm-dis");

/** `{file, bytes, ops: {"i8x16.eq": n, …}, compute}` for the module at `file`. */
export function simdOps(file) {
  const text = execFileSync(WASM_DIS, [file], { maxBuffer: 1 << 30, encoding: "utf8" });
  const ops = {};
  for (const [, op] of text.matchAll(/\(((?:v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.[a-z0-9_]+)/g)) ops[op] = (ops[op] ?? 0) + 1;
  const compute = Object.entries(ops).filter(([op]) => !/^v128\.(load|store|const)/.test(op) || /lane|splat|zero/.test(op)).reduce((n, [, c]) => n + c, 0);
  return { file, bytes: statSync(file).size, ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1])), compute };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) throw new Error("usage: node wasm/tools/simd-ops.mjs FILE.wasm");
  console.log(JSON.stringify(simdOps(process.argv[2])));
}
