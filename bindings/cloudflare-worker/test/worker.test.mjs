// The worker in Cloudflare's own runtime (workerd), over HTTP on loopback,
// against a local upstream serving fixture feeds. Expected catalog bytes come
// from the engine's command line (`resale filter`), not from the worker; the
// /buy expectations from the shared check vectors (tests/edge/check-vectors.mjs).
// The upstream and the checks the Fastly service must pass the same way are in
// tests/edge/http-suite.mjs, shared with its test/service.test.mjs.
import { test, before, after } from "node:test";
import { readFileSync } from "node:fs";
import { start } from "../run.mjs";
import {
  SECRET, policyFile, freePort, startUpstream,
  assertCatalogsMatchEngine, assertInvalidFeedIncomplete, assertWebhookSignatures, assertCheckVectorsOverHttp,
} from "../../../tests/edge/http-suite.mjs";

let upstream, worker, workers = [];
before(async () => {
  upstream = await startUpstream();
  worker = await start({ port: await freePort(), upstream: upstream.url, policyText: readFileSync(policyFile, "utf8"), secrets: `old-secret\n${SECRET}` });
  workers.push(worker);
});
after(() => { workers.forEach((w) => w.child.kill()); upstream.server.close(); });

test("catalog output is byte-identical to the engine's one-shot output", () => assertCatalogsMatchEngine(worker.url));

test("an invalid upstream feed never arrives as a complete feed", () => assertInvalidFeedIncomplete(worker.url));

test("webhook: signatures verified (with rotation), the entitlement answered", () => assertWebhookSignatures(worker.url));

test("shared check vectors through /buy, one workerd per policy", async () => {
  const n = await assertCheckVectorsOverHttp(async (policyText) => {
    const w = await start({ port: await freePort(), policyText });
    workers.push(w);
    return w;
  });
  console.log(`vectors (worker in workerd): ${n} check vectors over HTTP`);
});
