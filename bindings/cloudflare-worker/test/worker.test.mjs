// The worker in Cloudflare's own runtime (workerd), over HTTP on loopback,
// against a local upstream serving fixture feeds. Expected catalog bytes come
// from the engine's command line (`resale filter`), not from the worker; the
// /buy expectations from the shared check vectors (tests/edge/check-vectors.mjs,
// which drives the Fastly service too).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
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
// About 10 MB: the fixture's items fifteen times over.
const big = Buffer.from("[" + Array(15).fill(fixture.subarray(1, fixture.length - 1).toString()).join(",") + "]");
const SECRET = "It's a Secret to Everybody";

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

function expected(body, route) {
  return execFileSync(resale, ["filter", "--policy", policyFile, "--path", route], { input: body, maxBuffer: 1 << 26 });
}

let upstream, worker, workers = [];
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
    if (p === "/api/v4/packages/docker") return send(200, '{"code":"docker"}');
    return send(404, "{}");
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  worker = await start({ port: await freePort(), upstream: `http://127.0.0.1:${upstream.address().port}`, policyText: readFileSync(policyFile, "utf8"), secrets: `old-secret\n${SECRET}` });
  workers.push(worker);
});
after(() => { workers.forEach((w) => w.child.kill()); upstream.close(); });

test("catalog output is byte-identical to the engine's one-shot output", async () => {
  for (const [route, body] of [["/api/v4/packages?platform=unix&with-hidden", fixture], ["/api/v5/packages", fixture], ["/api/v6/packages", big], ["/api/v4/categories?version=18.0.64", categories]]) {
    const r = await fetch(worker.url + route);
    assert.equal(r.status, 200, route);
    const got = Buffer.from(await r.arrayBuffer());
    assert.ok(got.equals(expected(body, route)), `${route}: differs from resale filter`);
    assert.notEqual(r.headers.get("etag"), '"x"', "the ETag of the unfiltered body is not the filtered feed's");
  }
  const r = await fetch(worker.url + "/api/v4/packages");
  assert.equal(JSON.parse(await r.text()).length, 220);
  assert.equal(r.headers.get("cache-control"), "max-age=60");
});

test("an invalid upstream feed never arrives as a complete feed", async () => {
  let text = null;
  try {
    const r = await fetch(worker.url + "/api/v7/packages");
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
  const post = (headers) => fetch(worker.url + "/webhooks/github", { method: "POST", body, headers: { "x-github-event": "marketplace_purchase", "x-github-delivery": `d-${++deliveries}`, ...headers } });
  const ok = await post({ "x-hub-signature-256": sig });
  assert.equal(ok.status, 200);
  const applied = await ok.json();
  assert.equal(applied.status, "applied");
  assert.equal(applied.entitlement.account.id, 18404719);
  const forged = await post({ "x-hub-signature-256": sig.replace(/.$/, (c) => (c === "0" ? "1" : "0")) });
  assert.equal(forged.status, 401);
  assert.equal((await forged.json()).code, "signature.mismatch");
  assert.equal((await post({})).status, 401);
});

test("shared check vectors through /buy, one workerd per policy", async () => {
  let n = 0;
  for (const [, policyText, cases] of checkVectorsByPolicy()) {
    const w = await start({ port: await freePort(), policyText });
    workers.push(w);
    for (const c of cases) {
      await assertBuy(w.url, c);
      n++;
    }
    w.child.kill();
  }
  console.log(`vectors (worker in workerd): ${n} check vectors over HTTP`);
  assert.ok(n > 40);
});
