// The gateway vectors (tests/vectors/gateway/): HTTP requests to an edge and
// the exact answers every edge must give, run over real HTTP against a
// scripted local upstream. One runner for every edge (the worker in
// workerd, Fastly in Viceroy, nginx, the PHP entry page): each edge's test
// only says how to start itself with a policy in front of an upstream URL,
// and which content encodings its runtime decodes. Format:
// tests/vectors/gateway/README.md.
import http from "node:http";
import { gzipSync } from "node:zlib";
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = path.join(repo, "tests/vectors/gateway");

/** Every case, `{name, policy, steps}`; a one-step case may be written flat. */
export function gatewayCases({ only } = {}) {
  const cases = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const doc = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
    for (const c of doc.cases) {
      for (const s of c.steps ?? [c]) checkUpstream(`${f}: ${c.name}`, s.upstream);
      const steps = (c.steps ?? [c]).map((s) => ({ policy: s.policy ?? c.policy ?? doc.policy, request: s.request, upstream: s.upstream ?? null, expect: s.expect, expect_undecoded: s.expect_undecoded, expect_whole: s.expect_whole, expect_refused: s.expect_refused }));
      cases.push({ name: `${f}: ${c.name}`, steps });
    }
  }
  return only ? cases.filter(only) : cases;
}

/** Cases whose every request is to /buy (what the PHP entry page answers). */
export const buyOnly = (c) => c.steps.every((s) => s.request.target.startsWith("/buy"));

export const policyText = (name) => readFileSync(path.join(repo, "tests/vectors/policies", `${name}.json`), "utf8");

/**
 * The body an upstream step sends and the headers it adds (`gzip`, `pad`), as on the wire:
 * what `cut_after` counts.
 */
function wireBody(b) {
  let body = Buffer.from(b.body ?? "");
  const headers = { ...(b.headers ?? {}) };
  if (b.gzip) {
    body = gzipSync(body);
    headers["content-encoding"] = "gzip";
  }
  // `pad`: that many spaces after the body (a long feed without a long vector file).
  if (b.pad) body = Buffer.concat([body, Buffer.alloc(b.pad, " ")]);
  return { body, headers };
}

/**
 * A vector's mistakes in its upstream: a cut that cuts nothing. Under a Content-Length it must
 * keep fewer bytes than the body has; chunked, every byte without the last chunk is a cut too.
 */
function checkUpstream(name, b) {
  if (b?.cut_after === undefined) return;
  const { body } = wireBody(b);
  const most = b.length === false ? body.length : body.length - 1;
  if (!Number.isInteger(b.cut_after) || b.cut_after < 0 || b.cut_after > most) throw new Error(`${name}: cut_after ${b.cut_after} cuts nothing of a body of ${body.length} bytes${b.length === false ? " sent chunked" : ""}`);
}

/** The upstream: answers each target as the step that asked for it says. */
export async function scriptedUpstream() {
  const script = new Map();
  const server = http.createServer((req, res) => {
    const b = script.get(req.url);
    if (!b) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end("{}");
    }
    if (b.reset) return req.socket.destroy();
    const { body, headers } = wireBody(b);
    // `length: false`: no Content-Length, the body sent chunked (its length unknown until it ends);
    // a list: one Content-Length header per item, `${n}` the body's length ("${n}, ${n}", two headers).
    const lines = Object.entries(headers);
    if (Array.isArray(b.length)) lines.push(...b.length.map((v) => ["content-length", v.replaceAll("${n}", body.length)]));
    else if (b.length !== false) lines.push(["content-length", String(body.length)]);
    res.writeHead(b.status ?? 200, lines);
    if (req.method === "HEAD") return res.end();
    if (b.cut_after !== undefined) {
      // A cut upstream: the head announces the whole body (its Content-Length, or chunked with
      // `length: false`), only its first `cut_after` bytes go out, then the connection closes:
      // short of the length, or without the last chunk. The bytes kept are written and flushed
      // first, and the close waits a moment, so the edge reads all of them before it sees the cut.
      const cut = () => setTimeout(() => req.socket.destroy(), 20);
      res.flushHeaders();
      if (b.cut_after === 0) return cut();
      res.write(body.subarray(0, b.cut_after), cut);
      return;
    }
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, script, close: () => server.close() };
}

/** One request, without any client-side decoding; `aborted` when the answer never completed. */
function send(base, { method = "GET", target, headers = {} }) {
  return new Promise((resolve) => {
    const req = http.request(base + target, { method, headers, agent: false }, (res) => {
      const chunks = [];
      let done = false;
      const finish = (aborted) => {
        if (done) return;
        done = true;
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), aborted });
      };
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => finish(!res.complete));
      res.on("aborted", () => finish(true));
      res.on("error", () => finish(true));
      res.on("close", () => finish(!res.complete));
    });
    req.on("error", (e) => resolve({ status: 0, headers: {}, body: "", aborted: true, error: e.message }));
    req.end();
  });
}

const fill = (s, vars) => s.replace(/\$\{(\w+)\}/g, (_, k) => vars[k] ?? "");

