// resale at the edge, as a Cloudflare Worker. Every route, answer, header list
// and page is the engine's gateway's (resale_core::gateway, through ./resale/):
// this file maps workerd's Request, Response, fetch and Cache API onto it.
// Bindings: POLICY (policy JSON), UPSTREAM (catalog origin; empty: the sample
// feeds src/sample.js bundles), GITHUB_WEBHOOK_SECRETS (newline-separated, for
// rotation), ENTITLEMENT_STORE (Durable Object namespace, one object per
// account) or ENTITLEMENTS (Workers KV, low volume: can lose concurrent updates).

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
  const sample = (env.UPSTREAM ?? "").trim() ? null : env.SAMPLE_FEEDS?.[route.feed];
  if (sample === undefined) return send(Gateway.errorReply(404, "route.not_found", env.SAMPLE_FEEDS ? "only the sample packages and categories feeds are bundled" : "UPSTREAM is empty and this build bundles no sample feeds (wrangler --env sample)"));
  // workerd alone has no Cache API backend (match rejects: "No Cache was configured"): every request is fetched.
  let cache = route.method === "GET" && !sample ? globalThis.caches?.default : undefined;
  const mine = cache && gw.recent(route.cache_key);
  const hit = mine ? new Response(mine.body, { headers: mine.headers, encodeBody: "manual" }) : cache && (await cache.match(route.cache_key).catch(() => null));
  if (hit === null) cache = undefined;
  if (hit) return held(gw, req, hit);
  let upstream;
  try {
    // The sample feed as if an upstream had sent it, under a validator of its bytes.
    upstream = sample ? new Response(sample, { headers: { "content-type": "application/json", etag: gw.bodyEtag(req.target, sample) } }) : await fetch(route.url, { method: route.method, headers: route.headers });
  } catch (e) {
    return send(gw.catalogUnreachable(req, e.message));
  }
  const answer = gw.catalogAnswer(req, upstream.status, upstream.headers, DECODES);
  if (answer.action === "pass") return new Response(upstream.body, upstream);
  if (answer.action === "reply") return send(answer.reply);
  const { status, headers } = answer.reply;
  if (sample) headers.push(["x-resale-source", "bundled-sample"]);
  if (route.method === "HEAD" || !upstream.body) return new Response(null, { status, headers });
  // The gateway says which bodies are read whole (answer.whole: a plain Content-Length up to 8 MiB
  // of a body not decoded; resale_core::gateway::WHOLE_FEED_LIMIT says why). Read whole, filtered
  // in one call: nothing is sent before the feed is known to be whole and valid, so a cut or
  // invalid one gets the gateway's coded 502. In workerd this also spares the streaming path's
  // per-block reads, copies and enqueues. Memory: about 4x the length (body, its copy in wasm,
  // the output in wasm and in JS). Any other body is streamed, in 256 KiB blocks.
  const length = answer.whole;
  if (length !== null) {
    let feed;
    try {
      feed = new Uint8Array(await upstream.arrayBuffer());
    } catch (e) {
      return send(gw.catalogTruncated(req, null, length, e?.message ?? e));
    }
    if (feed.byteLength !== length) return send(gw.catalogTruncated(req, feed.byteLength, length, "the body ended early"));
    const filtered = gw.catalogWhole(req, feed);
    if (filtered.reply) return send(filtered.reply);
    if (cache && answer.ttl > 0) ctx.waitUntil(keep(gw, cache, route, req, upstream, filtered.body, answer.ttl).catch(() => {}));
    return new Response(filtered.body, { status, headers });
  }
  // Streamed through the filter; an invalid or broken feed errors the
  // stream, so the client's response is aborted, never complete-looking.
  let body = gw.policy.catalogStream(req.target, upstream.body);
  if (cache && answer.ttl > 0) {
    const [client, kept] = body.tee();
    body = client;
    const whole = new Response(kept).arrayBuffer().then((b) => new Uint8Array(b));
    ctx.waitUntil(keep(gw, cache, route, req, upstream, whole, answer.ttl).catch(() => {}));
  }
  return new Response(body, { status, headers });
}

/**
 * Store a filtered feed (`feed`: its bytes, or their promise, which an aborted stream rejects)
 * once complete (an aborted one never), under the headers the gateway gives a
 * held feed (catalogToHold: the filter reply's, with a validator of the feed's own if the upstream gave
 * none), gzipped once here: a hit then goes out as it is to a gzip client (catalogHeld),
 * where the runtime would compress it again at every poll (Miniflare: 44 hits/s instead of 169 for the
 * 672 KB fixture). This isolate also holds it in memory for `ttl` seconds (the gateway's RecentFeeds).
 */
async function keep(gw, cache, route, req, upstream, feed, ttl) {
  const bytes = await feed;
  const h = new Headers(gw.catalogToHold(req, upstream.status, upstream.headers, DECODES, bytes).headers);
  h.set("content-encoding", "gzip"); // how it is held; what goes out is catalogHeld's
  const gzipped = new Uint8Array(await new Response(new Response(bytes).body.pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
  gw.hold(route.cache_key, gzipped, h, ttl);
  await cache.put(route.cache_key, new Response(gzipped, { headers: h, encodeBody: "manual" }));
}

/**
 * A cached feed: the gateway's `304`, or the representation it picks (catalogHeld): the gzipped bytes
 * as they are, or inflated. `content-encoding: gzip` on the entry says how it is held (older: plain).
 */
function held(gw, req, hit) {
  const gzipped = hit.headers.get("content-encoding") === "gzip";
  const { status, gzip, headers } = gw.catalogHeld(req, hit.headers, gzipped);
  if (status === 304) return new Response(null, { status, headers });
  if (gzip) return new Response(hit.body, { status, headers, encodeBody: "manual" });
  return new Response(gzipped ? hit.body.pipeThrough(new DecompressionStream("gzip")) : hit.body, { status, headers });
}

async function webhook(request, env) {
  const body = new Uint8Array(await request.arrayBuffer());
  const secrets = Gateway.webhookSecrets(env.GITHUB_WEBHOOK_SECRETS);
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
