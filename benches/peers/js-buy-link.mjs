// Peer: the buy-link rewrite and shop check in plain JavaScript
// (new URL + URLSearchParams), the way a Worker author would write them.
// Prints one JSON result line with ns per call. Usage: node js-buy-link.mjs [ITER]
const SHOP = "https://shop.com/";
const SOLD = new Map([["some-extension-name", { products: ["SomeProductID"], io: true }]]);
const LINK = "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";
const KN = /^[A-Z][A-Z0-9]{1,9}\.[0-9]{8,10}\.[0-9]{4}$/;

function rewrite(link) {
  const u = new URL(link);
  if (u.hostname.replace(/\.$/, "") !== "go.plesk.com") return null;
  const m = /^\/buy-plesk-ext\/([^/]+)\/?$/.exec(u.pathname);
  if (!m) return null;
  return `${SHOP}?extension-id=${m[1]}${u.search ? "&" + u.search.slice(1) : ""}`;
}

function check(url) {
  const q = new URL(url).searchParams;
  for (const k of ["extension-id", "kn", "token", "product-id"]) if (q.getAll(k).length > 1) return { code: "param.duplicate" };
  const ext = q.get("extension-id"), kn = q.get("kn"), token = q.get("token"), product = q.get("product-id");
  if (!ext) return { code: "extension_id.missing" };
  if (!kn || !KN.test(kn)) return { code: "kn.malformed" };
  const entry = SOLD.get(ext);
  if (!entry) return { code: "extension.not_sold" };
  if (entry.io && (!token || !product)) return { code: "token.missing" };
  if (product && !entry.products.includes(product)) return { code: "product_id.not_sold" };
  return { ext, kn, token, product };
}

const iters = Number(process.argv[2] ?? 200000);
let out;
for (let i = 0; i < 20000; i++) out = check(rewrite(LINK));
const t0 = process.hrtime.bigint();
for (let i = 0; i < iters; i++) out = check(rewrite(LINK));
const ns = Number(process.hrtime.bigint() - t0) / iters;
if (out.kn !== "PLESK.12345678.0001") throw new Error("peer gave a wrong answer: " + JSON.stringify(out));
console.log(JSON.stringify({ peer: "js-node", op: "rewrite+check", ns_per_call: ns }));
