// The worker's Cache API, in the local runtime that has one. workerd alone
// has no Cache API backend (caches.default.match throws "No Cache was
// configured"; the worker then fetches and filters every request, which
// the gateway vectors run). Miniflare (the npm package wrangler dev runs,
// pinned with wrangler in package.json) gives workerd a cache service: here
// a filtered feed is kept under its upstream URL and the policy digest,
// and polls are answered from it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import http from "node:http";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { build } from "../build.mjs";
import { Gateway } from "../../../wasm/pkg/node.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const FEED = '[{"code":"docker","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"},{"code":"seo","buy_url":"https://go.plesk.com/buy-plesk-ext/seo"}]';
const policy = (name) => readFileSync(path.join(repo, "tests/vectors/policies", `${name}.json`), "utf8");

let upstream, hits = 0;
const workers = [];

/** The worker under Miniflare with `policyText`, in front of the counting upstream. */
async function worker(policyText, options = {}) {
  const mf = new Miniflare({
    ...options,
    scriptPath: path.join(here, "../src/index.js"),
    modules: true,
    modulesRoot: path.join(here, "../src"),
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2024-09-23",
    bindings: { POLICY: policyText, UPSTREAM: `http://127.0.0.1:${upstream.address().port}` },
  });
  workers.push(mf);
  return mf;
}

/**
 * Wait until the worker has kept `target`'s filtered feed under `policyText`:
 * its `cache.put` runs in `waitUntil`, after the response. Polled in the
 * Cache API under the key the gateway gives the route (a fixed pause passed
 * or failed with the machine's load); 10 s at most.
 */
async function settle(mf, policyText, target) {
  const { cache_key: key } = Gateway.fromJson(policyText).route({ method: "GET", target }, `http://127.0.0.1:${upstream.address().port}`);
  const cache = (await mf.getCaches()).default;
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
    const entry = await cache.match(key);
    if (entry) return void (await entry.arrayBuffer());
  }
  assert.fail(`${target}: not in the Cache API under ${key} after 10 s`);
}

