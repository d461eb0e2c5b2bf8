// Starts the worker in Cloudflare's own runtime (workerd) on loopback.
//   node run.mjs [--port 8080] [--upstream URL] [--policy FILE] [--secret S]
// The sample environment's worker (src/sample.js), as `wrangler dev --env sample`
// runs it: without --upstream it serves the bundled sample feeds, filtered.
// Exported as start() for the tests.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { build } from "./build.mjs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

/** The sample build (`npm run build -- --sample`): the engine and the sample feeds next to the worker. */
export function prepare() {
  build({ sample: true });
}

const capnpString = (s) => JSON.stringify(s);

/** Write a workerd config for these settings; returns its path. */
export function config({ port, upstream = "", policyText, secrets = "" }) {
  const dir = path.join(here, ".workerd");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `config-${port}.capnp`);
  writeFileSync(
    file,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "upstream-net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = ${capnpString(`127.0.0.1:${port}`)}, http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "sample.js", esModule = embed "../src/sample.js"),
    (name = "index.js", esModule = embed "../src/index.js"),
    (name = "resale/workerd.js", esModule = embed "../src/resale/workerd.js"),
    (name = "resale/api.js", esModule = embed "../src/resale/api.js"),
    (name = "resale/resale_wasm.js", esModule = embed "../src/resale/resale_wasm.js"),
    (name = "resale/resale_wasm_bg.wasm", wasm = embed "../src/resale/resale_wasm_bg.wasm"),
    (name = "fixtures/packages.feed", data = embed "../src/fixtures/packages.feed"),
    (name = "fixtures/categories.feed", data = embed "../src/fixtures/categories.feed"),
  ],
  compatibilityDate = "2024-09-23",
  globalOutbound = "upstream-net",
  bindings = [
    (name = "POLICY", text = ${capnpString(policyText)}),
    (name = "UPSTREAM", text = ${capnpString(upstream)}),
    (name = "GITHUB_WEBHOOK_SECRETS", text = ${capnpString(secrets)}),
  ],
);
`,
  );
  return file;
}

/** Start workerd; resolves once it answers /healthz. */
export async function start(options) {
  prepare();
  const file = config(options);
  const bin = path.join(here, "node_modules/.bin/workerd");
  const child = spawn(bin, ["serve", file, "--experimental"], { stdio: ["ignore", "inherit", "inherit"] });
  const url = `http://127.0.0.1:${options.port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("workerd did not start");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const port = Number(arg("--port", "8080"));
  const policyFile = arg("--policy", path.join(repo, "examples/policy.json"));
  const { child, url } = await start({
    port,
    upstream: arg("--upstream", ""),
    policyText: readFileSync(policyFile, "utf8"),
    secrets: arg("--secret", "It's a Secret to Everybody"),
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
