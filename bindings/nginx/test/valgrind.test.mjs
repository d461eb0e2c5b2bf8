// The module under valgrind (memcheck): nginx in one process
// (master_process off) answers catalog, gate, $resale_buy_url and invalid-feed
// requests; no invalid access, and no leak that grows with the requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { repo, config } from "../run.mjs";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

test("under valgrind: no memory errors, no leak per request", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "resale-nginx-vg-"));
  const port = await freePort();
  const fixtures = path.join(repo, "tests/fixtures");
  writeFileSync(path.join(dir, "truncated.json"), readFileSync(path.join(fixtures, "packages.json")).subarray(0, 40000));
  const file = config(
    dir,
    `
  resale_policy ${path.join(repo, "examples/policy.json")};
  server {
    listen unix:${dir}/up.sock;
    default_type application/json;
    location = /api/v1/packages { alias ${dir}/truncated.json; }
    location ~ "^/api/v[0-9]+/(packages|categories)$" { alias ${fixtures}/$1.json; }
  }
  server {
    listen 127.0.0.1:${port};
    location /api/ {
      resale_catalog_filter on;
      proxy_pass http://unix:${dir}/up.sock:;
      proxy_set_header Accept-Encoding "";
      proxy_buffers 4 8k;
    }
    location = /buy { resale_shop_gate; }
    location = /rw { resale_buy_url_from $arg_u; return 200 "$resale_buy_url"; }
  }`,
  );
  const log = path.join(dir, "valgrind.log");
  const child = spawn("valgrind", ["--leak-check=full", "--show-leak-kinds=definite", `--log-file=${log}`, "nginx", "-p", dir, "-c", file, "-g", "daemon off; master_process off;"], { stdio: "inherit" });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try { await fetch(base + "/rw"); break; } catch { /* starting */ }
      assert.ok(i < 300, "nginx under valgrind did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const routes = [
      "/api/v4/packages", "/api/v4/categories?version=18.0", "/api/v4/packages/other",
      "/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001", "/buy?kn=1&kn=2",
      "/rw?u=https://go.plesk.com/buy-plesk-ext/docker?kn=X", "/rw?u=not%20a%20url",
    ];
    for (let i = 0; i < 10; i++) {
      for (const u of routes) {
        const r = await fetch(base + u, { redirect: "manual" });
        assert.ok([200, 302, 400, 404].includes(r.status), u);
        await r.arrayBuffer();
      }
      await assert.rejects(fetch(base + "/api/v1/packages").then((r) => r.arrayBuffer()), "a truncated feed is aborted");
      assert.equal((await fetch(base + "/api/v4/packages", { method: "HEAD" })).status, 200);
    }
  } finally {
    child.kill("SIGQUIT");
    await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
  }
  const report = readFileSync(log, "utf8");
  assert.doesNotMatch(report, /Invalid (read|write|free)|uninitialised|Mismatched free|overlap/, report);
  // nginx itself loses a few bytes at exit in this mode (environment, PCRE
  // contexts); anything that grows with the 90 requests would be far more.
  const lost = Number((/definitely lost: ([\d,]+) bytes/.exec(report)?.[1] ?? "0").replace(/,/g, ""));
  assert.match(report, /Memcheck/);
  console.log(`valgrind: ${/ERROR SUMMARY: .*/.exec(report)?.[0]}; definitely lost ${lost} bytes`);
  assert.ok(lost < 1024, `definitely lost: ${lost} bytes\n${report}`);
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});