before(async () => {
  build();
  upstream = createServer((req, res) => {
    hits++;
    // `known` in the URL: with a Content-Length, so the worker reads the feed whole (else chunked: streamed).
    const length = req.url.includes("known") ? { "content-length": Buffer.byteLength(FEED) } : {};
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60", ...length, ...(req.url.includes("novalidator") ? {} : { etag: '"v1"' }) });
    res.end(FEED);
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
});
after(async () => {
  for (const mf of workers) await mf.dispose();
  upstream.close();
});

test("a filtered feed is served from the Cache API; a poll with its ETag is a 304 from the cache", async () => {
  const mf = await worker(policy("docker-only"));
  const first = await mf.dispatchFetch("http://edge/api/v4/packages?case=cache");
  const body = await first.text();
  const etag = first.headers.get("etag");
  assert.equal(first.status, 200);
  assert.equal(hits, 1);
  await settle(mf, policy("docker-only"), "/api/v4/packages?case=cache");
  const second = await mf.dispatchFetch("http://edge/api/v4/packages?case=cache");
  assert.equal(await second.text(), body);
  // Miniflare's front (as Cloudflare's) hands the worker `accept-encoding:
  // br, gzip` for every client: the hit is the gzipped copy, whose ETag is
  // the feed's weakened (RFC 9110 §8.8.3).
  assert.match(etag, /^"rs-[0-9a-f]{32}"$/);
  assert.equal(second.headers.get("etag"), `W/${etag}`);
  assert.equal(hits, 1, "the second poll did not reach the upstream");
  const poll = await mf.dispatchFetch("http://edge/api/v4/packages?case=cache", { headers: { "if-none-match": etag } });
  assert.equal(poll.status, 304);
  assert.equal(poll.headers.get("etag"), `W/${etag}`);
  assert.equal(hits, 1, "the 304 came from the cache");
});

test("a feed without an upstream validator is cached with the digest of its body as ETag", async () => {
  const mf = await worker(policy("docker-only"));
  const before = hits;
  const first = await mf.dispatchFetch("http://edge/api/v4/packages?case=novalidator");
  await first.text();
  assert.equal(first.headers.get("etag"), null, "nothing to derive one from while streaming");
  await settle(mf, policy("docker-only"), "/api/v4/packages?case=novalidator");
  const second = await mf.dispatchFetch("http://edge/api/v4/packages?case=novalidator");
  await second.text();
  assert.match(second.headers.get("etag") ?? "", /^W\/"rs-[0-9a-f]{32}"$/, "the gzipped copy's");
  assert.equal(hits, before + 1);
});

test("another policy never reads the first policy's entry", async () => {
  const a = await worker(policy("docker-only"));
  const b = await worker(policy("shop-com"));
  await (await a.dispatchFetch("http://edge/api/v4/packages?case=policies")).text();
  await settle(a, policy("docker-only"), "/api/v4/packages?case=policies");
  const before = hits;
  const other = await b.dispatchFetch("http://edge/api/v4/packages?case=policies");
  assert.equal(await other.text(), "[]");
  assert.equal(hits, before + 1, "fetched and filtered for its own policy");
});

/** A GET over Miniflare's own socket, its body undecoded: [headers, bytes]. */
const raw = (base, p, headers) =>
  new Promise((resolve, reject) =>
    http.get(new URL(p, base), { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve([res.headers, Buffer.concat(chunks)]));
    }).on("error", reject));

test("a cached feed is kept gzipped: sent as it is where Accept-Encoding allows gzip, inflated elsewhere", async () => {
  const mf = await worker(policy("docker-only"));
  const base = await mf.ready;
  const [first, body] = await raw(base, "/api/v4/packages?case=gzip", {});
  await settle(mf, policy("docker-only"), "/api/v4/packages?case=gzip");
  const before = hits;
  const [gz, zipped] = await raw(base, "/api/v4/packages?case=gzip", { "accept-encoding": "gzip" });
  assert.equal(gz["content-encoding"], "gzip");
  assert.deepEqual(gunzipSync(zipped), body, "the same feed once inflated");
  const [plain, bytes] = await raw(base, "/api/v4/packages?case=gzip", { "accept-encoding": "identity, gzip;q=0" });
  assert.equal(plain["content-encoding"], undefined);
  assert.deepEqual(bytes, body);
  assert.equal(plain.vary, "accept-encoding");
  assert.match(first.etag, /^"rs-[0-9a-f]{32}"$/, "the streamed plain feed's, strong");
  assert.equal(gz.etag, `W/${first.etag}`, "the gzipped copy's, weakened (RFC 9110 §8.8.3)");
  assert.equal(gz.vary, "accept-encoding");
  // Miniflare's front asks the worker for gzip whatever the client sends
  // and inflates for a client that takes none: the same weak ETag.
  assert.equal(plain.etag, gz.etag);
  for (const inm of [first.etag, gz.etag]) {
    const [current, none] = await raw(base, "/api/v4/packages?case=gzip", { "accept-encoding": "gzip", "if-none-match": inm });
    assert.equal(current.etag, gz.etag, `304 for ${inm}`);
    assert.equal(none.length, 0); // (Miniflare's front labels even a 304 gzip for such a client)
  }
  const [notModified] = await raw(base, "/api/v4/packages?case=gzip", { "accept-encoding": "identity", "if-none-match": first.etag });
  assert.equal(notModified.etag, gz.etag);
  assert.equal(hits, before, "all from the cache");
});

test("another isolate reads the entry from the Cache API (this one holds it in memory: the gateway's RecentFeeds)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "resale-cache-"));
  try {
    const a = await worker(policy("docker-only"), { cachePersist: dir });
    const body = await (await a.dispatchFetch("http://edge/api/v4/packages?case=isolates")).text();
    await settle(a, policy("docker-only"), "/api/v4/packages?case=isolates");
    await a.dispose();
    workers.splice(workers.indexOf(a), 1);
    const before = hits;
    const b = await worker(policy("docker-only"), { cachePersist: dir });
    const [gz, zipped] = await raw(await b.ready, "/api/v4/packages?case=isolates", { "accept-encoding": "gzip" });
    assert.equal(gz["cf-cache-status"], "HIT", "from the Cache API");
    assert.equal(gunzipSync(zipped).toString(), body);
    const [plain, bytes] = await raw(await b.ready, "/api/v4/packages?case=isolates", { "accept-encoding": "identity" });
    assert.equal(plain["content-encoding"], undefined);
    assert.equal(bytes.toString(), body);
    assert.equal(hits, before, "not fetched again");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a feed read whole (known length) is kept as a streamed one is: the same bytes and validator from the cache", async () => {
  const mf = await worker(policy("docker-only"));
  const before = hits;
  const base = await mf.ready;
  const [first, body] = await raw(base, "/api/v4/packages?case=known", { "accept-encoding": "identity" });
  assert.equal(first["content-length"], String(body.length), "answered whole");
  await settle(mf, policy("docker-only"), "/api/v4/packages?case=known");
  const [hit, bytes] = await raw(base, "/api/v4/packages?case=known", { "accept-encoding": "identity" });
  assert.equal(hits, before + 1, "the second poll came from the cache");
  assert.deepEqual(bytes, body);
  assert.equal(hit.etag.replace(/^W\//, ""), first.etag, "the feed's validator (weakened on the gzipped copy Miniflare's front asks for)");
  const [, streamed] = await raw(base, "/api/v4/packages?case=streamed", { "accept-encoding": "identity" });
  assert.deepEqual(streamed, body, "the streamed path's bytes");
});
