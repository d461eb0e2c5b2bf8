// The gateway vectors (tests/vectors/gateway/) against the worker in
// workerd, one workerd per policy, in front of the vectors' scripted upstream.
import { test } from "node:test";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import net from "node:net";
import { start } from "../run.mjs";
import { runGatewayVectors, recordGatewayCount } from "../../../tests/edge/gateway-vectors.mjs";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// workerd up to 1.20260426.x ends an errored response body with a clean
// chunked terminator (cloudflare/workerd#6818); 1.20261117.1 aborts it.
const workerdVersion = JSON.parse(readFileSync(new URL("../node_modules/workerd/package.json", import.meta.url))).version;
const endsErroredBodies = workerdVersion.split(".")[1] < "20261117";

test("gateway vectors: the worker in workerd", async () => {
  const result = await runGatewayVectors({
    decodes: ["gzip"],
    endsErroredBodies,
    readsWhole: true, // where the gateway says whole (a Content-Length up to 8 MiB: WHOLE_FEED_LIMIT)
    repeatedLength: "refuses", // workerd's fetch: "invalid Content-Length header value; cl = 139, 139"
    start: async (policyText, upstream) => {
      const w = await start({ port: await freePort(), upstream, policyText });
      return { url: w.url, stop: async () => w.child.kill() };
    },
  });
  recordGatewayCount("worker-in-workerd", result);
  console.log(`gateway vectors (worker in workerd): ${result.total - result.failed} of ${result.total}`);
  if (result.weakened.length) console.log(`WARNING: workerd ${workerdVersion} ends an errored feed cleanly (cloudflare/workerd#6818): ${result.weakened.join(", ")} only checked as "not a whole feed"`);
  assert.deepEqual(result.failures, []);
});
