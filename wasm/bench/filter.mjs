// The npm package's catalog filter in Node on a feed, and the buy-link
// rewrite + check per call. Prints one JSON line.
// Usage: node wasm/bench/filter.mjs FEED WHITELIST [ITER]
import { readFileSync } from "node:fs";
import { Policy } from "../pkg/node.js";

const [feedPath, wlPath, iterArg] = process.argv.slice(2);
const feed = readFileSync(feedPath);
const codes = readFileSync(wlPath, "utf8").split("\n").filter(Boolean);
const p = Policy.fromJson({ shop_url: "https://shop.example.com/store", extensions: Object.fromEntries(codes.map((c) => [c, {}])) });
const iters = Number(iterArg ?? 50);
let out = p.filterCatalog("/api/v4/packages", feed);
const t0 = process.hrtime.bigint();
for (let i = 0; i < iters; i++) out = p.filterCatalog("/api/v4/packages", feed);
const secs = Number(process.hrtime.bigint() - t0) / 1e9 / iters;
const kept = JSON.parse(new TextDecoder().decode(out)).length;

const shop = Policy.fromJson({ shop_url: "https://shop.com", extensions: { "some-extension-name": { products: ["SomeProductID"], individual_offers: true } } });
const LINK = "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";
const n = 50000;
for (let i = 0; i < 5000; i++) shop.checkShopRequest(shop.rewriteBuyUrl(LINK).url);
const t1 = process.hrtime.bigint();
for (let i = 0; i < n; i++) shop.checkShopRequest(shop.rewriteBuyUrl(LINK).url);
const ns = Number(process.hrtime.bigint() - t1) / n;
console.log(JSON.stringify({ peer: "wasm-node", bytes: feed.length, seconds: secs, mb_per_s: feed.length / secs / 1e6, kept, buy_link_ns: ns }));
