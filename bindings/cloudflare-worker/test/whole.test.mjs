// The worker's two catalog paths in workerd (src/index.js): a feed the
// gateway says to read whole (Content-Length up to 8 MiB, of a body not
// decoded: resale_core::gateway::WHOLE_FEED_LIMIT) is read whole and filtered in one call, answered with a known
// length, and a cut or invalid one gets the gateway's coded 502; any other
// is streamed, and an invalid one aborts the stream. Which path answered is
// read off the answer's framing: Content-Length (whole) or chunked (streamed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http, { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { start } from "../run.mjs";
import { policyFile, fixture, big, freePort, expected } from "../../../tests/edge/http-suite.mjs";

const INVALID = Buffer.from('[{"code":"docker"},{"code":');
const SYNTAX = Buffer.from('[{"code":"docker"} x]');

// workerd up to 1.20260426.x ends an errored response body cleanly (cloudflare/workerd#6818).
const workerdVersion = JSON.parse(readFileSync(new URL("../node_modules/workerd/package.json", import.meta.url))).version;
const endsErroredBodies = workerdVersion.split(".")[1] < "20261117";

let upstream, worker;
before(async () => {
  upstream = createServer((req, res) => {
    const c = new URL(req.url, "http://x").searchParams.get("case");
    const known = (body, headers = {}) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length, ...headers });
      res.end(body);
    };
    const chunked = (body) => {
      res.writeHead(200, { "content-type": "application/json" }); // no Content-Length: chunked
      res.write(body.subarray(0, body.length >> 1));
      res.end(body.subarray(body.length >> 1));
    };
    if (c === "known") return known(fixture);
    if (c === "chunked") return chunked(fixture);
    if (c === "invalid-known") return known(INVALID);
    if (c === "syntax-known") return known(SYNTAX);
    if (c === "invalid-chunked") return chunked(INVALID);
    if (c === "gzip-known") return known(gzipSync(fixture), { "content-encoding": "gzip" });
    if (c === "over-limit") return known(big);
    if (c === "cut") {
      // Announces the whole fixture, sends half, then the connection dies.
      res.writeHead(200, { "content-type": "application/json", "content-length": fixture.length });
      return res.write(fixture.subarray(0, fixture.length >> 1), () => setTimeout(() => req.socket.destroy(), 20));
    }
    res.writeHead(404).end("{}");
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  worker = await start({ port: await freePort(), upstream: `http://127.0.0.1:${upstream.address().port}`, policyText: readFileSync(policyFile, "utf8") });
});
after(() => { worker?.child.kill(); upstream?.close(); });

/** A GET of the worker, undecoded: `{status, headers, body, aborted}`. */
const get = (target) => new Promise((resolve) => {
  const req = http.get(worker.url + target, { agent: false }, (res) => {
    const chunks = [];
    let done = false;
    const finish = (aborted) => { if (!done) { done = true; resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), aborted }); } };
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => finish(!res.complete));
    res.on("aborted", () => finish(true));
    res.on("error", () => finish(true));
    res.on("close", () => finish(!res.complete));
  });
  req.on("error", () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), aborted: true }));
});

const route = "/api/v4/packages";
const whole = (r) => r.headers["content-length"] === String(r.body.length) && r.headers["transfer-encoding"] === undefined;
const streamed = (r) => r.headers["content-length"] === undefined && r.headers["transfer-encoding"] === "chunked";

test("a feed of known length is filtered whole: the streamed feed's bytes and headers, with a Content-Length", async () => {
  const [w, s] = [await get(`${route}?case=known`), await get(`${route}?case=chunked`)];
  assert.equal(w.status, 200);
  assert.ok(whole(w), `read whole: ${JSON.stringify(w.headers)}`);
  assert.ok(streamed(s), `streamed: ${JSON.stringify(s.headers)}`);
  assert.deepEqual(w.body, s.body, "the same bytes either way");
  assert.deepEqual(w.body, expected(fixture, route), "the engine's one-shot output");
  const { "content-length": _, date: _d, ...wh } = w.headers;
  const { "transfer-encoding": _t, date: _e, ...sh } = s.headers;
  assert.deepEqual(wh, sh, "the same headers but the framing");
});

test("a feed of known length that cannot be filtered is the gateway's coded 502, never a 200", async () => {
  for (const [c, code, offset] of [["invalid-known", "catalog.json.truncated", INVALID.length], ["syntax-known", "catalog.json.invalid", 19]]) {
    const r = await get(`${route}?case=${c}`);
    assert.equal(r.status, 502, c);
    assert.equal(r.aborted, false, c);
    assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
    const doc = JSON.parse(r.body);
    assert.deepEqual([doc.status, doc.code, doc.offset], ["error", code, offset], c);
    assert.match(doc.message, /^the catalog upstream sent a feed that cannot be filtered: /);
  }
});

test("a body cut short of its Content-Length is 502 upstream.truncated", async () => {
  const r = await get(`${route}?case=cut`);
  assert.equal(r.status, 502);
  const doc = JSON.parse(r.body);
  assert.deepEqual([doc.status, doc.code], ["error", "upstream.truncated"]);
  assert.match(doc.message, new RegExp(`Content-Length \\((\\d+ of )?${fixture.length} bytes\\)`));
});

test("a feed of unknown length is streamed; an invalid one aborts the stream", async () => {
  const r = await get(`${route}?case=invalid-chunked`);
  assert.equal(r.status, 200, "the head went out before the feed was read");
  assert.ok(streamed(r));
  if (endsErroredBodies) assert.throws(() => JSON.parse(r.body), "not a whole feed (workerd#6818: not aborted either)");
  else assert.equal(r.aborted, true);
});

test("a gzipped body (its Content-Length the encoded size) and one over the limit are streamed, filtered right", async () => {
  const gz = await get(`${route}?case=gzip-known`);
  assert.equal(gz.status, 200);
  assert.ok(streamed(gz), `streamed: ${JSON.stringify(gz.headers)}`);
  assert.deepEqual(gz.body, expected(fixture, route));
  const over = await get(`${route}?case=over-limit`);
  assert.ok(big.length > 8 * 1024 * 1024);
  assert.equal(over.status, 200);
  assert.ok(streamed(over), `streamed: ${JSON.stringify(over.headers)}`);
  assert.deepEqual(over.body, expected(big, route));
});
