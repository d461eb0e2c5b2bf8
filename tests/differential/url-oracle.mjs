// Differential oracle: the buy-link rewrite against Node's WHATWG URL parser.
//
// For thousands of generated hostile URLs, Node's `new URL()` (an
// implementation nobody on this project wrote) says what the host, path and
// query really are; from that, this script predicts what the rewrite must
// answer, and compares with `resale rewrite`. Usage:
//   node tests/differential/url-oracle.mjs target/release/resale
// Exit 1 on any disagreement not listed in DELIBERATE below.

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2] ?? path.join(here, "../../target/release/resale");
const policy = path.join(here, "../vectors/policies/shop-com.json");
const SHOP = "https://shop.com/";

const schemes = ["https://", "http://", "HTTPS://", "https:", "https:/", "https:\\\\", "//", "", "ftp://", "ws://", " https://", "https:///"];
const hosts = [
  "go.plesk.com", "GO.PLESK.COM", "Go.Plesk.Com", "go.plesk.com.", "go.plesk.com..", ".go.plesk.com",
  "go.plesk.com:443", "go.plesk.com:80", "go.plesk.com:8443", "go.plesk.com:", "go.plesk.com:65536",
  "user@go.plesk.com", "user:pw@go.plesk.com", "go.plesk.com@evil.example", "evil.example@go.plesk.com",
  "go.plesk.com:pw@evil.example", "go%2Eplesk.com", "go.plesk%2ecom", "%67o.plesk.com", "go.plesk.com%00",
  "go.plesk.com%2F@evil.example", "ｇｏ.plesk.com", "go.plesk\u3002com", "go.ple\u00ADsk.com",
  "go.plesk.com\u200B", "go.plesk.com.evil.example", "go.plesk.com.vendor.example", "go-plesk.com",
  "xgo.plesk.com", "plesk.com", "go.plesk.co", "go.plesk.com\t", "go.ple\nsk.com", "go.plesk.com ",
  "go.pl\rsk.com", "[::1]", "127.0.0.1", "0x7f.1", "evil.example", "evil.example\\@go.plesk.com",
  "evil.example#@go.plesk.com", "evil.example?@go.plesk.com", "go.plesk.com\\.evil.example",
  "xn--go-plesk-com", "GO.PLESK.COM.", "go.plesk.com%2e",
];
const tails = [
  "/buy-plesk-ext/docker?kn=PLSK.12345678.0001", "/buy-plesk-ext/docker", "/buy-plesk-ext/docker/",
  "/buy-plesk-ext/docker?kn=a%20b&token=ab+c%3D", "/BUY-PLESK-EXT/docker", "/buy-plesk-ext/../docker",
  "/x/../buy-plesk-ext/docker", "/buy-plesk-ext/%64ocker", "/buy-plesk-ext/do%2Fcker",
  "/?go.plesk.com", "/#go.plesk.com", "/buy-plesk-ext/docker#frag", "\\buy-plesk-ext\\docker?kn=1",
  "/buy-plesk-ext/docker?kn=\"<x>'", "/buy-plesk-ext/a b", "/buy-plesk-ext/%2e%2e", "",
  "/buy-plesk-ext/docker?kn=%0d%0aX", "/buy-plesk-ext/docker?a=1&a=2",
];

const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What the rewrite must answer, derived from Node's parse. */
function predict(input) {
  let u;
  try { u = new URL(input); } catch { return { status: "error", code: "url.invalid" }; }
  const host = u.hostname.endsWith(".") ? u.hostname.slice(0, -1) : u.hostname;
  if (!(u.protocol === "http:" || u.protocol === "https:") || host !== "go.plesk.com") {
    return { status: "unchanged", reason: "host.not_plesk_store" };
  }
  const m = /^\/buy-plesk-ext\/([^/]+)\/?$/.exec(u.pathname);
  if (!m) return { status: "unchanged", reason: "path.not_buy_link" };
  let id;
  try { id = decodeURIComponent(m[1]); } catch { return { status: "unchanged", reason: "extension_id.malformed" }; }
  if (!CODE.test(id)) return { status: "unchanged", reason: "extension_id.malformed" };
  const query = u.search.length > 1 ? "&" + u.search.slice(1) : "";
  return { status: "rewritten", url: `${SHOP}?extension-id=${id}${query}` };
}

// Deliberate disagreements, with the reason. None so far: both are WHATWG parsers.
const DELIBERATE = new Map();

const inputs = [];
for (const s of schemes) for (const h of hosts) for (const t of tails) inputs.push(s + h + t);
// NUL cannot travel in argv; everything else can.
const usable = inputs.filter((s) => !s.includes("\0") && s.length > 0);

const answers = [];
const BATCH = 1500;
for (let i = 0; i < usable.length; i += BATCH) {
  const batch = usable.slice(i, i + BATCH);
  const out = execFileSync(bin, ["rewrite", "--policy", policy, ...batch], { encoding: "utf8", maxBuffer: 1 << 28 });
  answers.push(...out.trim().split("\n").map((l) => JSON.parse(l)));
}
if (answers.length !== usable.length) {
  console.error(`expected ${usable.length} answers, got ${answers.length}`);
  process.exit(1);
}

let agree = 0, rewritten = 0;
const disagreements = [];
usable.forEach((input, i) => {
  const want = predict(input);
  const got = answers[i];
  const same = want.status === got.status &&
    (want.status === "rewritten" ? want.url === got.url :
     want.status === "unchanged" ? want.reason === got.reason : want.code === got.code);
  if (same) { agree++; if (got.status === "rewritten") rewritten++; }
  else if (!DELIBERATE.has(input)) disagreements.push({ input, node: want, resale: got });
});

console.log(`url oracle: ${usable.length} URLs, ${agree} agree with Node's WHATWG parser (${rewritten} rewritten), ${disagreements.length} disagree`);
for (const d of disagreements.slice(0, 20)) console.log(JSON.stringify(d));
process.exit(disagreements.length ? 1 : 0);
