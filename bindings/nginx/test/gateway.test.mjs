// The gateway vectors (tests/vectors/gateway/) against the module in
// Debian's nginx, one nginx per policy: `resale_gateway` answers every
// route but the catalog, which nginx proxies to the vectors' scripted
// upstream through `resale_catalog_filter`. nginx inflates nothing here, so
// a gzipped feed is the vectors' `expect_undecoded` (502 upstream.encoding).
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { config, start, catalogLocation } from "../run.mjs";
import { runGatewayVectors, recordGatewayCount } from "../../../tests/edge/gateway-vectors.mjs";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function edge(policyText, upstream) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "resale-nginx-gw-"));
  const policy = path.join(dir, "policy.json");
  writeFileSync(policy, policyText);
  const port = await freePort();
  const file = config(dir, `
  server {
    listen 127.0.0.1:${port};
    resale_policy ${policy};
    location / { resale_gateway; }
    ${catalogLocation(upstream)}
  }`);
  const nginx = await start(dir, file, port, { stdio: "ignore" });
  return { url: `http://127.0.0.1:${port}`, stop: nginx.stop };
}

test("gateway vectors: the module in nginx", async () => {
  // Streams every feed (no readsWhole: README, "as it streams"). A repeated Content-Length: nginx
  // 1.22 (Debian's) frames by the last one and passes every header line on; 1.23 made a repeated
  // or invalid one an error (its own 502: the gateway's upstream.unreachable; not run here).
  const [major, minor] = spawnSync("nginx", ["-v"], { encoding: "utf8" }).stderr.match(/nginx\/(\d+)\.(\d+)/).slice(1).map(Number);
  const repeatedLength = major > 1 || minor >= 23 ? "refuses" : "last";
  const result = await runGatewayVectors({ decodes: [], repeatedLength, start: edge });
  recordGatewayCount("nginx", result);
  console.log(`gateway vectors (nginx): ${result.total - result.failed} of ${result.total}`);
  assert.deepEqual(result.failures, []);
});
