// `npm run build`: puts the engine's npm package (wasm/pkg, built by
// `make wasm` when missing) into src/resale/, where src/index.js imports it.
// `npm run build -- --sample` also copies the sample catalog feeds into
// src/fixtures/ for the `sample` environment (wrangler.toml [env.sample]);
// the default entry (src/index.js) does not import them, so a production
// bundle never carries them.
// wrangler.toml runs this before every `wrangler dev` and `wrangler deploy`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const pkg = path.join(repo, "wasm/pkg");

/**
 * Write `from` (a path, or the bytes themselves) to `to` unless `to` already
 * holds the same bytes: `wrangler dev` watches src/ and runs this build on
 * every change, so rewriting unchanged files would loop.
 */
function update(from, to) {
  const bytes = Buffer.isBuffer(from) ? from : readFileSync(from);
  if (existsSync(to) && readFileSync(to).equals(bytes)) return;
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, bytes);
}

/** Copy the engine (and with `sample`, the sample feeds) next to the worker. */
export function build({ sample = false } = {}) {
  if (!existsSync(path.join(pkg, "workerd.js"))) execFileSync("make", ["-C", repo, "wasm"], { stdio: "inherit" });
  for (const f of readdirSync(pkg)) update(path.join(pkg, f), path.join(here, "src/resale", f));
  if (sample) {
    for (const f of ["packages", "categories"]) update(path.join(repo, `tests/fixtures/${f}.json`), path.join(here, `src/fixtures/${f}.feed`));
    // The example policy, verbatim, for `wrangler dev --env sample` (dotenv,
    // single-quoted: taken literally, newlines included).
    const policy = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
    if (policy.includes("'")) throw new Error("examples/policy.json contains a single quote: it cannot go into .dev.vars.sample as is");
    update(Buffer.from(`POLICY='${policy.trimEnd()}'\nGITHUB_WEBHOOK_SECRETS="It's a Secret to Everybody"\n`), path.join(here, ".dev.vars.sample"));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build({ sample: process.argv.includes("--sample") });
