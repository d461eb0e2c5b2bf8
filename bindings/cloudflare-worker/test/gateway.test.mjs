// The gateway vectors (tests/vectors/gateway/) against the worker in
// workerd, one workerd per policy, in front of the vectors' scripted upstream.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { start } from "../run.mjs";
import { runGatewayVectors, recordGatewayCount } from "../../../tests/edge/gateway-vectors.mjs";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

test("gateway vectors: the worker in workerd", async () => {
  const result = await runGatewayVectors({
    decodes: ["gzip"],
    start: async (policyText, upstream) => {
      const w = await start({ port: await freePort(), upstream, policyText });
      return { url: w.url, stop: async () => w.child.kill() };
    },
  });
  recordGatewayCount("worker-in-workerd", result);
  console.log(`gateway vectors (worker in workerd): ${result.total - result.failed} of ${result.total}`);
  assert.deepEqual(result.failures, []);
});
