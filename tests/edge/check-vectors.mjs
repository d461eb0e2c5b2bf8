// The shared `check` vectors (tests/vectors/check/) as requests to an edge's
// /buy gate: one expectation source for every edge binding (the Cloudflare
// Worker in workerd, the Fastly Compute service in Viceroy, the nginx
// module's resale_shop_gate). An accepted case must be a 302 to its
// `redirect_url`, a rejected one a 400 whose JSON equals `expect` once
// `message` is set aside (the vectors' matching rule).
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const vectors = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../vectors");

/** The gate reads the query of its own URL: the vector input's query part. */
export function queryOf(input) {
  const withPath = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) || input.startsWith("/");
  return withPath ? (input.split("#")[0].split("?")[1] ?? "") : input.replace(/^\?/, "").split("#")[0];
}

/** Longer queries are beyond what an HTTP request line carries here; the core's own vectors cover them. */
export const MAX_QUERY = 7000;

/** `[[policyName, policyText, cases]]`, each case `{name, query, expect}`, over-long queries left out. */
export function checkVectorsByPolicy() {
  const dir = path.join(vectors, "check");
  const byPolicy = new Map();
  for (const f of readdirSync(dir).sort()) {
    const doc = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
    for (const c of doc.cases) {
      const query = queryOf(c.input);
      if (query.length > MAX_QUERY) continue;
      const p = c.policy ?? doc.policy;
      if (!byPolicy.has(p)) byPolicy.set(p, []);
      byPolicy.get(p).push({ name: `${f}: ${c.name}`, query, expect: c.expect });
    }
  }
  return [...byPolicy].map(([p, cases]) => [p, readFileSync(path.join(vectors, "policies", `${p}.json`), "utf8"), cases]);
}

/** Ask `base`/buy for one case and assert the answer. */
export async function assertBuy(base, c) {
  const r = await fetch(`${base}/buy?${c.query}`, { redirect: "manual", headers: { accept: "application/json" } });
  if (c.expect.status === "accepted") {
    assert.equal(r.status, 302, c.name);
    assert.equal(r.headers.get("location"), c.expect.redirect_url, c.name);
    await r.arrayBuffer(); // the connection goes back to the pool
  } else {
    assert.equal(r.status, 400, c.name);
    const { message, ...got } = await r.json();
    assert.ok(message, c.name);
    assert.deepEqual(got, c.expect, c.name);
  }
}
