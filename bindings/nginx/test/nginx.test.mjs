// ngx_http_resale_module in Debian's real nginx, over HTTP on loopback,
// against a local upstream serving fixture feeds. Expected catalog bytes come
// from the engine's command line (`resale filter`), not from the module.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFileSync, execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, readdirSync, writeFileSync, existsSync, mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { repo, config, check, start, workers, catalogLocation } from "../run.mjs";
import { checkVectorsByPolicy, assertBuy } from "../../../tests/edge/check-vectors.mjs";

const resale = path.join(repo, "target/release/resale");
const policyFile = path.join(repo, "examples/policy.json");
const fixture = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
const categories = readFileSync(path.join(repo, "tests/fixtures/categories.json"));

// About 10 MB, from the catalog generator committed in tests/fixtures/tools (written under target/ at test time).
const bigFile = path.join(repo, "target/nginx-test/packages-4500.json");
if (!existsSync(bigFile)) {
  mkdirSync(path.dirname(bigFile), { recursive: true });
  writeFileSync(bigFile, execFileSync("python3", [path.join(repo, "tests/fixtures/tools/gen_catalog.py"), "packages", "--items", "4500", "--seed", "7"], { maxBuffer: 1 << 26 }));
}
const big = readFileSync(bigFile);

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const expected = (body, route, policy = policyFile) =>
  execFileSync(resale, ["filter", "--policy", policy, "--path", route], { input: body, maxBuffer: 1 << 26 });

// A deterministic generator for the small-pieces upstream.
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** An invalid feed: the fixture with a syntax error in the middle. */
const cut = fixture.indexOf("},{", 300000) + 2;
const garbled = Buffer.concat([fixture.subarray(0, cut), Buffer.from("!!"), fixture.subarray(cut)]);

let release = null; // resolves the held response of /api/v11/packages
let cacheFetches = 0; // requests of /api/v12/packages that reached the upstream
let upstream, nginx, dir, port, portNb, portSlow, portCache;
const gatePorts = new Map();

