// The npm package's catalog filter in Node on a feed, and the buy-link
// rewrite + check per call. Prints one JSON line.
// Usage: node wasm/bench/filter.mjs FEED WHITELIST [ITER]
//
// Both loops first run for WARMUP_S of wall time, untimed: V8 compiles wasm
// with its baseline compiler (Liftoff) and tiers hot functions up to
// TurboFan only after they ran a while, so a fixed count of warm-up calls
// can time the baseline code on a small feed. Then at least ITER calls and
// at least MEASURE_S seconds are timed: the mean.
import { Policy } from "../pkg/node.js";
import { feedAndPolicy } from "./feed.mjs";

const WARMUP_S = 1;
const MEASURE_S = 1;
const [feedPath, wlPath, iterArg] = process.argv.slice(2);
const { feed, policy: p } = feedAndPolicy(feedPath, wlPath);
const iters = Number(iterArg ?? 50);

const now = () => Number(process.hrtime.bigint()) / 1e9;
/** Seconds per call of `f`: warmed up for WARMUP_S, then the mean of >= `min` calls over >= MEASURE_S. */
function perCall(f, min) {
  for (const t = now(); now() - t < WARMUP_S; ) f();
  let n = 0;
  const t0 = now();
  while (n < min || now() - t0 < MEASURE_S) {
    f();
    n++;
  }
  return (now() - t0) / n;
}

let out;
const secs = perCall(() => (out = p.filterCatalog("/api/v4/packages", feed)), iters);
const kept = JSON.parse(new TextDecoder().decode(out)).length;

const shop = Policy.fromJson({ shop_url: "https://shop.com", extensions: { "some-extension-name": { products: ["SomeProductID"], individual_offers: true } } });
const LINK = "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";
const ns = perCall(() => shop.checkShopRequest(shop.rewriteBuyUrl(LINK).url), 50000) * 1e9;
console.log(JSON.stringify({ peer: "wasm-node", bytes: feed.length, seconds: secs, mb_per_s: feed.length / secs / 1e6, kept, buy_link_ns: ns }));