/** The differences between an answer and a step's expectation (empty: it holds). */
function compare(got, expect, vars, endsErroredBodies, padded) {
  const errs = [];
  if (expect.aborted) {
    if (endsErroredBodies) {
      // A runtime that ends an errored body cleanly (workerd before the fix of
      // cloudflare/workerd#6818) cannot abort: then at least the body must not be
      // a complete feed. Reported by the caller, never silent.
      let complete = true;
      try {
        JSON.parse(got.body);
      } catch {
        complete = false;
      }
      if (!got.aborted && complete) errs.push("the answer completed with a whole feed; it must be aborted");
      return errs;
    }
    if (!got.aborted) errs.push(`the answer completed (status ${got.status}); it must be aborted`);
    if (expect.status !== undefined && got.status !== 0 && got.status !== expect.status) errs.push(`status ${got.status}, expected ${expect.status}`);
    return errs;
  }
  if (got.aborted) errs.push(`the answer was aborted${got.error ? ` (${got.error})` : ""}`);
  if (got.status !== expect.status) errs.push(`status ${got.status}, expected ${expect.status}`);
  for (const [name, want] of Object.entries(expect.headers ?? {})) {
    const have = got.headers[name] ?? null;
    if (want === null) {
      if (have !== null) errs.push(`header ${name}: ${have}, expected none`);
    } else if (typeof want === "string") {
      if (have !== fill(want, vars)) errs.push(`header ${name}: ${have}, expected ${fill(want, vars)}`);
    } else if (want.match !== undefined) {
      if (have === null || !new RegExp(want.match).test(have)) errs.push(`header ${name}: ${have}, expected /${want.match}/`);
    } else if (want.not !== undefined) {
      if (have === null || have === fill(want.not, vars)) errs.push(`header ${name}: ${have}, expected a value other than ${fill(want.not, vars)}`);
    }
  }
  if (expect.body !== undefined && (padded ? got.body.trimEnd() : got.body) !== expect.body) errs.push(`body ${JSON.stringify(got.body.slice(0, 300))}, expected ${JSON.stringify(expect.body.slice(0, 300))}`);
  if (expect.json !== undefined) {
    // The shared vectors' matching rule: the top-level message set aside, but present.
    let doc;
    try {
      doc = JSON.parse(got.body);
    } catch {
      errs.push(`body is not JSON: ${JSON.stringify(got.body.slice(0, 200))}`);
    }
    if (doc) {
      const { message, ...rest } = doc;
      if ("message" in expect.json || typeof message !== "string" || !message) errs.push("no message");
      if (JSON.stringify(sortKeys(rest)) !== JSON.stringify(sortKeys(expect.json))) errs.push(`json ${JSON.stringify(rest)}, expected ${JSON.stringify(expect.json)}`);
    }
  }
  return errs;
}

const sortKeys = (v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v);

/**
 * Run the cases against one edge. `start(policyText, upstreamUrl)` resolves
 * to `{url, stop()}`; one edge per policy is started and reused. `decodes`:
 * the encodings the edge's runtime inflates (a step's `expect_undecoded`
 * holds where it does not). `endsErroredBodies`: the runtime is known to end
 * an errored response body cleanly, so `aborted` is checked as "not a whole
 * feed" and each such step is listed in `weakened`. `readsWhole`: the edge reads
 * a feed whole where the gateway says so (its catalog answer's `whole`), so a
 * step's `expect_whole` holds. `repeatedLength`: what the edge's HTTP client does
 * with an upstream answer whose Content-Length is repeated or listed: "refuses"
 * it (workerd, nginx from 1.23), refuses it unless the values are "equal" (hyper:
 * Viceroy), or frames by the "last" and hands the gateway every header line
 * (nginx 1.22); where it refuses, a step's `expect_refused` holds.
 * Returns `{total, failed, failures, weakened}`.
 */
export async function runGatewayVectors({ start, decodes = [], only, endsErroredBodies = false, readsWhole = false, repeatedLength }) {
  const cases = gatewayCases({ only });
  const upstream = await scriptedUpstream();
  const edges = new Map();
  const edge = async (name) => {
    if (!edges.has(name)) edges.set(name, await start(policyText(name), upstream.url));
    return edges.get(name);
  };
  const failures = [];
  const weakened = [];
  try {
    for (const c of cases) {
      const vars = {};
      for (const [i, step] of c.steps.entries()) {
        const { url } = await edge(step.policy);
        if (step.upstream) upstream.script.set(step.request.target, step.upstream);
        const headers = Object.fromEntries(Object.entries(step.request.headers ?? {}).map(([k, v]) => [k, fill(v, vars)]));
        const got = await send(url, { ...step.request, headers });
        const undecoded = step.upstream?.gzip && !decodes.includes("gzip");
        // Which feeds are read whole is the gateway's rule, not this runner's: a step that
        // has `expect_whole` is one the gateway reads whole.
        // A repeated or listed Content-Length: does this edge's HTTP client refuse the answer
        // before the gateway sees it (`repeatedLength`)?
        const lengths = Array.isArray(step.upstream?.length) ? step.upstream.length.flatMap((v) => v.split(",")).map((v) => v.trim()) : [];
        const conflicting = new Set(lengths).size > 1;
        const refused = lengths.length > 1 && (repeatedLength === "refuses" || (repeatedLength === "equal" && conflicting));
        const expect = refused ? step.expect_refused : readsWhole && step.expect_whole ? step.expect_whole : undecoded && step.expect_undecoded ? step.expect_undecoded : step.expect;
        const errs = compare(got, expect, vars, endsErroredBodies, Boolean(step.upstream?.pad));
        if (expect.aborted && endsErroredBodies && !got.aborted) weakened.push(c.name);
        for (const [v, header] of Object.entries(expect.capture ?? {})) vars[v] = got.headers[header] ?? "";
        if (errs.length) {
          failures.push(`${c.name} (step ${i + 1}): ${errs.join("; ")}`);
          break;
        }
      }
    }
  } finally {
    upstream.close();
    for (const e of edges.values()) await e.stop();
  }
  return { total: cases.length, failed: failures.length, failures, weakened };
}

/** Record an edge's count for scripts/vector-summary.sh. */
export function recordGatewayCount(edge, { total, failed }) {
  const out = path.join(repo, "target/vector-counts");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `gateway-${edge}.txt`), `${edge}\t${total}\t${failed}\n`);
}
