// The gateway vectors for /buy against examples/buy.php in PHP's built-in
// server (php -S), one server per policy: the PHP entry page answers /buy
// as every edge does. Needs RESALE_LIB (make test-php sets it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runGatewayVectors, recordGatewayCount, buyOnly } from "../../../tests/edge/gateway-vectors.mjs";

const page = path.join(path.dirname(fileURLToPath(import.meta.url)), "../examples/buy.php");
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function start(policyText) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "resale-buy-")), "policy.json");
  writeFileSync(file, policyText);
  const port = await freePort();
  const child = spawn("php", ["-d", "ffi.enable=1", "-S", `127.0.0.1:${port}`, page], { env: { ...process.env, RESALE_POLICY: file }, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/buy`);
      return { url, stop: async () => child.kill() };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  throw new Error("php -S did not start");
}

test("gateway vectors for /buy: examples/buy.php under php -S", async () => {
  const result = await runGatewayVectors({ only: buyOnly, start });
  recordGatewayCount("php-entry-page", result);
  console.log(`gateway vectors (PHP entry page under php -S): ${result.total - result.failed} of ${result.total}`);
  assert.deepEqual(result.failures, []);
});
