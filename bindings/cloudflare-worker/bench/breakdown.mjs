// Where the worker's CPU per uncached 672 KB request goes: variants of it
// in one workerd, timed as bench.mjs times the workers (workers.mjs), warm.
// Each variant is src/index.js or floor-worker.js with one step taken out
// or added; a variant whose anchor text is no longer in its source stops
// the run rather than time the wrong code. Prints one line per variant:
// its median CPU ms per request and the rounds'.
// Usage: node bench/breakdown.mjs [REQUESTS] [ROUNDS]
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startWorkers, timeWorkers, writeModule } from "./workers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const requests = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 5);
const worker = readFileSync(path.join(here, "../src/index.js"), "utf8");
const floor = readFileSync(path.join(here, "floor-worker.js"), "utf8");

/** `text` with `anchor` replaced by `by`; throws if `anchor` is not there once. */
function edit(text, anchor, by) {
  if (text.split(anchor).length !== 2) throw new Error(`breakdown: the anchor ${JSON.stringify(anchor)} is not in the source once`);
  return text.replace(anchor, () => by);
}

// The filtered fixture's length over the fixture's (494,746 of 672,415
// bytes): the floor variant that answers new bytes answers that many.
const KEPT = 494746 / 672415;
const variants = [
  ["floor: the body read whole and answered", floor],
  ["floor, answering as many new bytes as the filter keeps", edit(floor, "return new Response(body,",
    `const n = Math.round(body.byteLength * ${KEPT}), out = new Uint8Array(n).fill(32); out[0] = 91; out[n - 1] = 93;\n    return new Response(out,`)],
  ["floor plus one filterCatalog call, answering its bytes", edit(
    edit(floor, "export default {", 'import { Gateway } from "./resale/workerd.js";\nlet gateway;\nexport default {'),
    "return new Response(body,", "gateway ??= Gateway.fromJson(env.POLICY);\n    return new Response(gateway.policy.filterCatalog(pathname, new Uint8Array(body)),")],
  ["the worker, the body answered unfiltered", edit(worker, "const filtered = gw.catalogWhole(req, feed);", "const filtered = { body: feed };")],
  ["the worker without its Cache API lookup", edit(worker, 'let cache = route.method === "GET" && !sample ? globalThis.caches?.default : undefined;', "let cache;")],
  ["the worker", worker],
];
// Worker `v<i>` runs variant i, from src/bench-variant-<i>.js.
const names = variants.map((_, i) => `v${i}`);
variants.forEach(([, source], i) => writeModule(`bench-variant-${i}.js`, source));
const run = await startWorkers(Object.fromEntries(names.map((name, i) => [name, `bench-variant-${i}.js`])));
try {
  const { workers } = await timeWorkers(run, names, { requests, rounds, cold: Math.min(100, requests) });
  variants.forEach(([label], i) => {
    const w = workers[names[i]];
    console.log(`${w.cpu_ms_per_request.toFixed(2)} ms  ${label}  (rounds ${w.cpu_ms_per_request_rounds.join(", ")}; ${w.bytes_out} bytes, ${w.kept} items)`);
  });
} finally {
  run.stop();
}
