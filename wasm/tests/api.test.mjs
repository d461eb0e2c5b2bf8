// The JavaScript API beyond the vectors: streaming, errors, types of values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Gateway, Policy, ResaleError } from "../pkg/node.js";

const fixture = readFileSync(new URL("../../tests/fixtures/packages.json", import.meta.url));
const whitelist = readFileSync(new URL("../../tests/fixtures/whitelist.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
const policy = Policy.fromJson({ shop_url: "https://shop.example.com/store", extensions: Object.fromEntries(whitelist.map((c) => [c, {}])) });

test("fixture: 220 of 300 kept, one-shot equals streamed in odd chunks", async () => {
  const one = policy.filterCatalog("/api/v4/packages", fixture);
  assert.equal(JSON.parse(new TextDecoder().decode(one)).length, 220);
  const chunks = [];
  for (let i = 0; i < fixture.length; i += 4093) chunks.push(fixture.subarray(i, i + 4093));
  const stream = new ReadableStream({ start(c) { chunks.forEach((x) => c.enqueue(x)); c.close(); } }).pipeThrough(policy.catalogTransform("/api/v4/packages"));
  const streamed = new Uint8Array(await new Response(stream).arrayBuffer());
  assert.deepEqual(streamed, one);
});

test("filterCatalog copies a body in by pieces (256 KB): errors past the first piece have the whole feed's code and offset", () => {
  // The fixture is 672 KB, three pieces; the first test compares its bytes with a stream's.
  for (const at of [262143, 262144, 300001, fixture.length - 3]) {
    const bad = Uint8Array.from(fixture);
    bad[at] = 0x01; // a raw control byte: inside a string or between tokens, never valid
    const whole = (() => { try { policy.explainCatalog("/api/v4/packages", bad); } catch (e) { return e; } })();
    assert.ok(whole instanceof ResaleError && whole.domain === "catalog" && typeof whole.offset === "number", `at ${at}`);
    assert.equal(whole.offset, at);
    assert.throws(() => policy.filterCatalog("/api/v4/packages", bad), (e) => e instanceof ResaleError && e.code === whole.code && e.offset === whole.offset);
    const { reply } = Gateway.fromJson({ shop_url: "https://shop.example.com/store" }).catalogWhole({ method: "GET", target: "/api/v4/packages" }, bad);
    assert.equal(JSON.parse(reply.body).offset, at);
  }
});

test("catalogStream: equals one-shot from a byte stream and from a plain one, and errors on a broken feed", async () => {
  const one = policy.filterCatalog("/api/v4/packages", fixture);
  const chunked = (feed, type, bytes = new Uint8Array(feed)) => new ReadableStream({ type, pull(c) { if (!bytes.length) return void (c.close(), c.byobRequest?.respond(0)); c.enqueue(bytes.slice(0, 4093)); bytes = bytes.subarray(4093); } });
  for (const type of ["bytes", undefined]) {
    const streamed = new Uint8Array(await new Response(policy.catalogStream("/api/v4/packages", chunked(fixture, type), 65536)).arrayBuffer());
    assert.deepEqual(streamed, one, String(type));
  }
  const cut = policy.catalogStream("/api/v4/packages", chunked(fixture.subarray(0, 300000), "bytes"));
  await assert.rejects(new Response(cut).arrayBuffer(), (x) => x instanceof ResaleError && x.code.startsWith("catalog."));
});

test("catalogStream: a body that errors after the whole feed never sent the feed's end", async () => {
  // What a runtime that ends an errored response cleanly (workerd up to 1.20260426.x) would send.
  const one = policy.filterCatalog("/api/v4/packages", fixture);
  for (const tail of ["", "\n", "  \n".repeat(100000)]) {
    let bytes = new Uint8Array(Buffer.concat([fixture, Buffer.from(tail)]));
    const body = new ReadableStream({ type: "bytes", pull(c) { if (!bytes.length) return c.error(new Error("connection reset")); c.enqueue(bytes.slice(0, 65536)); bytes = bytes.subarray(65536); } });
    const reader = policy.catalogStream("/api/v4/packages", body, 65536).getReader();
    const got = [];
    await assert.rejects(async () => { for (;;) { const { done, value } = await reader.read(); if (done) break; got.push(value); } }, /connection reset/);
    const sent = Buffer.concat(got);
    const end = one.lastIndexOf(0x5d); // the feed's closing `]`
    assert.ok(sent.length > 0 && sent.length <= end, `${sent.length} bytes sent of ${one.length}, tail ${tail.length}`);
    assert.deepEqual(new Uint8Array(sent), one.subarray(0, sent.length));
    assert.throws(() => JSON.parse(sent.toString()));
  }
});

test("Gateway.recent / hold: a feed held for its ttl, in place of the last one under its key", () => {
  const gw = Gateway.fromJson({ shop_url: "https://shop.example.com/store" });
  assert.equal(gw.recent("https://u/a"), undefined);
  gw.hold("https://u/a", new Uint8Array([1, 2, 3]), new Headers({ etag: '"x"' }), 60);
  assert.deepEqual(gw.recent("https://u/a"), { body: new Uint8Array([1, 2, 3]), headers: [["etag", '"x"']] });
  gw.hold("https://u/a", new Uint8Array([4]), [], 0);
  assert.equal(gw.recent("https://u/a"), undefined, "ttl 0 drops it");
  for (const bad of [[["etag", 1]], [["etag"]], [["etag", "x", "y"]]]) {
    assert.throws(() => gw.hold("https://u/b", new Uint8Array([1]), bad, 60), (e) => e instanceof ResaleError && e.code === "argument.headers" && e.field === "headers" && e.domain === "argument", JSON.stringify(bad));
  }
  assert.equal(gw.recent("https://u/b"), undefined, "a refused hold holds nothing");
});

test("Gateway.catalogToHold: the filter reply's headers, with an ETag of the feed only where the upstream gave none", () => {
  const gw = Gateway.fromJson({ shop_url: "https://shop.example.com/store" });
  const req = { method: "GET", target: "/api/v4/packages" };
  const feed = new TextEncoder().encode("[]");
  const plain = [["content-type", "application/json"]];
  const answer = gw.catalogAnswer(req, 200, plain, []);
  assert.equal(answer.action, "filter");
  const held = gw.catalogToHold(req, 200, plain, [], feed);
  const etag = held.headers.filter(([n]) => n === "etag");
  assert.deepEqual(etag, [["etag", gw.bodyEtag(req.target, feed)]], "one ETag, the feed's");
  assert.deepEqual(held.headers.filter(([n]) => n !== "etag"), answer.reply.headers, "otherwise the filter reply's headers");
  const tagged = [...plain, ["etag", '"up-1"']];
  assert.deepEqual(gw.catalogToHold(req, 200, tagged, [], feed).headers, gw.catalogAnswer(req, 200, tagged, []).reply.headers, "the upstream's validator kept, none added");
  assert.equal(gw.catalogToHold(req, 503, plain, [], feed), null, "no filter answer: nothing to hold");
  assert.throws(() => gw.catalogToHold(req, 200, [[1, 2]], [], feed), (e) => e instanceof ResaleError && e.code === "argument.headers");
  assert.throws(() => gw.catalogAnswer(req, 200, [["etag"]], []), (e) => e instanceof ResaleError && e.code === "argument.headers");
});

test("Gateway.catalogAnswer: whole, the core's rule of which bodies are read whole (a plain Content-Length up to 8 MiB, not decoded)", () => {
  const gw = Gateway.fromJson({ shop_url: "https://shop.example.com/store" });
  const req = { method: "GET", target: "/api/v4/packages" };
  const whole = (headers, decodes = ["gzip"]) => gw.catalogAnswer(req, 200, headers, decodes).whole;
  assert.equal(whole(new Headers({ "content-length": "672000" })), 672000);
  assert.equal(whole([["content-length", "0"]]), 0);
  assert.equal(whole([["content-length", String(8 * 1024 * 1024)]]), 8 * 1024 * 1024, "the limit");
  assert.equal(whole([["content-length", String(8 * 1024 * 1024 + 1)]]), null, "over the limit");
  assert.equal(whole([]), null, "unknown length");
  for (const odd of ["+5", " 5 ", "5, 5"]) assert.equal(whole([["content-length", odd]]), null, JSON.stringify(odd));
  assert.equal(whole([["content-length", "5"], ["content-length", "5"]]), null, "two headers");
  assert.equal(whole([["content-length", "5"], ["content-encoding", "gzip"]]), null, "inflated: the length is the encoded size");
  assert.equal(gw.catalogAnswer(req, 200, [["content-length", "5"], ["content-encoding", "gzip"]], []).action, "reply", "not inflated: 502 upstream.encoding");
  assert.equal(gw.catalogAnswer({ ...req, method: "HEAD" }, 200, [["content-length", "5"]], []).whole, null, "HEAD reads no body");
  assert.equal("whole" in gw.catalogAnswer(req, 503, [], []), false, "only a filter answer carries it");
});

test("Gateway.catalogWhole: filterCatalog's bytes, or the gateway's coded 502 for a feed that cannot be filtered; catalogTruncated", () => {
  const gw = Gateway.fromJson({ shop_url: "https://shop.example.com/store" });
  const req = { method: "GET", target: "/api/v4/packages" };
  const feed = readFileSync(new URL("../../tests/fixtures/packages.json", import.meta.url));
  assert.deepEqual(gw.catalogWhole(req, feed), { body: gw.policy.filterCatalog(req.target, feed) });
  const { reply } = gw.catalogWhole(req, '[{"code":"docker"},{"code":');
  assert.equal(reply.status, 502);
  const { message, ...rest } = JSON.parse(reply.body);
  assert.deepEqual(rest, { status: "error", code: "catalog.json.truncated", offset: 27 });
  assert.match(message, /^the catalog upstream sent a feed that cannot be filtered: /);
  assert.equal(gw.catalogWhole({ ...req, method: "HEAD" }, "[1]").reply.body, "");
  assert.throws(() => gw.catalogWhole({ method: "GET", target: "/buy" }, "[]"), (e) => e instanceof ResaleError && e.code === "argument.target");
  const cut = gw.catalogTruncated(req, 10, 20, "reset");
  assert.equal(cut.status, 502);
  assert.equal(JSON.parse(cut.body).code, "upstream.truncated");
  assert.match(JSON.parse(gw.catalogTruncated(req, null, 20, "reset").body).message, /\(20 bytes\): reset$/);
});

test("Gateway.webhookSecrets: the core's reading of a one-per-line setting", () => {
  assert.deepEqual(Gateway.webhookSecrets(" old \r\n\nnew\n"), ["old", "new"]);
  assert.deepEqual(Gateway.webhookSecrets(undefined), []);
});

test("explainCatalog: the filter's decisions (kept codes = the filtered feed's), errors as filterCatalog", () => {
  const e = policy.explainCatalog("/api/v4/packages", fixture);
  assert.equal(e.status, "ok");
  assert.equal(e.items.length, 300);
  const kept = e.items.filter((i) => i.decision === "kept").map((i) => i.code);
  const filtered = JSON.parse(new TextDecoder().decode(policy.filterCatalog("/api/v4/packages", fixture)));
  assert.deepEqual(kept, filtered.map((i) => i.code));
  for (const i of e.items) assert.equal(i.decision === "hidden", i.rule === "not_sold");
  assert.deepEqual(e.items[0], { index: 0, code: "mongo-builder-0", name: "Mongo Builder 0", decision: "kept", rule: "sold_elsewhere", host: "store.cloudlinux.com" });
  assert.equal(e.summary.dropped, 80);
  assert.throws(() => policy.explainCatalog("/api/v4/packages", "[1]"), (x) => x instanceof ResaleError && x.code === "catalog.item.not_object" && x.offset === 1);
});

test("incremental filter reports stats and errors with offsets", () => {
  const f = policy.catalogFilter("/api/v4/packages");
  f.push("[{\"code\":\"x\"}");
  f.push("]");
  f.finish();
  assert.equal(f.stats.kept, 1);
  const g = policy.catalogFilter("/api/v4/packages");
  assert.throws(() => g.push("[1]"), (e) => e instanceof ResaleError && e.code === "catalog.item.not_object" && e.offset === 1);
});

test("policy errors carry code and JSON path", () => {
  assert.throws(() => Policy.fromJson('{"shop_url":"/x"}'), (e) => e instanceof ResaleError && e.code === "policy.shop_url.not_absolute" && e.field === "$.shop_url");
});

test("shop check from an object keeps + as +", () => {
  const p = Policy.fromJson({ shop_url: "https://s.example", extensions: { docker: {} } });
  const r = p.checkShopRequest({ "extension-id": "docker", kn: "PLSK.12345678.0001", token: "a+b/cQ==" });
  assert.equal(r.request.token, "a+b/cQ==");
  assert.throws(() => p.checkShopRequest("extension-id=docker&kn=1&kn=2"), (e) => e.code === "param.duplicate" && e.field === "kn");
});

test("licensePlan takes checkShopRequest's answer (its query) or checks a query itself", () => {
  const ka = Policy.fromJson(readFileSync(new URL("../../tests/vectors/policies/ka.json", import.meta.url), "utf8"));
  const query = "extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=QUJD&product-id=WPT_DELUXE";
  const order = { order_id: "order-1001", api: "v3", owner_id: "12345" };
  const answer = ka.checkShopRequest(query);
  assert.equal(answer.status, "accepted");
  // The query kept for the answer is not one of its fields.
  assert.deepEqual(Object.keys(answer), ["status", "request", "redirect_url"]);
  const fromAnswer = ka.licensePlan(answer, order);
  assert.equal(fromAnswer.status, "ok");
  assert.deepEqual(fromAnswer, ka.licensePlan(query, order));
  // A copy of the answer has no query kept: its fields are checked as a query would be.
  assert.throws(() => ka.licensePlan({ ...answer }, order), (e) => e instanceof ResaleError && e.code === "extension_id.missing");
  assert.throws(() => ka.licensePlan("extension-id=wp-toolkit", order), (e) => e instanceof ResaleError && e.field === "kn");
});
