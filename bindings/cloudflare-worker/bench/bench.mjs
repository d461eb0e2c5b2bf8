// In one workerd: the worker (wasm filter), a plain-JS worker and the floor
// (floor-worker.js: the body read whole and answered unfiltered), all
// fetching the 672 KB fixture from the same local upstream (a Node server,
// outside workerd, so its CPU is not counted) with the same request headers
// (the gateway's: identity encoding), as in production; sequential requests
// over loopback, timed. No Cache API in plain workerd: every request is
// fetched and filtered. Prints one JSON line. Usage: node bench/bench.mjs [REQUESTS]
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { timedGets } from "../../../benches/edge_requests.mjs";
import { readFileSync, writeFileSync, cpSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { prepare, config } from "../run.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const requests = Number(process.argv[2] ?? 200);
const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => r(port)); }); });

const feed = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
const upstream = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json", etag: '"fixture-1"', "cache-control": "max-age=300", "content-length": feed.length });
  res.end(req.method === "HEAD" ? undefined : feed);
});
await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

prepare();
for (const peer of ["js-worker.js", "floor-worker.js"]) cpSync(path.join(here, peer), path.join(here, "../src", peer));
const [wasmPort, jsPort, floorPort] = [await freePort(), await freePort(), await freePort()];
const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
// V8's own young-generation sizing, as a deployed worker has, not the
// 1 MB cap run.mjs sets for the soak's memory gate (see SEMI_SPACE_MB there).
const { file } = config({ port: wasmPort, upstream: upstreamUrl, policyText, semiSpaceMb: null });
// Add the plain-JS worker and the floor, each on a socket of its own.
let text = readFileSync(file, "utf8");
const peers = [["js", "js-worker.js", jsPort], ["floor", "floor-worker.js", floorPort]];
for (const [name, module, port] of peers) {
  text = text.replace(`(name = "main", worker = .worker),`, `(name = "main", worker = .worker),\n    (name = "${name}", worker = .${name}Worker),`);
  text = text.replace(/sockets = \[ (.*) \],/, (m, s) => `sockets = [ ${s}, (name = "${name}", address = "127.0.0.1:${port}", http = (), service = "${name}") ],`);
  text += `const ${name}Worker :Workerd.Worker = (
  modules = [
    (name = "${module}", esModule = embed "../src/${module}"),
  ],
  compatibilityDate = "2024-09-23",
  globalOutbound = "upstream-net",
  bindings = [ (name = "POLICY", text = ${JSON.stringify(policyText)}), (name = "UPSTREAM", text = ${JSON.stringify(upstreamUrl)}) ],
);
`;
}
writeFileSync(file, text);
const child = spawn(path.join(here, "../node_modules/.bin/workerd"), ["serve", file, "--experimental"], { stdio: ["ignore", "ignore", "inherit"] });
const up = async (port) => { for (let i = 0; i < 200; i++) { try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status) return; } catch {} await new Promise((r) => setTimeout(r, 100)); } throw new Error("workerd did not start"); };
await up(wasmPort);
await up(jsPort);
await up(floorPort);

const run = (port) => timedGets(`http://127.0.0.1:${port}/api/v4/packages`, requests, child.pid);
try {
  const wasm = await run(wasmPort);
  const js = await run(jsPort);
  const floor = await run(floorPort);
  console.log(JSON.stringify({ input_bytes: feed.length, wasm, js, floor, ratio: wasm.requests_per_s / js.requests_per_s,
    cpu_ratio_js_to_wasm: js.cpu_ms_per_request / wasm.cpu_ms_per_request, cpu_ratio_js_to_floor: js.cpu_ms_per_request / floor.cpu_ms_per_request }));
} finally {
  child.kill();
  upstream.close();
}
