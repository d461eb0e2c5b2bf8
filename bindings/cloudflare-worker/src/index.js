// resale at the edge, as a Cloudflare Worker (ES module syntax).
//
// Routes:
//   /api/v<N>/packages, /api/v<N>/categories  the catalog feed from UPSTREAM, filtered as it streams
//   other /api/...                            passed through from UPSTREAM untouched
//   /buy?extension-id=…&kn=…                  302 to the shop with the validated parameters, or 400
//   POST /webhooks/github                     a verified marketplace_purchase event → the entitlement
//   /healthz                                  200
// Bindings: POLICY (the policy JSON, text), UPSTREAM (catalog origin; empty:
// the sample feeds, bundled only by src/sample.js), GITHUB_WEBHOOK_SECRETS (newline-separated, for
// rotation), ENTITLEMENTS (optional Workers KV namespace for entitlements).
// Every rule is in the engine (./resale/): this file only speaks HTTP.

import { Policy, ResaleError, marketplace } from "./resale/workerd.js";

let compiled = { text: null, policy: null };

/** The policy, compiled once per isolate (and again only if the binding changes). */
function policyOf(env) {
  if (compiled.text !== env.POLICY) {
    compiled = { text: env.POLICY, policy: Policy.fromJson(env.POLICY) };
  }
  return compiled.policy;
}

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body) + "\n", { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** Response headers worth keeping from the upstream for a filtered body. */
function catalogHeaders(upstream) {
  const h = new Headers();
  for (const name of ["content-type", "cache-control", "expires", "last-modified", "vary"]) {
    const v = upstream.headers.get(name);
    if (v) h.set(name, v);
  }
  // The body changes: its length and ETag no longer hold.
  h.set("x-resale-filtered", "1");
  return h;
}

async function catalog(request, env, url) {
  const policy = policyOf(env);
  const target = url.pathname + url.search;
  const kind = policy.catalogKind(target);
  const upstreamBase = (env.UPSTREAM ?? "").trim();
  if (!upstreamBase) {
    const bundled = env.SAMPLE_FEEDS?.[kind];
    if (!bundled) return json(404, { status: "error", code: "route.not_found", message: env.SAMPLE_FEEDS ? "only the sample packages and categories feeds are bundled" : "UPSTREAM is empty and this build bundles no sample feeds (wrangler --env sample)" });
    const body = policy.filterCatalog(target, new Uint8Array(bundled));
    return new Response(body, { headers: { "content-type": "application/json", "x-resale-filtered": "1", "x-resale-source": "bundled-sample" } });
  }
  let upstream;
  try {
    upstream = await fetch(upstreamBase.replace(/\/$/, "") + target, {
      method: request.method === "HEAD" ? "HEAD" : "GET",
      headers: { accept: request.headers.get("accept") ?? "application/json", "user-agent": request.headers.get("user-agent") ?? "resale-worker" },
    });
  } catch (e) {
    return json(502, { status: "error", code: "upstream.unreachable", message: `the catalog upstream did not answer: ${e.message}` });
  }
  if (upstream.status >= 500) {
    return json(502, { status: "error", code: "upstream.failed", message: `the catalog upstream answered ${upstream.status}` });
  }
  if (kind === "other" || upstream.status < 200 || upstream.status > 299 || !upstream.body) {
    return new Response(upstream.body, upstream);
  }
  // Streamed through the filter; an invalid feed aborts the stream, so a
  // client never receives a truncated feed that looks complete.
  return new Response(upstream.body.pipeThrough(policy.catalogTransform(target)), { status: upstream.status, headers: catalogHeaders(upstream) });
}

function buy(request, env, url) {
  try {
    const answer = policyOf(env).checkShopRequest(url.search);
    return new Response(null, { status: 302, headers: { location: answer.redirect_url, "cache-control": "no-store" } });
  } catch (e) {
    if (!(e instanceof ResaleError)) throw e;
    const body = { status: "rejected", code: e.code, field: e.field, message: e.message };
    if ((request.headers.get("accept") ?? "").includes("application/json")) return json(400, body, { "cache-control": "no-store" });
    const html = `<!doctype html><meta charset="utf-8"><title>This link cannot be used</title><h1>This link cannot be used</h1><p>${escapeHtml(e.message)}</p><p><small>${escapeHtml(e.code)}</small></p>\n`;
    return new Response(html, { status: 400, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
  }
}

async function webhook(request, env) {
  if (request.method !== "POST") return json(405, { status: "error", code: "method.not_allowed", message: "POST only" }, { allow: "POST" });
  const body = new Uint8Array(await request.arrayBuffer());
  const secrets = (env.GITHUB_WEBHOOK_SECRETS ?? "").split("\n").map((s) => s.trim()).filter(Boolean);
  try {
    marketplace.verify(body, request.headers.get("x-hub-signature-256"), secrets);
  } catch (e) {
    if (e instanceof ResaleError) return json(401, e.report);
    throw e;
  }
  const event = request.headers.get("x-github-event");
  if (event !== "marketplace_purchase") return json(202, { status: "ignored", reason: "event.not_marketplace_purchase", event });
  // State storage is the deployer's: with a KV namespace bound as ENTITLEMENTS,
  // the entitlement of each account is kept under its account ID.
  let accountId = null;
  try {
    accountId = JSON.parse(new TextDecoder().decode(body))?.marketplace_purchase?.account?.id ?? null;
  } catch {
    /* the engine reports invalid JSON below */
  }
  const store = env.ENTITLEMENTS && accountId != null ? env.ENTITLEMENTS : null;
  const state = store ? await store.get(String(accountId), "json") : null;
  try {
    const applied = marketplace.apply(state, body);
    if (store && applied.status === "applied") await store.put(String(accountId), JSON.stringify(applied.entitlement));
    return json(200, applied);
  } catch (e) {
    if (e instanceof ResaleError) return json(422, e.report);
    throw e;
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/healthz") return new Response("ok\n");
      if (url.pathname.startsWith("/api/")) return await catalog(request, env, url);
      if (url.pathname === "/buy") return buy(request, env, url);
      if (url.pathname === "/webhooks/github") return await webhook(request, env);
      return json(404, { status: "error", code: "route.not_found", message: `no route for ${url.pathname}` });
    } catch (e) {
      if (e instanceof ResaleError) return json(500, { status: "error", code: e.code, message: e.message });
      return json(500, { status: "error", code: "internal", message: String(e?.message ?? e) });
    }
  },
};
