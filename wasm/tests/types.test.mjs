// The answer types, checked against real answers: every shared vector is run
// through the npm package (as vectors.test.mjs does) and each answer is
// written, as an object literal, into a TypeScript file typed twice:
//   - by the type generated from its JSON Schema (tests/vectors/schema/,
//     itself generated from the core's Rust types), so the schema must
//     describe what the core answers;
//   - by the return type that wasm/js/index.d.ts declares for the API call,
//     so the hand-written declarations must too.
// The thrown errors, the catalog filter's stats and the accepted shop
// requests are typed the same way (ResaleError, CatalogStats, ShopRequest).
// `tsc --noEmit --strict` then fails on a missing field, a field of another
// type, and (object literals being checked for excess properties) a field
// the types do not know. typescript and json-schema-to-typescript are pinned
// in wasm/tools/package.json (scripts/setup.sh wasm installs them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../pkg/node.js";
import { runVectors } from "./runner.mjs";
import { loadVectors, root } from "./load-vectors.mjs";

const repo = new URL("../../", import.meta.url).pathname;
const tools = join(repo, "wasm/tools/node_modules");
const out = join(repo, "target/types");

/** The index.d.ts type of each vector function's successful answer (none
 * where the runner composes the answer rather than the API returning it). */
const API_TYPE = {
  rewrite: 'ReturnType<R.Policy["rewriteBuyUrl"]>',
  check: 'ReturnType<R.Policy["checkShopRequest"]>',
  panel_ini: 'ReturnType<R.Policy["panelIni"]>',
  license_plan: 'ReturnType<R.Policy["licensePlan"]>',
  activation_commands: "ReturnType<typeof R.license.activationCommands>",
  parse_key: "ReturnType<typeof R.license.parseKey>",
  upgrade_target_state: "ReturnType<typeof R.license.upgradeTargetState>",
  marketplace_verify: "ReturnType<typeof R.marketplace.verify>",
  marketplace_apply: "ReturnType<typeof R.marketplace.apply>",
  marketplace_seat: "ReturnType<typeof R.marketplace.seat>",
  marketplace_replay: "ReturnType<typeof R.marketplace.replay>",
  marketplace_reconcile: "ReturnType<typeof R.marketplace.reconcile>",
};

/** A schema with no constraint (`{}` beside a description: any JSON value,
 * what schemars writes for serde_json::Value) as TypeScript's `unknown`;
 * json-schema-to-typescript would read it as an object. */
const CONSTRAINTS = ["type", "oneOf", "anyOf", "allOf", "const", "enum", "properties", "items", "$ref", "tsType"];
function anyValue(node) {
  if (Array.isArray(node)) return node.forEach(anyValue);
  if (!node || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties") {
      for (const p of Object.values(v)) {
        if (p && typeof p === "object" && !CONSTRAINTS.some((c) => c in p)) p.tsType = "unknown";
      }
    }
    anyValue(v);
  }
}

async function schemaTypes() {
  const { compile } = await import(join(tools, "json-schema-to-typescript/dist/src/index.js"));
  mkdirSync(join(out, "schema"), { recursive: true });
  const names = readdirSync(join(root, "schema")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
  for (const name of names) {
    const schema = JSON.parse(readFileSync(join(root, "schema", `${name}.json`), "utf8"));
    schema.title = "Answer";
    anyValue(schema);
    // No index signatures: a field the schema does not name is an error.
    const ts = await compile(schema, "Answer", { bannerComment: "", additionalProperties: false, strictIndexSignatures: true, format: false });
    writeFileSync(join(out, "schema", `${name}.ts`), ts);
  }
  return names;
}

test("index.d.ts and tests/vectors/schema describe the vectors' answers (tsc --noEmit)", async () => {
  const schemas = await schemaTypes();
  const lines = ['import type * as R from "../../wasm/js/index";'];
  for (const name of schemas) lines.push(`import type { Answer as S_${name} } from "./schema/${name}";`);
  const counts = {};
  let n = 0;
  const sample = (type, value) => {
    lines.push(`export const s${n++}: ${type} = ${JSON.stringify(value)};`);
  };
  const { docs, policies } = loadVectors();
  const { failures } = runVectors(api, docs, policies, (fn, answer, thrown, c, policy) => {
    assert.ok(schemas.includes(fn), `no schema for ${fn}`);
    counts[fn] = (counts[fn] ?? 0) + 1;
    sample(`S_${fn}`, answer);
    if (thrown) {
      const { code, field, offset, domain, message } = thrown;
      sample('Pick<R.ResaleError, "code" | "field" | "offset" | "domain" | "message">', { code, field, offset, domain, message });
      sample("S_error", Object.fromEntries(Object.entries({ code, field, offset, message }).filter(([, v]) => v !== null)));
    } else if (API_TYPE[fn]) {
      sample(API_TYPE[fn], answer);
    }
    if (fn === "check" && answer.status === "accepted") sample("S_shop_request", answer.request);
    if (fn === "filter_catalog" && answer.status === "ok") {
      const f = policy.catalogFilter(c.input.path);
      f.push(c.input.body);
      f.finish();
      sample("R.CatalogStats", f.stats);
      sample("S_catalog_stats", f.stats);
    }
  });
  assert.deepEqual(failures, []);
  writeFileSync(join(out, "samples.ts"), lines.join("\n") + "\n");
  const tsc = join(tools, "typescript/bin/tsc");
  const args = ["--noEmit", "--strict", "--target", "es2022", "--lib", "es2022,dom", "--module", "esnext", "--moduleResolution", "bundler", join(out, "samples.ts")];
  try {
    execFileSync(process.execPath, [tsc, ...args], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    assert.fail(`tsc --noEmit over ${n} samples (target/types/samples.ts):\n${(e.stdout ?? "").split("\n").slice(0, 40).join("\n")}`);
  }
  console.log(`types: ${n} samples from ${Object.values(counts).reduce((a, b) => a + b, 0)} vector answers typed by index.d.ts and ${schemas.length} schemas, tsc clean`);
  assert.ok(n > 0);
});
