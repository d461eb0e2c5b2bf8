// The service's Core Cache in Viceroy (which keeps cache entries in memory
// for its process): a filtered feed is kept under its upstream URL and the
// policy digest, and polls are answered from it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http, { createServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../run.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const FEED = '[{"code":"docker","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"},{"code":"seo","buy_url":"https://go.plesk.com/buy-plesk-ext/seo"}]';
const policy = readFileSync(path.join(repo, "tests/vectors/policies/docker-only.json"), "utf8");
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

let upstream, service, hits = 0;
before(async () => {
  upstream = createServer((req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60", ...(req.url.includes("novalidator") ? {} : { etag: '"v1"' }) });
    res.end(req.url.includes("broken") ? FEED.slice(0, 40) : FEED);
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  service = await start({ port: await freePort(), upstream: `http://127.0.0.1:${upstream.address().port}`, policyText: policy });
  hits = 0; // start() probes the upstream once
});
after(() => { service.child.kill(); upstream.close(); });

test("a filtered feed is served from the cache; a poll with its ETag is a 304 from the cache", async () => {
  const url = `${service.url}/api/v4/packages?case=cache`;
  const first = await fetch(url);
  const body = await first.text();
  const etag = first.headers.get("etag");
  assert.equal(hits, 1);
  const second = await fetch(url);
  assert.equal(await second.text(), body);
  // Node's fetch takes gzip: the hit is the gzipped copy, under the feed's
  // ETag weakened (RFC 9110 §8.8.3).
  assert.match(etag, /^"rs-[0-9a-f]{32}"$/);
  assert.equal(second.headers.get("etag"), `W/${etag}`);
  assert.equal(hits, 1, "the second poll did not reach the upstream");
  const poll = await fetch(url, { headers: { "if-none-match": etag } });
  assert.equal(poll.status, 304);
  assert.equal(poll.headers.get("etag"), `W/${etag}`);
  assert.equal(hits, 1, "the 304 came from the cache");
});

test("without an upstream validator the cached copy carries the digest of its body", async () => {
  const url = `${service.url}/api/v4/packages?case=novalidator`;
  const before = hits;
  const first = await fetch(url);
  await first.text();
  assert.equal(first.headers.get("etag"), null);
  const second = await fetch(url);
  await second.text();
  assert.match(second.headers.get("etag") ?? "", /^W\/"rs-[0-9a-f]{32}"$/, "the gzipped copy's");
  assert.equal(hits, before + 1);
});

test("a broken feed is never cached", async () => {
  const url = `${service.url}/api/v4/packages?case=broken`;
  const before = hits;
  for (let i = 0; i < 2; i++) {
    try {
      await (await fetch(url)).text();
    } catch {
      /* aborted, as it must be */
    }
  }
  assert.equal(hits, before + 2, "each request fetched again");
});

test("the feed is also kept gzipped: a client that takes gzip gets it as it is, others the plain copy", async () => {
  const url = `${service.url}/api/v4/packages?case=gzip`;
  const raw = (headers) => new Promise((resolve, reject) =>
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve([res.headers, Buffer.concat(chunks)]));
    }).on("error", reject));
  const [, body] = await raw({});
  const before = hits;
  const [gz, zipped] = await raw({ "accept-encoding": "gzip, br" });
  assert.equal(gz["content-encoding"], "gzip");
  assert.deepEqual(gunzipSync(zipped), body);
  const [plain, bytes] = await raw({ "accept-encoding": "gzip;q=0" });
  assert.equal(plain["content-encoding"], undefined);
  assert.deepEqual(bytes, body);
  assert.match(plain.etag, /^"rs-[0-9a-f]{32}"$/, "the plain copy's, strong");
  assert.equal(gz.etag, `W/${plain.etag}`, "the gzipped copy's, weakened (RFC 9110 §8.8.3)");
  assert.equal(gz.vary, "accept-encoding");
  for (const inm of [plain.etag, gz.etag]) {
    const [current] = await raw({ "accept-encoding": "gzip", "if-none-match": inm });
    assert.equal(current.etag, gz.etag, `304 for ${inm}`);
    assert.equal(current["content-encoding"], undefined);
  }
  const [notModified] = await raw({ "if-none-match": gz.etag });
  assert.equal(notModified.etag, plain.etag);
  assert.equal(hits, before, "all from the cache");
});
