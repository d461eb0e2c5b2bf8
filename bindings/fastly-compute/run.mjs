// Starts the service in Fastly's local runtime (Viceroy) on loopback.
//   node run.mjs [--port 8081] [--upstream URL] [--policy FILE] [--secret S]
// Without --upstream a local origin serving the sample feeds
// (tests/fixtures/) stands in for ext.plesk.com. Exported for the tests and
// the bench: wasmPath, sampleUpstream(), config(), start().
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { untilHealthy, arg } from "../../tests/edge/local-runtime.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

/** The service, as `make fastly` builds it (and the tests' vector runner beside it). */
export const wasmPath = path.join(here, "target/wasm32-wasip1/release/resale-fastly-compute.wasm");
export const vectorsWasmPath = path.join(here, "target/wasm32-wasip1/release/vectors.wasm");

/** `viceroy` on PATH, else where `cargo install` puts it. */
export function viceroyBin() {
  try {
    execFileSync("viceroy", ["--version"], { stdio: "ignore" });
    return "viceroy";
  } catch {
    const bin = path.join(process.env.CARGO_HOME ?? path.join(homedir(), ".cargo"), "bin/viceroy");
    if (existsSync(bin)) return bin;
    throw new Error("viceroy is missing: run `scripts/setup.sh fastly`");
  }
}

/** A local origin serving the sample feeds as ext.plesk.com would; resolves to its base URL and server. */
export async function sampleUpstream(port = 0) {
  const feeds = {
    packages: readFileSync(path.join(repo, "tests/fixtures/packages.json")),
    categories: readFileSync(path.join(repo, "tests/fixtures/categories.json")),
  };
  const server = createServer((req, res) => {
    const m = /^\/api\/v\d+\/(packages|categories)(\?|$)/.exec(req.url);
    if (!m) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end("{}");
    }
    res.writeHead(200, { "content-type": "application/json", "x-resale-source": "bundled-sample" });
    res.end(feeds[m[1]]);
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/** Write a Viceroy fastly.toml (and its Config Store as JSON) for these settings; returns its path. */
export function config({ port, upstream, policyText, secrets = "", kvStore = true }) {
  const dir = path.join(here, ".viceroy");
  mkdirSync(dir, { recursive: true });
  const store = path.join(dir, `config-store-${port}.json`);
  writeFileSync(store, JSON.stringify({ policy: policyText, github_webhook_secrets: secrets }));
  const u = new URL(upstream);
  const file = path.join(dir, `fastly-${port}.toml`);
  // TOML basic strings share JSON's escapes for what can occur here.
  writeFileSync(
    file,
    `manifest_version = 3
name = "resale-local"
language = "rust"

[local_server.backends.catalog]
url = ${JSON.stringify(u.origin)}
override_host = ${JSON.stringify(u.host)}

[local_server.config_stores.resale]
format = "json"
file = ${JSON.stringify(store)}
${kvStore ? "\n# Entitlements (src/entitlement_store.rs): Viceroy's in-memory KV Store, empty at each start.\n[local_server.kv_stores]\nentitlements = []\n" : ""}`,
  );
  return file;
}

/** Start Viceroy (with `options.wasm`, default the service); resolves once it answers /healthz (a 500 too: the policy may be meant not to compile). */
export async function start(options) {
  const wasm = options.wasm ?? wasmPath;
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run \`make fastly\` first`);
  const file = config(options);
  const child = spawn(viceroyBin(), ["serve", "--addr", `127.0.0.1:${options.port}`, "-C", file, wasm], {
    stdio: ["ignore", options.verbose ? "inherit" : "ignore", "inherit"],
  });
  // Any answer will do: a service whose policy does not compile answers
  // its coded 500 there, and the tests start one on purpose.
  return untilHealthy(child, `http://127.0.0.1:${options.port}`, { name: "viceroy", tries: 300, ready: (r) => r.status });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(arg("--port", "8081"));
  const policyFile = arg("--policy", path.join(repo, "examples/policy.json"));
  let upstream = arg("--upstream", "");
  let sample = null;
  if (!upstream) {
    sample = await sampleUpstream();
    upstream = sample.url;
  }
  const { child, url } = await start({
    port,
    upstream,
    policyText: readFileSync(policyFile, "utf8"),
    secrets: arg("--secret", "It's a Secret to Everybody"),
    verbose: true,
  });
  console.log(`resale on Fastly Compute (Viceroy) on ${url} with ${path.relative(process.cwd(), policyFile)}, catalog from ${sample ? "the sample feeds" : upstream}; try:
  curl -s ${url}/api/v4/packages | head -c 300; echo
  curl -s ${url}/api/v4/categories?version=18.0.64 | head -c 300; echo
  curl -si '${url}/buy?extension-id=wordpress-toolkit&kn=PLSK.12345678.0001' | head -4
  curl -s -H 'accept: application/json' '${url}/buy?extension-id=wordpress-toolkit&kn=PLSK.1&kn=PLSK.2'
Ctrl-C stops it.`);
  const stop = () => child.kill();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  child.on("exit", (code) => {
    sample?.server.close();
    process.exit(code ?? 0);
  });
}
