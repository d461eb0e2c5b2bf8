// resale at the edge, as a Cloudflare Worker (ES module syntax).
//
// Every route, answer, header list and page is decided by the engine's
// gateway (resale_core::gateway, through ./resale/): this file only maps
// workerd's Request and Response onto it, fetches the upstream, keeps
// filtered feeds in the Cache API and streams them through the filter.
// Bindings: POLICY (the policy JSON, text), UPSTREAM (catalog origin; empty:
// the sample feeds, bundled only by src/sample.js), GITHUB_WEBHOOK_SECRETS (newline-separated, for
// rotation), ENTITLEMENT_STORE (the EntitlementStore Durable Object namespace,
// one object per account: the default), ENTITLEMENTS (Workers KV instead, for
// low volume: it can lose an update under concurrent deliveries).

import { Gateway, ResaleError } from "./resale/workerd.js";

export { EntitlementStore } from "./entitlement-store.js";

/** The encodings workerd's fetch inflates before the body reaches the filter. */
const DECODES = ["gzip"];

let compiled = { text: null, gateway: null };

/** The gateway, compiled once per isolate (and again only if the binding changes). */
function gatewayOf(env) {
  if (compiled.text !== env.POLICY) compiled = { text: env.POLICY, gateway: Gateway.fromJson(env.POLICY) };
  return compiled.gateway;
}

/** A core reply as a Response (statuses without a body get none). */
const send = ({ status, headers, body }) => new Response(body === "" ? null : body, { status, headers });

async function catalog(gw, req, route, env, ctx) {
  if (!(env.UPSTREAM ?? "").trim()) return bundled(gw, req, route, env.SAMPLE_FEEDS);
  let cache = route.method === "GET" ? globalThis.caches?.default : undefined;
  const mine = cache && gw.recent(route.cache_key);
  const hit = mine ? new Response(mine.body, { headers: mine.headers, encodeBody: "manual" }) : cache && (await lookup(cache, route.cache_key));
  if (hit === null) cache = undefined;
  if (hit) return held(gw, req, hit);
  let upstream;
  try {
    upstream = await fetch(route.url, { method: route.method, headers: route.headers });
  } catch (e) {
    return send(gw.catalogUnreachable(req, e.message));
  }
  const answer = gw.catalogAnswer(req, upstream.status, upstream.headers, DECODES);
  if (answer.action === "pass") return new Response(upstream.body, upstream);
  if (answer.action === "reply") return send(answer.reply);
  const { status, headers } = answer.reply;
  if (route.method === "HEAD" || !upstream.body) return new Response(null, { status, headers });
  // Streamed through the filter; an invalid or broken feed errors the
  // stream, so the client's response is aborted, never complete-looking.
  let body = gw.policy.catalogStream(req.target, upstream.body);
  if (cache && answer.ttl > 0) {
    const [client, kept] = body.tee();
    body = client;
    ctx.waitUntil(keep(gw, cache, route, req.target, kept, headers, answer.ttl).catch(() => {}));
  }
  return new Response(body, { status, headers });
}

/**
 * A cached feed, undefined, or null when there is no cache. workerd alone has no Cache API backend ("No
 * Cache was configured"): there every request fetches and filters, as it
 * does wherever the cache is unavailable.
 */
async function lookup(cache, key) {
  try {
    return await cache.match(key);
  } catch {
    return null;
  }
}

/**
 * Store a filtered feed once complete (an aborted feed is never stored),
 * with a validator of its own if the upstream gave none. It is kept
 * gzipped, compressed once here: a hit then goes out as it is to a client
 * whose Accept-Encoding allows gzip (the gateway's `catalogHeld`, under the ETag weakened), where
 * the runtime would otherwise compress the whole feed again at every poll
 * (Miniflare, as Cloudflare does: 44 hits/s instead of 169 for the 672 KB
 * fixture), and is inflated for any other client. This isolate also holds
 * it in memory for `ttl` seconds (the gateway's RecentFeeds).
 */
