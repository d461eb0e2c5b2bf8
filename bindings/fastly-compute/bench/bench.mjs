// Requests/s over loopback for the 672 KB fixture feed (tests/fixtures/
// packages.json), filtered by the Fastly Compute service in Viceroy, beside
// the same feed passed through Viceroy unfiltered (the runtime's own cost)
// and, when its runtime is installed, through the Cloudflare Worker in
// workerd — all three fetching from one local Node origin — plus a /buy
// redirect on each (the per-request floor). Sequential requests after a
// warm-up; prints one JSON line with the .wasm size (raw and gzipped).
// Usage: node bench/bench.mjs [REQUESTS]
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start, wasmPath } from "../run.mjs";
import { timedGets } from "../../../benches/edge_requests.mjs";
import { freePort } from "../../../tests/edge/local-runtime.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const requests = Number(process.argv[2] ?? 200);

const fixture = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
// Every path answers the fixture: /api/v4/packages is filtered, /api/v4/packages/all passes through.
// `no-store`: the service keeps nothing, so every request is fetched and
// filtered (without it the feed is cached and the rows time hits:
// tests/edge/cache-bench.mjs times those).
const origin = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "content-length": fixture.length });
  res.end(fixture);
});
await new Promise((r) => origin.listen(0, "127.0.0.1", r));
const upstream = `http://127.0.0.1:${origin.address().port}`;

const BUY = "/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001";

/** Requests/s for a redirect from the /buy gate (the per-request floor: instance, policy, check). */
async function buy(base) {
  const get = async () => { const r = await fetch(base + BUY, { redirect: "manual" }); await r.arrayBuffer(); if (r.status !== 302) throw new Error(`buy: ${r.status}`); };
  for (let i = 0; i < 10; i++) await get();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) await get();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { requests_per_s: +(requests / secs).toFixed(1), ms_per_request: +((secs * 1000) / requests).toFixed(2) };
}

const children = [];
try {
  const wasm = readFileSync(wasmPath);
  const result = {
    input_bytes: fixture.length,
    requests,
    wasm_bytes: wasm.length,
    wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
  };
  const viceroy = await start({ port: await freePort(), upstream, policyText });
  children.push(viceroy.child);
  result.fastly_viceroy = await timedGets(`${viceroy.url}/api/v4/packages`, requests, viceroy.child.pid);
  result.fastly_viceroy_passthrough = await timedGets(`${viceroy.url}/api/v4/packages/all`, requests, viceroy.child.pid);
  result.fastly_viceroy_buy = await buy(viceroy.url);
  viceroy.child.kill();

  const workerDir = path.join(repo, "bindings/cloudflare-worker");
  if (existsSync(path.join(workerDir, "node_modules/.bin/workerd")) && existsSync(path.join(repo, "wasm/pkg/workerd.js"))) {
    const { start: startWorker } = await import(path.join(workerDir, "run.mjs"));
    const worker = await startWorker({ port: await freePort(), upstream, policyText });
    children.push(worker.child);
    result.cloudflare_workerd = await timedGets(`${worker.url}/api/v4/packages`, requests);
    result.cloudflare_workerd_buy = await buy(worker.url);
    result.ratio_fastly_to_worker = +(result.fastly_viceroy.requests_per_s / result.cloudflare_workerd.requests_per_s).toFixed(2);
  } else {
    result.cloudflare_workerd = "skipped: run `make wasm` and `scripts/setup.sh worker`";
  }
  console.log(JSON.stringify(result));
} finally {
  children.forEach((c) => c.kill());
  origin.close();
}
