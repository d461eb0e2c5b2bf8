// Peer: a hand-written JavaScript catalog filter, as a Worker author would
// write it: JSON.parse, Array.filter with a WHATWG host check, JSON.stringify.
// Prints one JSON result line. Usage: node js-filter.mjs FEED WHITELIST [ITER]
import { readFileSync } from "node:fs";

const [feedPath, whitelistPath, iterArg] = process.argv.slice(2);
const bytes = readFileSync(feedPath);
const sold = new Set(readFileSync(whitelistPath, "utf8").split("\n").filter(Boolean));

function isPleskStore(buyUrl) {
  if (typeof buyUrl !== "string" || buyUrl === "") return false;
  try {
    const u = new URL(buyUrl);
    return (u.protocol === "https:" || u.protocol === "http:") && u.hostname.replace(/\.$/, "") === "go.plesk.com";
  } catch { return false; }
}

function filter(buf) {
  const items = JSON.parse(new TextDecoder().decode(buf));
  const kept = items.filter((it) => !isPleskStore(it.buy_url) || sold.has(it.code));
  return { out: JSON.stringify(kept), kept: kept.length };
}

const iters = Number(iterArg ?? 20);
let last = filter(bytes);
const t0 = process.hrtime.bigint();
for (let i = 0; i < iters; i++) last = filter(bytes);
const secs = Number(process.hrtime.bigint() - t0) / 1e9 / iters;
console.log(JSON.stringify({ peer: "js-node", bytes: bytes.length, seconds: secs, mb_per_s: bytes.length / secs / 1e6, kept: last.kept }));
