// What the worker benches share (bench.mjs for `make bench`, breakdown.mjs):
// the 672 KB fixture served by a local upstream (a Node server outside
// workerd, so its CPU is not counted), one workerd running several workers,
// each on a socket of its own, and the timing of their CPU per request.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveFixture, timedGets } from "../../../benches/edge_requests.mjs";
import { freePort, untilHealthy } from "../../../tests/edge/local-runtime.mjs";
import { prepare, engineModules } from "../run.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const src = path.join(here, "../src");

const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/**
 * Start the upstream and one workerd with `workers` (`{ name: module }`,
 * each a file in src/, the engine's modules beside it), all with the
 * example policy and the upstream as bindings. V8's own young-generation
 * sizing, as a deployed worker has it, not the 1 MB cap run.mjs sets for
 * the soak's memory gate (SEMI_SPACE_MB there). Resolves to `{ feed, pid,
 * url(name), stop() }` once every worker answers.
 */
export async function startWorkers(workers) {
  const { server: upstream, url: upstreamUrl, feed } = await serveFixture();
  prepare();
  const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
  const ports = {};
  const services = [], sockets = [], definitions = [];
  for (const [name, module] of Object.entries(workers)) {
    ports[name] = await freePort();
    const id = `w${name.replace(/[^A-Za-z0-9]/g, "")}`; // Cap'n Proto names: camelCase
    services.push(`    (name = "${name}", worker = .${id}),`);
    sockets.push(`(name = "${name}", address = "127.0.0.1:${ports[name]}", http = (), service = "${name}")`);
    definitions.push(`const ${id} :Workerd.Worker = (
  modules = [
    (name = "${module}", esModule = embed "../src/${module}"),
    (name = "entitlement-store.js", esModule = embed "../src/entitlement-store.js"),
${engineModules}  ],
  compatibilityDate = "2024-09-23",
  globalOutbound = "upstream-net",
  bindings = [ (name = "POLICY", text = ${JSON.stringify(policyText)}), (name = "UPSTREAM", text = ${JSON.stringify(upstreamUrl)}) ],
);`);
  }
  const dir = path.join(here, "../.workerd");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${process.pid}.capnp`);
  writeFileSync(file, `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
${services.join("\n")}
    (name = "upstream-net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ ${sockets.join(", ")} ],
);
${definitions.join("\n")}
`);
  const child = spawn(path.join(here, "../node_modules/.bin/workerd"), ["serve", file, "--experimental"], { stdio: ["ignore", "ignore", "inherit"] });
  const url = (name) => `http://127.0.0.1:${ports[name]}/api/v4/packages`;
  const stop = () => { child.kill(); upstream.close(); };
  try {
    for (const name of Object.keys(workers)) await untilHealthy(child, `http://127.0.0.1:${ports[name]}`, { name: `workerd (${name})` });
  } catch (e) {
    stop();
    throw e;
  }
  return { feed, pid: child.pid, url, stop };
}

/** Copy `text` to src/<module> (git ignores src/bench-*.js) for startWorkers. */
export function writeModule(module, text) {
  writeFileSync(path.join(src, module), text);
}

/**
 * Time the workers of `run` (startWorkers' answer): each one's first `cold`
 * requests, then `requests` untimed ones each, then `rounds` rounds of
 * `requests` each, the workers in turn and the order rotating from round to
 * round, so that a slow minute of the machine lands on every worker. Per
 * worker: the median over the rounds (requests/s, CPU ms per request), the
 * rounds' CPU, the cold CPU, the items kept and the bytes answered; and
 * `ratio(a, b, field)`, the median of the rounds' `a[field] / b[field]`.
 */
export async function timeWorkers(run, names, { requests, rounds, cold }) {
  const get = (name, n) => timedGets(run.url(name), n, run.pid, { warmup: 0 });
  const first = {}, timed = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) first[name] = await get(name, cold);
  for (const name of names) await get(name, requests);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      timed[name].push(await get(name, requests));
    }
  }
  const of = (name) => ({
    requests_per_s: median(timed[name].map((x) => x.requests_per_s)),
    cpu_ms_per_request: median(timed[name].map((x) => x.cpu_ms_per_request)),
    cpu_ms_per_request_rounds: timed[name].map((x) => +x.cpu_ms_per_request.toFixed(3)),
    cold_cpu_ms_per_request: first[name].cpu_ms_per_request,
    kept: timed[name][0].kept,
    bytes_out: timed[name][0].bytes_out,
  });
  const workers = Object.fromEntries(names.map((n) => [n, of(n)]));
  const ratio = (a, b, field) => median(timed[a].map((x, r) => x[field] / timed[b][r][field]));
  return { workers, ratio };
}
