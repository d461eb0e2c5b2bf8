// The timed loop of the edge benches (bindings/*/bench/bench.mjs): one feed
// URL fetched sequentially over loopback, so both edges are timed alike.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds } from "./proc_cpu.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The upstream the edge benches fetch from: the 672 KB fixture on loopback
 * for every path, with an ETag, `max-age=300` and its length, from a Node
 * server outside the runtime timed (its CPU is not counted). Resolves to
 * `{ server, url, feed }`.
 */
export async function serveFixture() {
  const feed = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json", etag: '"fixture-1"', "cache-control": "max-age=300", "content-length": feed.length });
    res.end(req.method === "HEAD" ? undefined : feed);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}`, feed };
}

/**
 * `requests` sequential GETs of `url` after `warmup` untimed ones (10
 * unless told): requests/s, ms per request, the items kept (the first body,
 * a JSON array) and the bytes of the last body; with `pid`, also the CPU
 * that process and its children spent per request (the runtime's own cost,
 * whatever the client costs).
 */
export async function timedGets(url, requests, pid, { warmup = 10 } = {}) {
  let kept = 0, bytes = 0;
  for (let i = 0; i < warmup; i++) await (await fetch(url)).arrayBuffer();
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    const body = await (await fetch(url)).arrayBuffer();
    bytes = body.byteLength;
    if (i === 0) kept = JSON.parse(new TextDecoder().decode(body)).length;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = pid ? { cpu_ms_per_request: ((cpuSeconds(pid) - cpu0) * 1000) / requests } : {};
  return { requests_per_s: requests / secs, ms_per_request: (secs * 1000) / requests, ...cpu, kept, bytes_out: bytes };
}
