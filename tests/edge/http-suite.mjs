// What both edge bindings' HTTP tests share (the Cloudflare Worker in workerd,
// the Fastly Compute service in Viceroy): the fixture feeds, a local upstream
// serving them, the engine's one-shot output as the expected catalog bytes,
// and the checks both edges must pass the same way. One copy, so that the two
// edges are held to the same expectations; each test file adds what only its
// edge does (e.g. Fastly's gzip origin, its filtered-feed header).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkVectorsByPolicy, assertBuy } from "./check-vectors.mjs";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const resale = path.join(repo, "target/release/resale");
export const policyFile = path.join(repo, "examples/policy.json");
export const fixture = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
export const categories = readFileSync(path.join(repo, "tests/fixtures/categories.json"));
/** About 10 MB: the fixture's items fifteen times over. */
export const big = Buffer.from("[" + Array(15).fill(fixture.subarray(1, fixture.length - 1).toString()).join(",") + "]");
export const SECRET = "It's a Secret to Everybody";

export { freePort } from "./local-runtime.mjs";

/** The engine's command line output for `body` at `route`: what an edge must send. */
export function expected(body, route) {
  return execFileSync(resale, ["filter", "--policy", policyFile, "--path", route], { input: body, maxBuffer: 1 << 26 });
}

/**
 * A local upstream on loopback serving the fixture feeds: plain (v4), chunked
 * slowly (v5), large (v6), cut short (v7), failing (v8), gzipped (v10).
 * Resolves to `{ server, url, gzipAsked }`, `gzipAsked()` the accept-encoding
 * the last v10 request sent.
 */
export async function startUpstream() {
  let gzipAsked = null;
  const server = createServer((req, res) => {
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
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}`, gzipAsked: () => gzipAsked };
}

/**
 * Every catalog route's bytes equal `resale filter`'s, the ETag is not the
 * unfiltered body's, the upstream's cache-control is kept. `more(response)`
 * adds an edge's own assertions on each filtered answer.
 */
export async function assertCatalogsMatchEngine(base, more = () => {}) {
  for (const [route, body] of [["/api/v4/packages?platform=unix&with-hidden", fixture], ["/api/v5/packages", fixture], ["/api/v6/packages", big], ["/api/v4/categories?version=18.0.64", categories]]) {
    const r = await fetch(base + route);
    assert.equal(r.status, 200, route);
    const got = Buffer.from(await r.arrayBuffer());
    assert.ok(got.equals(expected(body, route)), `${route}: differs from resale filter`);
    assert.notEqual(r.headers.get("etag"), '"x"', "the ETag of the unfiltered body is not the filtered feed's");
    more(r);
  }
  const r = await fetch(base + "/api/v4/packages");
  assert.equal(JSON.parse(await r.text()).length, 220);
  assert.equal(r.headers.get("cache-control"), "max-age=60");
  return r;
}

/** A feed cut short upstream is an aborted stream or a body that does not parse, never a complete feed. */
export async function assertInvalidFeedIncomplete(base) {
  let text = null;
  try {
    const r = await fetch(base + "/api/v7/packages");
    text = await r.text();
  } catch {
    text = null; // the stream was aborted: that is the expected outcome
  }
  if (text !== null) assert.throws(() => JSON.parse(text));
}

/**
 * A marketplace webhook signed with the current secret (the edge holds an old
 * one too) is applied and answers the entitlement; a forged or missing
 * signature is a coded 401. Returns `{ body, sig }` for an edge's further checks.
 */
export async function assertWebhookSignatures(base) {
  const payloads = JSON.parse(readFileSync(path.join(repo, "tests/fixtures/octokit/marketplace-payloads.json"), "utf8")).examples;
  const body = JSON.stringify(payloads[0]);
  const sig = "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex");
  let deliveries = 0;
  const post = (headers) => fetch(base + "/webhooks/github", { method: "POST", body, headers: { "x-github-event": "marketplace_purchase", "x-github-delivery": `d-${++deliveries}`, ...headers } });
  const ok = await post({ "x-hub-signature-256": sig });
  assert.equal(ok.status, 200);
  const applied = await ok.json();
  assert.equal(applied.status, "applied");
  assert.equal(applied.entitlement.account.id, 18404719);
  const forged = await post({ "x-hub-signature-256": sig.replace(/.$/, (c) => (c === "0" ? "1" : "0")) });
  assert.equal(forged.status, 401);
  assert.equal((await forged.json()).code, "signature.mismatch");
  assert.equal((await post({})).status, 401);
  return { body, sig };
}

/**
 * The shared check vectors through /buy, one edge per policy: `startOne(policyText)`
 * resolves to a started edge (`{ url, child }`), stopped after its cases.
 * Returns how many vectors ran.
 */
export async function assertCheckVectorsOverHttp(startOne) {
  let n = 0;
  for (const [, policyText, cases] of checkVectorsByPolicy()) {
    const edge = await startOne(policyText);
    for (const c of cases) {
      await assertBuy(edge.url, c);
      n++;
    }
    edge.child.kill();
  }
  assert.ok(n > 40);
  return n;
}
