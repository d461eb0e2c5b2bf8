// The npm package and the worker as their users get them:
// - the worker's wrangler project bundles for the default environment without
//   the sample feeds (wasm as a module) and for `--env sample` with them, and
//   `wrangler dev --env sample` serves the sample feed filtered;
// - `npm pack` of wasm/pkg, installed offline into a scratch project, imports
//   in Node (the node entry; the browser entry under --conditions=browser),
//   and a TypeScript worker on it type-checks with tsc, bundles with wrangler
//   and answers in workerd.
// Sizes of the bundles are printed; nothing here reaches the network.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const workerDir = path.join(repo, "bindings/cloudflare-worker");
const bin = (name) => path.join(workerDir, "node_modules/.bin", name);
// Inside the worker project, so tsc, wrangler and the Workers types resolve
// from its node_modules as they would from a user's own project.
const scratch = path.join(workerDir, ".scratch");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" };
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** `wrangler deploy --dry-run --outdir`: the files of the bundle with their sizes. */
function dryRun(cwd, outdir, extra = []) {
  rmSync(outdir, { recursive: true, force: true });
  const log = run(bin("wrangler"), ["deploy", "--dry-run", "--outdir", outdir, ...extra], cwd);
  const files = Object.fromEntries(readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md").map((f) => [f, readFileSync(path.join(outdir, f))]));
  const upload = /Total Upload: (.*)/.exec(log)?.[1];
  return { files, upload };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
function report(label, { files, upload }) {
  const all = Object.values(files);
  const raw = all.reduce((n, b) => n + b.length, 0);
  const gz = all.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
  console.log(`bundle ${label}: ${Object.keys(files).length} modules, ${kib(raw)} (${kib(gz)} gzipped each); wrangler: ${upload}`);
}

const feeds = ["packages", "categories"].map((f) => readFileSync(path.join(repo, `tests/fixtures/${f}.json`)));
const wasmOf = (files) => Object.keys(files).filter((f) => f.endsWith(".wasm"));

test("worker, default environment: wasm as a module, no sample feeds", () => {
  const bundle = dryRun(workerDir, path.join(scratch, "dist-default"), ["--env="]);
  report("default", bundle);
  const wasm = wasmOf(bundle.files);
  assert.equal(wasm.length, 1, "one .wasm module");
  assert.deepEqual(bundle.files[wasm[0]], readFileSync(path.join(repo, "wasm/pkg/resale_wasm_bg.wasm")));
  const js = bundle.files["index.js"].toString();
  assert.match(js, new RegExp(`from "\\./${wasm[0].replace(/\./g, "\\.")}"`), "the entry imports the wasm module");
  assert.deepEqual(Object.keys(bundle.files).filter((f) => f.endsWith(".feed")), []);
  for (const feed of feeds) {
    const probe = feed.subarray(0, 200).toString();
    assert.ok(!Object.values(bundle.files).some((b) => b.includes(probe)), "no sample feed bytes in any module");
  }
});

test("worker, --env sample: the sample feeds are bundled as data modules", () => {
  const bundle = dryRun(workerDir, path.join(scratch, "dist-sample"), ["--env", "sample"]);
  report("sample", bundle);
  assert.equal(wasmOf(bundle.files).length, 1);
  const data = Object.entries(bundle.files).filter(([f]) => f.endsWith(".feed")).map(([, b]) => b);
  assert.equal(data.length, 2);
  for (const feed of feeds) assert.ok(data.some((b) => b.equals(feed)));
});

test("worker, wrangler dev --env sample: the sample feed filtered, the /buy gate", async () => {
  const port = await freePort();
  const child = spawn(bin("wrangler"), ["dev", "--env", "sample", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"], { cwd: workerDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  try {
    let feed;
    for (let i = 0; i < 300 && !feed; i++) {
      feed = await fetch(`http://127.0.0.1:${port}/api/v4/packages`).catch(() => null);
      if (!feed) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(feed, `wrangler dev did not answer:\n${output}`);
    assert.equal(feed.status, 200);
    const expected = JSON.parse(execFileSync(path.join(repo, "target/release/resale"), ["filter", "--policy", path.join(repo, "examples/policy.json"), "--path", "/api/v4/packages"], { input: feeds[0] }));
    const served = await feed.json();
    assert.deepEqual(served, expected);
    assert.equal(served.length, 220);
    const buy = await fetch(`http://127.0.0.1:${port}/buy?extension-id=git&kn=PLSK.12345678.0001`, { redirect: "manual" });
    assert.equal(buy.status, 302);
    assert.equal(buy.headers.get("location"), "https://shop.example.com/store?extension-id=git&kn=PLSK.12345678.0001");
    // The build writes only changed files, so wrangler's watcher on src/ does not rebuild in a loop.
    await new Promise((r) => setTimeout(r, 1500));
    const builds = output.split("> node build.mjs --sample").length - 1;
    assert.ok(builds >= 1 && builds <= 2, `wrangler dev ran the build ${builds} times`);
  } finally {
    child.kill();
  }
});

async function freePort() {
  const s = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

test("npm pack, offline install, Node import, tsc, wrangler bundle in workerd", async () => {
  const project = path.join(scratch, "npm-user");
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  const [packed] = JSON.parse(run("npm", ["pack", path.join(repo, "wasm/pkg"), "--pack-destination", project, "--json"], project));
  const shipped = packed.files.map((f) => f.path).sort();
  for (const f of ["package.json", "index.d.ts", "workerd.js", "node.js", "browser.js", "api.js", "resale_wasm.js", "resale_wasm_bg.wasm"]) assert.ok(shipped.includes(f), `${f} in the tarball`);
  console.log(`npm pack: ${packed.filename}, ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${shipped.length} files`);

  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "npm-user", private: true, type: "module", dependencies: { "@resale/resale": `file:./${packed.filename}` } }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], project);

  const probe = `const m = await import("@resale/resale");
const p = m.Policy.fromJson({ shop_url: "https://shop.example.com/", extensions: { docker: {} } });
console.log(JSON.stringify({ entry: import.meta.resolve("@resale/resale").split("/").pop(), url: p.checkShopRequest("extension-id=docker&kn=PLSK.12345678.0001").redirect_url }));`;
  const nodeAnswer = JSON.parse(run("node", ["--input-type=module", "-e", probe], project));
  assert.deepEqual(nodeAnswer, { entry: "node.js", url: "https://shop.example.com/?extension-id=docker&kn=PLSK.12345678.0001" });
  const resolved = (cond) => run("node", ["--input-type=module", ...cond, "-e", 'console.log(import.meta.resolve("@resale/resale").split("/").pop())'], project).trim();
  assert.equal(resolved(["--conditions=browser"]), "browser.js");
  assert.equal(resolved(["--conditions=workerd"]), "workerd.js");

  cpSync(path.join(here, "ts-worker"), project, { recursive: true });
  run(bin("tsc"), ["-p", "tsconfig.json"], project);
  writeFileSync(path.join(project, "wrangler.toml"), 'name = "npm-user"\nmain = "worker.ts"\ncompatibility_date = "2024-09-23"\n');
  const bundle = dryRun(project, path.join(project, "dist"));
  report("npm-user (TypeScript)", bundle);
  const [wasm] = wasmOf(bundle.files);
  assert.ok(wasm, "wrangler took the workerd entry and its .wasm module");
  assert.doesNotMatch(bundle.files["worker.js"]?.toString() ?? bundle.files["index.js"].toString(), /readFileSync|node:fs/);

  // Run that bundle in workerd, as Cloudflare would.
  const entry = bundle.files["worker.js"] ? "worker.js" : "index.js";
  const port = await freePort();
  const capnp = path.join(project, "dist/config.capnp");
  writeFileSync(capnp, `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "${entry}", esModule = embed "${entry}"), (name = "${wasm}", wasm = embed "${wasm}") ],
  compatibilityDate = "2024-09-23",
  bindings = [ (name = "POLICY", text = ${JSON.stringify(JSON.stringify({ shop_url: "https://shop.example.com/", extensions: { docker: {} } }))}) ],
);
`);
  const child = spawn(bin("workerd"), ["serve", capnp], { stdio: ["ignore", "inherit", "inherit"] });
  try {
    let answer;
    for (let i = 0; i < 100 && !answer; i++) {
      answer = await fetch(`http://127.0.0.1:${port}/?extension-id=docker&kn=PLSK.1`, { redirect: "manual" }).catch(() => null);
      if (!answer) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(answer.status, 400);
    assert.deepEqual(await answer.json(), { code: "kn.malformed", field: "kn" });
    const ok = await fetch(`http://127.0.0.1:${port}/?extension-id=docker&kn=PLSK.12345678.0001`, { redirect: "manual" });
    assert.equal(ok.status, 302);
    assert.equal(ok.headers.get("location"), "https://shop.example.com/?extension-id=docker&kn=PLSK.12345678.0001");
  } finally {
    child.kill();
  }
});
