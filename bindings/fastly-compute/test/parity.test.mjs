// The two edges side by side: the same requests to the Fastly service in
// Viceroy and to the Cloudflare Worker in workerd, both in front of one
// local origin, must get the same status, the same headers that carry
// meaning and the same body bytes. Skipped (with the reason) when the
// worker's runtime or wasm/pkg is missing; `make test` builds both first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../run.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const workerDir = path.join(repo, "bindings/cloudflare-worker");
const missing = !existsSync(path.join(workerDir, "node_modules/.bin/workerd"))
  ? "workerd is not installed (scripts/setup.sh worker)"
  : !existsSync(path.join(repo, "wasm/pkg/workerd.js"))
    ? "wasm/pkg is missing (make wasm)"
    : false;
const SECRET = "It's a Secret to Everybody";
const fixture = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
const categories = readFileSync(path.join(repo, "tests/fixtures/categories.json"));
const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => r(port)); }); });

let origin, fastly, worker;
before(async () => {
  if (missing) return;
  origin = createServer((req, res) => {
    const send = (status, body, headers = {}) => { res.writeHead(status, { "content-type": "application/json", ...headers }); res.end(body); };
    const [p] = req.url.split("?");
    if (p === "/api/v4/packages") return send(200, fixture, { "cache-control": "max-age=60", etag: '"x"', vary: "accept", "last-modified": "Tue, 01 Sep 2026 00:00:00 GMT" });
    if (p === "/api/v4/categories") return send(200, categories, { expires: "Wed, 02 Sep 2026 00:00:00 GMT" });
    if (p === "/api/v8/packages") return send(500, "boom");
    if (p === "/api/v4/packages/docker") return send(200, '{"code":"docker"}');
    return send(404, "{}");
  });
  await new Promise((r) => origin.listen(0, "127.0.0.1", r));
  const upstream = `http://127.0.0.1:${origin.address().port}`;
  const secrets = `old-secret\n${SECRET}`;
  const { start: startWorker } = await import(path.join(workerDir, "run.mjs"));
  [fastly, worker] = await Promise.all([
    start({ port: await freePort(), upstream, policyText, secrets }),
    startWorker({ port: await freePort(), upstream, policyText, secrets }),
  ]);
});
after(() => { fastly?.child.kill(); worker?.child.kill(); origin?.close(); });

const HEADERS = ["content-type", "location", "cache-control", "allow", "etag", "expires", "last-modified", "vary", "x-resale-filtered"];

async function answer(base, [route, init = {}]) {
  const r = await fetch(base + route, { redirect: "manual", ...init });
  return { status: r.status, headers: Object.fromEntries(HEADERS.map((h) => [h, r.headers.get(h)])), body: Buffer.from(await r.arrayBuffer()).toString("latin1") };
}

test("the Fastly service answers as the Cloudflare Worker does", { skip: missing }, async () => {
  const payloads = JSON.parse(readFileSync(path.join(repo, "tests/fixtures/octokit/marketplace-payloads.json"), "utf8")).examples;
  const sign = (body, secret = SECRET) => "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
  const post = (body, headers) => ["/webhooks/github", { method: "POST", body, headers }];
  const purchase = JSON.stringify(payloads[0]);
  const requests = [
    ["/healthz"],
    ["/nope?x=1"],
    ["/api/v4/packages?platform=unix&with-hidden"],
    ["/api/v4/packages", { method: "HEAD" }],
    ["/api/v4/categories?version=18.0.64"],
    ["/api/v4/packages/docker"],
    ["/api/v9/packages"],
    ["/api/v8/packages"],
    ["/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001&utm=x"],
    ["/buy?extension-id=wordpress-toolkit&kn=PLSK.1&kn=PLSK.2", { headers: { accept: "application/json" } }],
    ["/buy?extension-id=wordpress-toolkit&kn=PLSK.1&kn=PLSK.2", { headers: { accept: "text/html" } }],
    ["/buy?extension-id=%3Cscript%3E&kn=1"],
    ["/buy"],
    ["/buy?"],
    ["/webhooks/github"],
    post(purchase, { "x-github-event": "marketplace_purchase" }),
    post(purchase, { "x-github-event": "marketplace_purchase", "x-hub-signature-256": sign(purchase, "forged") }),
    post(purchase, { "x-github-event": "marketplace_purchase", "x-hub-signature-256": "sha1=abc" }),
    post(purchase, { "x-github-event": "marketplace_purchase", "x-hub-signature-256": sign(purchase) }),
    ...payloads.slice(1).map((p) => { const b = JSON.stringify(p); return post(b, { "x-github-event": "marketplace_purchase", "x-hub-signature-256": sign(b, "old-secret") }); }),
    post(purchase, { "x-github-event": "ping", "x-hub-signature-256": sign(purchase) }),
    post(purchase, { "x-hub-signature-256": sign(purchase) }),
    post("{not json", { "x-github-event": "marketplace_purchase", "x-hub-signature-256": sign("{not json") }),
    post('{"action":"purchased"}', { "x-github-event": "marketplace_purchase", "x-hub-signature-256": sign('{"action":"purchased"}') }),
  ];
  for (const req of requests) {
    const [f, w] = [await answer(fastly.url, req), await answer(worker.url, req)];
    assert.deepEqual(f, w, `${req[1]?.method ?? "GET"} ${req[0]} ${JSON.stringify(req[1]?.headers ?? {})}`);
  }
  console.log(`parity (Fastly in Viceroy, worker in workerd): ${requests.length} requests answered alike`);
});
