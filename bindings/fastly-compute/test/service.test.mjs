// The Fastly Compute service in Fastly's local runtime (Viceroy), over HTTP
// on loopback, against a local origin serving fixture feeds — the same
// checks as the Cloudflare Worker's test/worker.test.mjs, from the one copy in
// tests/edge/http-suite.mjs. Expected catalog bytes come from the engine's
// command line (`resale filter`), the /buy expectations from the shared check
// vectors (tests/edge/check-vectors.mjs, which drives the worker too).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { start } from "../run.mjs";
import {
  SECRET, policyFile, fixture, freePort, expected, startUpstream,
  assertCatalogsMatchEngine, assertInvalidFeedIncomplete, assertWebhookSignatures, assertCheckVectorsOverHttp,
} from "../../../tests/edge/http-suite.mjs";

let upstream, service, upstreamUrl;
const services = [];
before(async () => {
  upstream = await startUpstream();
  upstreamUrl = upstream.url;
  service = await start({ port: await freePort(), upstream: upstreamUrl, policyText: readFileSync(policyFile, "utf8"), secrets: `old-secret\n${SECRET}` });
  services.push(service);
});
after(() => { services.forEach((s) => s.child.kill()); upstream.server.close(); });

test("catalog output is byte-identical to the engine's one-shot output", async () => {
  const r = await assertCatalogsMatchEngine(service.url, (each) => assert.equal(each.headers.get("x-resale-filtered"), "1"));
  assert.equal(r.headers.get("content-type"), "application/json");
});

test("a gzipped upstream feed is inflated before the filter", async () => {
  const r = await fetch(service.url + "/api/v10/packages");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-encoding"), null);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(expected(fixture, "/api/v10/packages")));
  assert.equal(upstream.gzipAsked(), "identity", "the feed is asked for unencoded");
});

test("an invalid upstream feed never arrives as a complete feed", () => assertInvalidFeedIncomplete(service.url));

test("webhook: signatures verified (with rotation), the entitlement answered", async () => {
  const { body, sig } = await assertWebhookSignatures(service.url);
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
  const n = await assertCheckVectorsOverHttp(async (policyText) => {
    const s = await start({ port: await freePort(), upstream: upstreamUrl, policyText });
    services.push(s);
    return s;
  });
  console.log(`vectors (Fastly Compute in Viceroy): ${n} check vectors over HTTP`);
});
