// Cached against uncached catalog requests per edge, for `make bench`: the
// 672 KB fixture from a local upstream (ETag, max-age=300), sequential
// requests over loopback. Uncached: every request has its own query, so it
// misses the cache and is fetched and filtered. Cached: the same URL again.
// Worker: Miniflare (workerd with a Cache API); Fastly: Viceroy (Core
// Cache); nginx: proxy_cache keeps the unfiltered upstream body, the filter
// runs on each request (its `cached` row), and polls carrying the feed's
// ETag are 304s without filtering (`poll_304`). Prints one JSON line.
//
// The client is node:http over one keep-alive connection (as fetch was),
// reading the body as it comes and inflating nothing: what is timed is the
// edge. (`fetch` asks for gzip and inflates it: a Viceroy hit then took the
// client 13-26 ms against Viceroy's 1.4-2.3 ms of CPU, so the hit rows
// measured the client.) Fastly's rows also give Viceroy's own CPU per
// request, from /proc (benches/proc_cpu.mjs).
// Usage: node tests/edge/cache-bench.mjs [REQUESTS] [worker,fastly,nginx]
import { readFileSync, mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { cpuSeconds } from "../../benches/proc_cpu.mjs";
import { serveFixture } from "../../benches/edge_requests.mjs";
import { freePort } from "./local-runtime.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const requests = Number(process.argv[2] ?? 200);
const edges = (process.argv[3] ?? "worker,fastly,nginx").split(",");
const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");

const { server: upstream, url: upstreamUrl, feed } = await serveFixture();

/** Requests per second for `n` sequential requests; `target(i)` names each. */
async function rate(get, target, n = requests) {
  for (let i = 0; i < 5; i++) await get(target(-1 - i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await get(target(i));
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** `rate`, and with `pid` the CPU that process tree spent per request (ms). */
async function rateCpu(get, target, pid) {
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const rps = await rate(get, target);
  return [rps, pid ? ((cpuSeconds(pid) - cpu0) * 1000) / (requests + 5) : undefined];
}

async function measure(fetchText, prefix, pid) {
  const run = Date.now();
  const [uncached, uncachedCpu] = await rateCpu(fetchText, (i) => `${prefix}/api/v4/packages?miss=${run}-${i}`, pid);
  // Cached: a client that takes no content coding gets the plain feed.
  const [cached, cachedCpu] = await rateCpu(fetchText, () => `${prefix}/api/v4/packages?hit=${run}`, pid);
  // A client whose Accept-Encoding allows gzip gets the entry kept gzipped
  // as it is (Plesk inflates it; not timed here).
  const [gzip, gzipCpu] = await rateCpu((u) => fetchText(u, { "accept-encoding": "gzip" }), () => `${prefix}/api/v4/packages?hit=${run}`, pid);
  const cpu = pid ? { uncached_cpu_ms: uncachedCpu, cached_cpu_ms: cachedCpu, cached_gzip_cpu_ms: gzipCpu } : {};
  return { uncached_rps: uncached, cached_rps: cached, ratio: cached / uncached, cached_gzip_rps: gzip, ratio_gzip: gzip / uncached, ...cpu };
}

const warmed = new Set();
/** One GET, its body read and dropped; anything but 200 (or `status`) throws. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (url, headers = {}, status = 200) => new Promise((resolve, reject) => {
  http.get(url, { agent, headers }, (r) => {
    r.on("data", () => {});
    r.on("end", () => (r.statusCode === status ? resolve(r) : reject(new Error(`${url}: ${r.statusCode}`))));
  }).on("error", reject);
});
const viaFetch = (url, headers) => get(url, headers).then(() => {});
const out = { requests, input_bytes: feed.length };

try {
  // The worker under Miniflare.
  if (edges.includes("worker")) try {
    const { Miniflare } = await import(path.join(repo, "bindings/cloudflare-worker/node_modules/miniflare/dist/src/index.js"));
    const { build } = await import(path.join(repo, "bindings/cloudflare-worker/build.mjs"));
    build();
    const src = path.join(repo, "bindings/cloudflare-worker/src");
    const mf = new Miniflare({
      scriptPath: path.join(src, "index.js"), modules: true, modulesRoot: src,
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: "2024-09-23", bindings: { POLICY: policyText, UPSTREAM: upstreamUrl },
    });
    // Over Miniflare's own HTTP socket, as a client would (dispatchFetch adds a proxy hop).
    const base = String(await mf.ready).replace(/\/$/, "");
    out.worker_miniflare = await measure(async (u, h) => {
      await viaFetch(u, h);
      // Entries are written in waitUntil: give the first hit of each URL a moment.
      if (u.includes("hit=") && !warmed.has(u)) { warmed.add(u); await new Promise((r) => setTimeout(r, 300)); }
    }, base);
    await mf.dispose();
  } catch (e) {
    out.worker_miniflare = { skipped: String(e.message ?? e) };
  }

  // Fastly in Viceroy.
  if (edges.includes("fastly")) try {
    const { start } = await import(path.join(repo, "bindings/fastly-compute/run.mjs"));
    const s = await start({ port: await freePort(), upstream: upstreamUrl, policyText });
    try {
      out.fastly_viceroy = await measure(viaFetch, s.url, s.child.pid);
    } finally {
      s.child.kill();
    }
  } catch (e) {
    out.fastly_viceroy = { skipped: String(e.message ?? e) };
  }

  // nginx: without and with proxy_cache, and 304 polls.
  if (edges.includes("nginx")) try {
    const { config, start, catalogLocation } = await import(path.join(repo, "bindings/nginx/run.mjs"));
    const dir = mkdtempSync(path.join(os.tmpdir(), "resale-nginx-cache-"));
    mkdirSync(path.join(dir, "cache"));
    writeFileSync(path.join(dir, "policy.json"), policyText);
    const [plain, cachedPort] = [await freePort(), await freePort()];
    const file = config(dir, `
  proxy_cache_path ${dir}/cache keys_zone=feeds:1m;
  server { listen 127.0.0.1:${plain}; resale_policy ${dir}/policy.json; ${catalogLocation(upstreamUrl)} }
  server { listen 127.0.0.1:${cachedPort}; resale_policy ${dir}/policy.json; ${catalogLocation(upstreamUrl, "proxy_cache feeds; proxy_cache_valid 200 5m;")} }`);
    const n = await start(dir, file, plain, { stdio: "ignore" });
    try {
      const uncached = await rate(viaFetch, (i) => `http://127.0.0.1:${plain}/api/v4/packages?miss=${i}`);
      const cached = await rate(viaFetch, () => `http://127.0.0.1:${cachedPort}/api/v4/packages?hit=1`);
      const etag = (await get(`http://127.0.0.1:${cachedPort}/api/v4/packages?hit=1`)).headers.etag;
      const poll = await rate((u) => get(u, { "if-none-match": etag }, 304), () => `http://127.0.0.1:${cachedPort}/api/v4/packages?hit=1`);
      out.nginx = { uncached_rps: uncached, cached_rps: cached, ratio: cached / uncached, poll_304_rps: poll };
    } finally {
      await n.stop();
    }
  } catch (e) {
    out.nginx = { skipped: String(e.message ?? e) };
  }
} finally {
  upstream.close();
}
console.log(JSON.stringify(out));
