// Starts the worker in Cloudflare's own runtime (workerd) on loopback.
//   node run.mjs [--port 8080] [--upstream URL] [--policy FILE] [--secret S]
// The sample environment's worker (src/sample.js), as `wrangler dev --env sample`
// runs it: without --upstream it serves the bundled sample feeds, filtered.
// Exported as start() for the tests.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { build } from "./build.mjs";
import { untilHealthy, arg } from "../../tests/edge/local-runtime.mjs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

/** The sample build (`npm run build -- --sample`): the engine and the sample feeds next to the worker. */
export function prepare() {
  build({ sample: true });
}

const capnpString = (s) => JSON.stringify(s);

/**
 * The npm package's workerd entry point and what it loads, as workerd config
 * module lines (paths from .workerd/): every config that runs the engine in
 * workerd embeds these, the worker's and the vector test's.
 */
export const engineModules = `    (name = "resale/workerd.js", esModule = embed "../src/resale/workerd.js"),
    (name = "resale/api.js", esModule = embed "../src/resale/api.js"),
    (name = "resale/resale_wasm.js", esModule = embed "../src/resale/resale_wasm.js"),
    (name = "resale/resale_wasm_bg.wasm", wasm = embed "../src/resale/resale_wasm_bg.wasm"),
`;

// V8's young generation, capped at 1 MB per semi-space. Left to itself V8
// grows it under load towards its default maximum, and workerd's resident
// set with it: the soak saw 125 -> 330 MiB in 35 s for a worker that only
// returns a constant 302 (no resale code at all), flat at 76 MiB with this
// cap and no fewer requests/s. The growth is V8 sizing its heap, not
// anything a request keeps. The soak now reads the RSS right after a full GC
// forced through the inspector (`inspectorPort`, scripts/soak.mjs), which
// leaves V8's sizing out either way; the cap stays for it because without it
// the RSS after GC was no flatter (one 60 s run: 184 -> 220 MiB, +19.8%,
// against +17.4% capped: what grows is workerd's allocator, not V8). The CPU
// benchmark passes `semiSpaceMb: null` (V8's own sizing): a 1 MB young
// generation makes every allocating worker collect far more often (the
// plain-JS worker's CPU per request 5.3-6.0 ms without it, 8.6-11 ms with
// it), so a ratio measured under the cap flatters whichever side allocates
// less.
const SEMI_SPACE_MB = 1;

// Entitlements: the EntitlementStore Durable Object (ENTITLEMENT_STORE), on
// local disk under the worker's state folder: stateDir, or a fresh
// .workerd/state-<port>-<pid>-<n>/ removed when workerd exits (`make serve`
// keeps .workerd/state-<port>/ across runs). `probe` adds the test entry support/entitlement-probe.js.
let fresh = 0;

/** Write a workerd config for these settings; returns its path and its state folder. */
export function config({ port, upstream = "", policyText, secrets = "", stateDir, probe = false, semiSpaceMb = SEMI_SPACE_MB }) {
  const dir = path.join(here, ".workerd");
  mkdirSync(dir, { recursive: true });
  const state = path.resolve(stateDir ?? path.join(dir, `state-${port}-${process.pid}-${++fresh}`));
  mkdirSync(state, { recursive: true });
  const file = path.join(dir, `config-${port}.capnp`);
  writeFileSync(
    file,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = [${semiSpaceMb == null ? "" : `"--max-semi-space-size=${semiSpaceMb}"`}],
  services = [
    (name = "main", worker = .worker),
    (name = "upstream-net", network = (allow = ["public", "private", "local"])),
    (name = "entitlements-disk", disk = (path = ${capnpString(state)}, writable = true)),
  ],
  sockets = [ (name = "http", address = ${capnpString(`127.0.0.1:${port}`)}, http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
${probe ? '    (name = "entitlement-probe.js", esModule = embed "../support/entitlement-probe.js"),\n' : ""}    (name = "sample.js", esModule = embed "../src/sample.js"),
    (name = "entitlement-store.js", esModule = embed "../src/entitlement-store.js"),
    (name = "index.js", esModule = embed "../src/index.js"),
${engineModules}    (name = "fixtures/packages.feed", data = embed "../src/fixtures/packages.feed"),
    (name = "fixtures/categories.feed", data = embed "../src/fixtures/categories.feed"),
  ],
  compatibilityDate = "2024-09-23",
  globalOutbound = "upstream-net",
  bindings = [
    (name = "POLICY", text = ${capnpString(policyText)}),
    (name = "UPSTREAM", text = ${capnpString(upstream)}),
    (name = "GITHUB_WEBHOOK_SECRETS", text = ${capnpString(secrets)}),
    (name = "ENTITLEMENT_STORE", durableObjectNamespace = "EntitlementStore"),
  ],
  durableObjectNamespaces = [ (className = "EntitlementStore", uniqueKey = "resale-entitlement-store") ],
  durableObjectStorage = (localDisk = "entitlements-disk"),
);
`,
  );
  return { file, state };
}

/**
 * Start workerd; resolves once it answers /healthz, to `{ child, url }`, and
 * `inspector` (the worker's V8 inspector, ws://127.0.0.1:<port>/main) when
 * `inspectorPort` is given: the soak forces a full garbage collection through
 * it before each memory reading (tests/edge/inspector.mjs).
 */
export async function start(options) {
  prepare();
  const { file, state } = config(options);
  const bin = path.join(here, "node_modules/.bin/workerd");
  const inspect = options.inspectorPort ? [`--inspector-addr=127.0.0.1:${options.inspectorPort}`] : [];
  const child = spawn(bin, ["serve", file, "--experimental", ...inspect], { stdio: ["ignore", "inherit", "inherit"] });
  if (!options.stateDir) child.on("exit", () => rmSync(state, { recursive: true, force: true }));
  const up = await untilHealthy(child, `http://127.0.0.1:${options.port}`, { name: "workerd" });
  return options.inspectorPort ? { ...up, inspector: `ws://127.0.0.1:${options.inspectorPort}/main` } : up;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(arg("--port", "8080"));
  const policyFile = arg("--policy", path.join(repo, "examples/policy.json"));
  const { child, url } = await start({
    port,
    upstream: arg("--upstream", ""),
    policyText: readFileSync(policyFile, "utf8"),
    secrets: arg("--secret", "It's a Secret to Everybody"),
    stateDir: arg("--state-dir", path.join(here, ".workerd", `state-${port}`)),
  });
  console.log(`resale worker (workerd) on ${url} with ${path.relative(process.cwd(), policyFile)}; try:
  curl -s ${url}/api/v4/packages | head -c 300; echo
  curl -s ${url}/api/v4/categories?version=18.0.64 | head -c 300; echo
  curl -si '${url}/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001' | head -4
  curl -s -H 'accept: application/json' '${url}/buy?extension-id=wordpress-toolkit&kn=PLSK.1&kn=PLSK.2'
Ctrl-C stops it.`);
  process.on("SIGINT", () => child.kill());
  process.on("SIGTERM", () => child.kill());
  child.on("exit", (code) => process.exit(code ?? 0));
}
