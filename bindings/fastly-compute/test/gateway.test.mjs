// The gateway vectors (tests/vectors/gateway/) against the service in
// Viceroy, one Viceroy per policy, in front of the vectors' scripted upstream.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { start } from "../run.mjs";
import { runGatewayVectors, recordGatewayCount } from "../../../tests/edge/gateway-vectors.mjs";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

test("gateway vectors: the Fastly service in Viceroy", async () => {
  const result = await runGatewayVectors({
    decodes: ["gzip"],
    readsWhole: true, // where the gateway says whole (a Content-Length up to 8 MiB: WHOLE_FEED_LIMIT), src/catalog.rs
    repeatedLength: "equal", // Viceroy's hyper: equal values pass (both headers reach the gateway), others are refused
    start: async (policyText, upstream) => {
      const s = await start({ port: await freePort(), upstream, policyText });
      return { url: s.url, stop: async () => s.child.kill() };
    },
  });
  recordGatewayCount("fastly-in-viceroy", result);
  console.log(`gateway vectors (Fastly in Viceroy): ${result.total - result.failed} of ${result.total}`);
  assert.deepEqual(result.failures, []);
});
