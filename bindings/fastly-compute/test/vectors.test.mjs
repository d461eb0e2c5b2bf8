// Every shared vector inside Fastly's runtime: the vector runner (src/bin/
// vectors.rs, the same core build as the service) in Viceroy, sent the
// vectors that wasm/tests/load-vectors.mjs reads, answering counts and
// failures; the count goes to target/vector-counts/ for `make test`'s summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { start, vectorsWasmPath } from "../run.mjs";
import { loadVectors, assertVectorRun } from "../../../wasm/tests/load-vectors.mjs";

const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => r(port)); }); });

test("shared vectors (Fastly Compute in Viceroy)", async () => {
  const port = await freePort();
  // No backend is used; the manifest still names one.
  const { child, url } = await start({ port, wasm: vectorsWasmPath, upstream: "http://127.0.0.1:9", policyText: "{}" });
  try {
    const r = await fetch(`${url}/`, { method: "POST", body: JSON.stringify(loadVectors()) });
    assert.equal(r.status, 200);
    assertVectorRun("fastly in viceroy", await r.json());
  } finally {
    child.kill();
  }
});