async function keep(gw, cache, route, target, stream, headers, ttl) {
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const h = new Headers(headers);
  if (!h.has("etag")) h.set("etag", gw.bodyEtag(target, bytes));
  h.set("content-encoding", "gzip"); // how it is held; what goes out is catalogHeld's
  const gzipped = new Uint8Array(await new Response(new Response(bytes).body.pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
  gw.hold(route.cache_key, gzipped, h, ttl);
  await cache.put(route.cache_key, new Response(gzipped, { headers: h, encodeBody: "manual" }));
}

/**
 * A cached feed: the gateway's `304`, or the representation it picks
 * (catalogHeld): the gzipped bytes as they are, under the ETag weakened
 * (RFC 9110 §8.8.3: the gzipped copy is another representation), or
 * inflated under the strong one. `content-encoding: gzip` on the entry
 * says how it is held (an entry kept by an older version is plain).
 */
function held(gw, req, hit) {
  const gzipped = hit.headers.get("content-encoding") === "gzip";
  const { status, gzip, headers } = gw.catalogHeld(req, hit.headers, gzipped);
  if (status === 304) return new Response(null, { status, headers });
  if (gzip) return new Response(hit.body, { status, headers, encodeBody: "manual" });
  return new Response(gzipped ? hit.body.pipeThrough(new DecompressionStream("gzip")) : hit.body, { status, headers });
}

/** Without UPSTREAM: the sample feeds (src/sample.js), as if an upstream had sent them. */
function bundled(gw, req, route, feeds) {
  const feed = feeds?.[route.feed];
  if (!feed) return send(Gateway.errorReply(404, "route.not_found", feeds ? "only the sample packages and categories feeds are bundled" : "UPSTREAM is empty and this build bundles no sample feeds (wrangler --env sample)"));
  const answer = gw.catalogAnswer(req, 200, [["content-type", "application/json"]], []);
  if (answer.action !== "filter") return send(answer.reply);
  const headers = new Headers(answer.reply.headers);
  headers.set("etag", gw.bodyEtag(req.target, feed));
  headers.set("x-resale-source", "bundled-sample");
  const current = gw.catalogCached(req, headers.get("etag"), headers.get("cache-control"));
  if (current) return send(current);
  return new Response(route.method === "HEAD" ? null : gw.policy.filterCatalog(req.target, new Uint8Array(feed)), { headers });
}

async function webhook(request, env) {
  const body = new Uint8Array(await request.arrayBuffer());
  const secrets = (env.GITHUB_WEBHOOK_SECRETS ?? "").split("\n").map((s) => s.trim()).filter(Boolean);
  const received = Gateway.webhookReceive(body, request.headers.get("x-hub-signature-256"), request.headers.get("x-github-event"), secrets);
  if (received.reply) return send(received.reply);
  if (env.ENTITLEMENT_STORE) {
    // The account's Durable Object (src/entitlement-store.js): one delivery at a time, in event order.
    const delivery = Gateway.webhookDelivery(request.headers.get("x-github-delivery"));
    if (delivery.reply) return send(delivery.reply);
    const stub = env.ENTITLEMENT_STORE.get(env.ENTITLEMENT_STORE.idFromName(String(received.account_id)));
    return send(await stub.apply(delivery.id, new TextDecoder().decode(body)));
  }
  // Workers KV (ENTITLEMENTS), for low volume only: KV has no compare-and-set,
  // so two deliveries for one account at once can lose one update (README).
  const store = env.ENTITLEMENTS ?? null;
  const key = String(received.account_id);
  const state = store ? await store.get(key, "json") : null;
  const applied = Gateway.webhookApply(state, body);
  if (store && applied.store) await store.put(key, JSON.stringify(applied.store));
  return send(applied.reply);
}

export default {
  async fetch(request, env, ctx) {
    try {
      const url = new URL(request.url);
      const gw = gatewayOf(env);
      const req = { method: request.method, target: url.pathname + url.search, accept: request.headers.get("accept"), ifNoneMatch: request.headers.get("if-none-match"), acceptEncoding: request.headers.get("accept-encoding") };
      const route = gw.route(req, (env.UPSTREAM ?? "").trim());
      if (route.kind === "reply") return send(route.reply);
      if (route.kind === "webhook") return await webhook(request, env);
      return await catalog(gw, req, route, env, ctx);
    } catch (e) {
      const [code, message] = e instanceof ResaleError ? [e.code, e.message] : ["internal", String(e?.message ?? e)];
      return send(Gateway.errorReply(500, code, message));
    }
  },
};
