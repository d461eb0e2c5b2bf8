// Every shared vector inside Cloudflare's runtime: the npm package's workerd
// entry point, the same runner as in Node (wasm/tests/runner.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepare, engineModules } from "../run.mjs";
import { loadVectors, assertVectorRun } from "../../../wasm/tests/load-vectors.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => r(port)); }); });

test("shared vectors (worker in workerd)", async () => {
  prepare();
  const dir = path.join(here, "../.workerd");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "vectors.json"), JSON.stringify(loadVectors()));
  const port = await freePort();
  const file = path.join(dir, `vectors-${port}.capnp`);
  writeFileSync(file, `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "vector-worker.js", esModule = embed "../support/vector-worker.js"),
    (name = "runner.mjs", esModule = embed "../../../wasm/tests/runner.mjs"),
    (name = "vectors.json", json = embed "vectors.json"),
${engineModules}  ],
  compatibilityDate = "2024-09-23",
);
`);
  const child = spawn(path.join(here, "../node_modules/.bin/workerd"), ["serve", file], { stdio: ["ignore", "inherit", "inherit"] });
  try {
    let result;
    for (let i = 0; i < 200 && !result; i++) {
      try {
        result = await (await fetch(`http://127.0.0.1:${port}/`)).json();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(result, "workerd answered");
    assertVectorRun("worker in workerd", result);
  } finally {
    child.kill();
  }
});