before(async () => {
  upstream = createServer((req, res) => {
    const send = (status, body, headers = {}) => { res.writeHead(status, { "content-type": "application/json", ...headers }); res.end(body); };
    const [p] = req.url.split("?");
    if (p === "/api/v4/packages") return send(200, fixture, { "cache-control": "max-age=60", etag: '"x"', "accept-ranges": "bytes", "content-length": fixture.length });
    if (p === "/api/v4/categories") return send(200, categories);
    if (p === "/api/v5/packages") {
      // Chunked, in pieces of 1 to 100 bytes, with pauses.
      res.writeHead(200, { "content-type": "application/json" });
      const rnd = lcg(42);
      let i = 0, n = 0;
      const step = () => {
        while (i < fixture.length) {
          const len = 1 + Math.floor(rnd() * 100);
          res.write(fixture.subarray(i, i + len));
          i += len;
          if (++n % 400 === 0) return setTimeout(step, 1);
        }
        res.end();
      };
      return step();
    }
    if (p === "/api/v6/packages") return send(200, big);
    if (p === "/api/v7/packages") return send(200, fixture.subarray(0, 40000)); // cut short
    if (p === "/api/v8/packages") return send(500, "boom");
    if (p === "/api/v9/packages") return send(200, garbled);
    if (p === "/api/v10/packages") return send(200, gzipSync(fixture), { "content-encoding": "gzip" });
    if (p === "/api/v11/packages") {
      // Half the feed, then nothing until the test has seen filtered bytes.
      res.writeHead(200, { "content-type": "application/json" });
      res.write(fixture.subarray(0, 300000));
      new Promise((r) => (release = r)).then(() => res.end(fixture.subarray(300000)));
      return;
    }
    if (p === "/api/v12/packages") {
      cacheFetches++;
      return send(200, fixture, { "cache-control": "max-age=60" });
    }
    if (p === "/api/v4/packages/docker") return send(200, '{"code":"docker"}', { etag: '"d"' });
    return send(404, "{}");
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  const up = `http://127.0.0.1:${upstream.address().port}`;

  // One server per policy for the check vectors.
  const policies = readdirSync(path.join(repo, "tests/vectors/policies")).map((f) => f.replace(/\.json$/, ""));
  let gates = "";
  for (const p of policies) {
    const gp = await freePort();
    gatePorts.set(p, gp);
    gates += `
  server {
    listen 127.0.0.1:${gp};
    resale_policy ${path.join(repo, "tests/vectors/policies", p + ".json")};
    location = /buy { resale_shop_gate; }
    location = /rewrite { resale_buy_url_from $http_x_url; return 200 "$resale_buy_url"; }
  }`;
  }
  port = await freePort();
  portNb = await freePort();
  portSlow = await freePort();
  portCache = await freePort();
  dir = mkdtempSync(path.join(os.tmpdir(), "resale-nginx-"));
  const file = config(
    dir,
    `
  resale_policy ${policyFile};
  server {
    listen 127.0.0.1:${port};
    # small buffers: the 10 MB feed goes through temporary files
    proxy_buffers 4 8k;
    proxy_busy_buffers_size 8k;
    ${catalogLocation(up)}
    location = /buy { resale_shop_gate; }
  }
  server {
    listen 127.0.0.1:${portNb};
    ${catalogLocation(up, "proxy_buffering off;")}
  }
  server {
    # a small send buffer: a paused client holds the filter's buffers
    listen 127.0.0.1:${portSlow} sndbuf=8k;
    ${catalogLocation(up)}
  }
  proxy_cache_path ${dir}/cache keys_zone=feeds:1m;
  server {
    listen 127.0.0.1:${portCache};
    ${catalogLocation(up, "proxy_cache feeds;")}
  }
${gates}`,
  );
  const t = check(dir, file);
  assert.ok(t.ok, t.output);
  nginx = await start(dir, file, port);
});

after(async () => {
  release?.();
  await nginx?.stop();
  upstream?.close();
  if (dir && !process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

const url = (route, p = port) => `http://127.0.0.1:${p}${route}`;

/** A raw HTTP/1.1 exchange: everything the server sent until it closed. */
function raw(route, p = port, headers = "") {
  return new Promise((resolve, reject) => {
    const s = net.connect(p, "127.0.0.1", () => s.write(Buffer.from(`GET ${route} HTTP/1.1\r\nHost: t\r\n${headers}Connection: close\r\n\r\n`)));
    const parts = [];
    s.on("data", (d) => parts.push(d));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(parts)));
  });
}

/** Decode a chunked body; `complete` is false when the last chunk never came. */
function dechunk(buf) {
  const chunks = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", i);
    if (eol < 0) return { body: Buffer.concat(chunks), complete: false };
    const size = parseInt(buf.subarray(i, eol).toString(), 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(chunks), complete: false };
    if (size === 0) return { body: Buffer.concat(chunks), complete: buf.subarray(eol, eol + 4).toString() === "\r\n\r\n" };
    if (eol + 2 + size + 2 > buf.length) return { body: Buffer.concat([...chunks, buf.subarray(eol + 2)]), complete: false };
    chunks.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

test("catalog output is byte-identical to the engine's (buffered and unbuffered proxy)", async () => {
  const routes = [
    ["/api/v4/packages?platform=unix&with-hidden", fixture],
    ["/api/v5/packages", fixture],
    ["/api/v6/packages", big],
    ["/api/v4/categories?version=18.0.64", categories],
  ];
  for (const p of [port, portNb]) {
    for (const [route, body] of routes) {
      const r = await fetch(url(route, p));
      assert.equal(r.status, 200, route);
      const got = Buffer.from(await r.arrayBuffer());
      assert.ok(got.equals(expected(body, route)), `${route} on ${p}: differs from resale filter`);
      assert.equal(r.headers.get("x-resale-filtered"), "1");
      assert.notEqual(r.headers.get("etag"), '"x"', "the ETag of the unfiltered body is not the filtered feed's");
      assert.equal(r.headers.get("content-length"), null);
      assert.equal(r.headers.get("accept-ranges"), null);
    }
  }
  const r = await fetch(url("/api/v4/packages"));
  assert.equal(r.headers.get("cache-control"), "max-age=60");
  assert.equal(JSON.parse(await r.text()).length, 220);
});

test("proxy_cache: a hit (one buffer from the cache file, data and end together) is filtered whole", async () => {
  const want = expected(fixture, "/api/v12/packages");
  for (let i = 0; i < 3; i++) {
    const r = await fetch(url("/api/v12/packages", portCache));
    assert.equal(r.status, 200);
    const got = Buffer.from(await r.arrayBuffer());
    assert.ok(got.equals(want), `request ${i + 1}: ${got.length} bytes, differs from resale filter (${want.length})`);
  }
  assert.equal(cacheFetches, 1, "the second and third requests were cache hits");
});

test("the feed streams: filtered bytes reach the client before the upstream has finished", async () => {
  for (const p of [port, portNb]) {
    release = null;
    const r = await fetch(url("/api/v11/packages", p));
    const reader = r.body.getReader();
    const parts = [];
    let received = 0;
    const timer = setTimeout(() => release?.(), 5000); // never hang the suite
    while (received < 10000) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the body ended early");
      parts.push(value);
      received += value.length;
    }
    assert.ok(release, "the upstream is still holding back the second half");
    clearTimeout(timer);
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    assert.ok(Buffer.concat(parts).equals(expected(fixture, "/api/v11/packages")));
  }
});

test("a slow client: the 10 MB feed arrives whole when the reader pauses (back-pressure path)", async () => {
  const want = expected(big, "/api/v6/packages");
  for (const p of [portSlow, port, portNb]) {
    const answer = await new Promise((resolve, reject) => {
      const s = net.connect(p, "127.0.0.1", () => s.write("GET /api/v6/packages HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
      const parts = [];
      let paused = 0;
      s.on("data", (d) => {
        parts.push(d);
        // Stop reading now and then, so nginx's socket buffer fills up.
        if (paused < 5) { paused++; s.pause(); setTimeout(() => s.resume(), 300); }
      });
      s.on("error", reject);
      s.on("close", () => resolve(Buffer.concat(parts)));
    });
    const { body, complete } = dechunk(answer.subarray(answer.indexOf("\r\n\r\n") + 4));
    assert.ok(complete, `on ${p}: the response was cut`);
    assert.ok(body.equals(want), `on ${p}: differs from resale filter`);
  }
  assert.doesNotMatch(readFileSync(path.join(dir, "error.log"), "utf8"), /\[(alert|crit|emerg)\]/);
});

test("an invalid upstream feed ends in an aborted response, never a complete one", async () => {
  let closedEarly = 0;
  for (const p of [port, portNb]) {
    for (const route of ["/api/v7/packages", "/api/v9/packages"]) {
      const answer = await raw(route, p);
      const head = answer.subarray(0, answer.indexOf("\r\n\r\n")).toString();
      if (answer.length === 0) { closedEarly++; continue; } // closed before any header: also not a feed
      assert.match(head, /^HTTP\/1\.1 200/, route);
      assert.match(head, /transfer-encoding: chunked/i, route);
      const { body, complete } = dechunk(answer.subarray(answer.indexOf("\r\n\r\n") + 4));
      assert.equal(complete, false, `${route} on ${p}: the chunked body was terminated cleanly`);
      assert.throws(() => JSON.parse(body.toString()), `${route}: a parseable feed arrived`);
    }
  }
  assert.equal(closedEarly, 0, "every broken feed starts as a 200 and is cut off");
  const log = readFileSync(path.join(dir, "error.log"), "utf8");
  assert.match(log, /resale_catalog_filter: invalid feed from the upstream \(catalog\.json\.\w+ at byte \d+/);
  // nginx inflates nothing: a gzipped feed is a coded 502, never passed on.
  const gz = await fetch(url("/api/v10/packages"));
  assert.equal(gz.status, 502);
  assert.equal((await gz.json()).code, "upstream.encoding");
});

test("non-catalog paths pass through untouched; an upstream 5xx is a coded 502", async () => {
  const other = await fetch(url("/api/v4/packages/docker"));
  assert.equal(await other.text(), '{"code":"docker"}');
  assert.equal(other.headers.get("x-resale-filtered"), null);
  assert.equal(other.headers.get("etag"), '"d"');
  const failed = await fetch(url("/api/v8/packages"));
  assert.equal(failed.status, 502);
  assert.equal((await failed.json()).code, "upstream.failed");
});

test("buy gate: 302 to the shop, 400 with the coded rejection as JSON or HTML", async () => {
  const ok = await fetch(url("/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001&utm=x"), { redirect: "manual" });
  assert.equal(ok.status, 302);
  assert.equal(ok.headers.get("location"), "https://shop.example.com/store?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001");
  const json = { headers: { accept: "application/json" } };
  const bad = await fetch(url("/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001&kn=X"), json);
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get("content-type"), /^application\/json/);
  assert.deepEqual(await bad.json().then(({ message, ...r }) => r), { status: "rejected", code: "param.duplicate", field: "kn" });
  // Control characters and quotes in what is echoed stay valid JSON.
  const odd = await fetch(url("/buy?extension-id=%22%5C%0A%01x&kn=PLSK.12345678.0001"), json);
  assert.equal(odd.status, 400);
  assert.equal((await odd.json()).status, "rejected");
  const post = await fetch(url("/buy?extension-id=docker&kn=PLSK.12345678.0001"), { method: "POST", body: "x", redirect: "manual" });
  assert.equal(post.status, 405);
});

test("shared check vectors through resale_shop_gate, one server per policy", async () => {
  // The vectors' query parts and matching rule are the edges' own
  // (tests/edge/check-vectors.mjs); queries beyond nginx's default request
  // line buffer are left out there, the core's own vectors cover them.
  let n = 0;
  for (const [policy, , cases] of checkVectorsByPolicy()) {
    const p = gatePorts.get(policy);
    for (const c of cases) {
      await assertBuy(url("", p), c);
      n++;
    }
  }
  console.log(`vectors (nginx module): ${n} check vectors over HTTP`);
  assert.ok(n > 40);
});

test("$resale_buy_url: the shared rewrite vectors through resale_buy_url_from $http_x_url", async () => {
  const vdir = path.join(repo, "tests/vectors/rewrite");
  let n = 0;
  for (const f of readdirSync(vdir)) {
    const doc = JSON.parse(readFileSync(path.join(vdir, f), "utf8"));
    for (const c of doc.cases) {
      // A header value cannot carry line breaks or NUL; nginx trims spaces.
      if (/[\r\n\0]/.test(c.input) || c.input !== c.input.trim()) continue;
      const answer = await raw("/rewrite", gatePorts.get(c.policy ?? doc.policy), `X-Url: ${c.input}\r\n`);
      const sep = answer.indexOf("\r\n\r\n");
      assert.match(answer.subarray(0, sep).toString(), /^HTTP\/1\.1 200/, c.name);
      const got = answer.subarray(sep + 4).toString();
      const want = { rewritten: c.expect.url, unchanged: c.input, error: "" }[c.expect.status];
      assert.equal(got, want, c.name);
      n++;
    }
  }
  console.log(`vectors (nginx module): ${n} rewrite vectors through $resale_buy_url`);
  assert.ok(n >= 25);
});

test("nginx -t fails on a bad policy with the engine's code, field and the file name", () => {
  const t = mkdtempSync(path.join(os.tmpdir(), "resale-nginx-t-"));
  try {
    for (const [text, code, field] of [
      ['{"shop_url": "ftp://shop.example.com/", "extensions": {}}', "policy.shop_url.scheme", "$.shop_url"],
      ["{ not json", "policy.json.syntax", "$"],
    ]) {
      const pf = path.join(t, "bad-policy.json");
      writeFileSync(pf, text);
      const file = config(t, `  server { listen 127.0.0.1:1; resale_policy ${pf}; location / { resale_catalog_filter on; } }`);
      const r = check(t, file);
      assert.equal(r.ok, false, r.output);
      assert.ok(r.output.includes(code), r.output);
      if (field) assert.ok(r.output.includes(`at ${field}:`), r.output);
      assert.ok(r.output.includes(pf), r.output);
    }
    const file = config(t, `  server { listen 127.0.0.1:1; location / { resale_shop_gate; } }`);
    const r = check(t, file);
    assert.equal(r.ok, false);
    assert.match(r.output, /resale_shop_gate needs a "resale_policy"/);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test("load: wrk on the catalog route, no errors, worker RSS stable between two runs", async () => {
  const [worker] = workers(nginx.child.pid);
  assert.ok(worker, "a worker process");
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker}/status`, "utf8"))[1]);
  // Asynchronous: the upstream answers from this very process.
  const run = async () => {
    const { stdout } = await promisify(execFile)("wrk", ["-t2", "-c8", "-d5s", url("/api/v4/packages")], { encoding: "utf8" });
    assert.doesNotMatch(stdout, /Non-2xx|Socket errors/, stdout);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)[1]);
    assert.ok(rps > 10, stdout);
    return rps;
  };
  const before = rss();
  const rps1 = await run();
  const mid = rss();
  const rps2 = await run();
  const end = rss();
  console.log(`wrk -t2 -c8 -d5s /api/v4/packages: ${rps1} then ${rps2} req/s; worker RSS ${before} kB, ${mid} kB after run 1, ${end} kB after run 2`);
  assert.ok(end - mid < 4096, `worker RSS grew by ${end - mid} kB between two runs`);
});
