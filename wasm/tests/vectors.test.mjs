// Every shared vector of tests/vectors/ through the npm package's JavaScript
// API (node entry point).
import { test } from "node:test";
import * as api from "../pkg/node.js";
import { runVectors } from "./runner.mjs";
import { loadVectors, assertVectorRun } from "./load-vectors.mjs";

test("shared vectors (wasm in node)", () => {
  const { docs, policies } = loadVectors();
  assertVectorRun("wasm in node", runVectors(api, docs, policies));
});
