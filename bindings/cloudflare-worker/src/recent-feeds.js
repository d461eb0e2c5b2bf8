// Filtered feeds this isolate stored lately, held in its memory in front of
// the Cache API. Why: a Cache API hit is a lookup outside the isolate (in
// Miniflare a service of its own, about as slow as the 304 it answers), while
// an isolate serves many polls of the same few feeds. Only what this
// isolate put into the Cache API is held, gzipped as it was stored (the
// 672 KB fixture filtered: 65 KB), for the lifetime the gateway gave it, and
// without a Cache API nothing is (plain workerd: every poll is fetched).
// Bounded: at most MAX_FEEDS feeds and MAX_BYTES bytes, the oldest dropped
// first; a feed larger than MAX_BYTES is not held.

/** Most feeds held. */
export const MAX_FEEDS = 16;
/** Most bytes held (gzipped feeds), of the isolate's 128 MB. */
export const MAX_BYTES = 8 * 1024 * 1024;

const feeds = new Map();
let bytes = 0;

function drop(key) {
  const f = feeds.get(key);
  if (f) {
    bytes -= f.body.byteLength;
    feeds.delete(key);
  }
}

/** The feed held under `key` and still fresh: `{body, headers}`, or undefined. */
export function recent(key) {
  const f = feeds.get(key);
  if (f && Date.now() < f.expires) return f;
  drop(key);
  return undefined;
}

/** Hold `body` (gzipped) with its headers for `ttl` seconds. */
export function hold(key, body, headers, ttl) {
  drop(key);
  if (ttl <= 0 || body.byteLength > MAX_BYTES) return;
  while (feeds.size >= MAX_FEEDS || bytes + body.byteLength > MAX_BYTES) drop(feeds.keys().next().value);
  feeds.set(key, { body, headers: [...headers], expires: Date.now() + ttl * 1000 });
  bytes += body.byteLength;
}
