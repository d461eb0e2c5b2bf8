// The Fastly Compute service in Fastly's local runtime (Viceroy), over HTTP
// on loopback, against a local origin serving fixture feeds — the same
// checks as the Cloudflare Worker's test/worker.test.mjs. Expected catalog
// bytes come from the engine's command line (`resale filter`), the /buy
// expectations from the shared check vectors (tests/edge/check-vectors.mjs,
// which drives the worker too).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { gzipSync } from "node:zlib";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../run.mjs";
import { checkVectorsByPolicy, assertBuy } from "../../../tests/edge/check-vectors.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const resale = path.join(repo, "target/release/resale");
const policyFile = path.join(repo, "examples/policy.json");
const fixture = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
const categories = readFileSync(path.join(repo, "tests/fixtures/categories.json"));
// About 10 MB: the fixture's items fifteen times over (as the worker's test builds it).
const big = Buffer.from("[" + Array(15).fill(fixture.subarray(1, fixture.length - 1).toString()).join(",") + "]");
const SECRET = "It's a Secret to Everybody";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

function expected(body, route) {
  return execFileSync(resale, ["filter", "--policy", policyFile, "--path", route], { input: body, maxBuffer: 1 << 26 });
}

let upstream, service, upstreamUrl, gzipAsked;
const services = [];
before(async () => {
  upstream = createServer((req, res) => {
    const send = (status, body, headers = {}) => { res.writeHead(status, { "content-type": "application/json", ...headers }); res.end(body); };
    const [p] = req.url.split("?");
    if (p === "/api/v4/packages") return send(200, fixture, { "cache-control": "max-age=60", etag: '"x"', "content-length": fixture.length });
    if (p === "/api/v4/categories") return send(200, categories);
    if (p === "/api/v5/packages") {
      // Chunked, in small pieces, slowly.
      res.writeHead(200, { "content-type": "application/json" });
      let i = 0;
      const step = () => { if (i >= fixture.length) return res.end(); res.write(fixture.subarray(i, i + 7919)); i += 7919; setTimeout(step, 1); };
      return step();
    }
    if (p === "/api/v6/packages") return send(200, big);
    if (p === "/api/v7/packages") return send(200, fixture.subarray(0, 40000));
    if (p === "/api/v8/packages") return send(500, "boom");
    if (p === "/api/v10/packages") {
      // Gzipped, as a CDN in front of the catalog may send it when asked.
      gzipAsked = req.headers["accept-encoding"] ?? null;
      return send(200, gzipSync(fixture), { "content-encoding": "gzip" });
    }
    if (p === "/api/v4/packages/docker") return send(200, '{"code":"docker"}', { "x-upstream": "1" });
    return send(404, "{}");
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
  service = await start({ port: await freePort(), upstream: upstreamUrl, policyText: readFileSync(policyFile, "utf8"), secrets: `old-secret\n${SECRET}` });
  services.push(service);
});
after(() => { services.forEach((s) => s.child.kill()); upstream.close(); });

test("catalog output is byte-identical to the engine's one-shot output", async () => {
  for (const [route, body] of [["/api/v4/packages?platform=unix&with-hidden", fixture], ["/api/v5/packages", fixture], ["/api/v6/packages", big], ["/api/v4/categories?version=18.0.64", categories]]) {
    const r = await fetch(service.url + route);
    assert.equal(r.status, 200, route);
    const got = Buffer.from(await r.arrayBuffer());
    assert.ok(got.equals(expected(body, route)), `${route}: differs from resale filter`);
    assert.notEqual(r.headers.get("etag"), '"x"', "the ETag of the unfiltered body is not the filtered feed's");
    assert.equal(r.headers.get("x-resale-filtered"), "1");
  }
  const r = await fetch(service.url + "/api/v4/packages");
  assert.equal(JSON.parse(await r.text()).length, 220);
  assert.equal(r.headers.get("cache-control"), "max-age=60");
  assert.equal(r.headers.get("content-type"), "application/json");
});

test("a gzipped upstream feed is inflated before the filter", async () => {
  const r = await fetch(service.url + "/api/v10/packages");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-encoding"), null);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(expected(fixture, "/api/v10/packages")));
  assert.equal(gzipAsked, "identity", "the feed is asked for unencoded");
});

test("an invalid upstream feed never arrives as a complete feed", async () => {
  let text = null;
  try {
    const r = await fetch(service.url + "/api/v7/packages");
    text = await r.text();
  } catch {
    text = null; // the stream was aborted: that is the expected outcome
  }
  if (text !== null) assert.throws(() => JSON.parse(text));
});

test("webhook: signatures verified (with rotation), the entitlement answered", async () => {
  const payloads = JSON.parse(readFileSync(path.join(repo, "tests/fixtures/octokit/marketplace-payloads.json"), "utf8")).examples;
  const body = JSON.stringify(payloads[0]);
  const sig = "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex");
  let deliveries = 0;
  const post = (headers) => fetch(service.url + "/webhooks/github", { method: "POST", body, headers: { "x-github-event": "marketplace_purchase", "x-github-delivery": `d-${++deliveries}`, ...headers } });
  const ok = await post({ "x-hub-signature-256": sig });
  assert.equal(ok.status, 200);
  const applied = await ok.json();
  assert.equal(applied.status, "applied");
  assert.equal(applied.entitlement.account.id, 18404719);
  const forged = await post({ "x-hub-signature-256": sig.replace(/.$/, (c) => (c === "0" ? "1" : "0")) });
  assert.equal(forged.status, 401);
  assert.equal((await forged.json()).code, "signature.mismatch");
  assert.equal((await post({})).status, 401);
  const ping = await fetch(service.url + "/webhooks/github", { method: "POST", body, headers: { "x-github-event": "ping", "x-hub-signature-256": sig } });
  assert.equal(ping.status, 202);
  assert.deepEqual(await ping.json(), { status: "ignored", reason: "event.not_marketplace_purchase", event: "ping" });
  const get = await fetch(service.url + "/webhooks/github");
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
});

test("a policy that does not compile is a coded 500", async () => {
  const s = await start({ port: await freePort(), upstream: upstreamUrl, policyText: "{}" });
  services.push(s);
  const r = await fetch(s.url + "/buy?extension-id=docker&kn=PLSK.12345678.0001");
  assert.equal(r.status, 500);
  assert.equal((await r.json()).code, "policy.key.missing");
  s.child.kill();
});

test("shared check vectors through /buy, one Viceroy per policy", async () => {
  let n = 0;
  for (const [, policyText, cases] of checkVectorsByPolicy()) {
    const s = await start({ port: await freePort(), upstream: upstreamUrl, policyText });
    services.push(s);
    for (const c of cases) {
      await assertBuy(s.url, c);
      n++;
    }
    s.child.kill();
  }
  console.log(`vectors (Fastly Compute in Viceroy): ${n} check vectors over HTTP`);
  assert.ok(n > 40);
});
