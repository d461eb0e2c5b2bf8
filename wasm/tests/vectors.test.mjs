// Every shared vector of tests/vectors/ through the npm package's JavaScript
// API (node entry point).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../pkg/node.js";
import { runVectors } from "./runner.mjs";
import { loadVectors, recordCount } from "./load-vectors.mjs";

test("shared vectors (wasm in node)", () => {
  const { docs, policies } = loadVectors();
  const { counts, failures, total } = runVectors(api, docs, policies);
  console.log(`vectors (wasm in node): ${total} run, by function ${JSON.stringify(counts)}`);
  recordCount("wasm in node", total, failures.length);
  assert.deepEqual(failures, []);
  assert.ok(total > 0);
});
