// Every shared vector of tests/vectors/, through the npm package's JavaScript
// API (node entry point), with the matching rule of tests/vectors/README.md.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Policy, ResaleError, marketplace, license } from "../pkg/node.js";

const root = new URL("../../tests/vectors/", import.meta.url).pathname;
const policies = new Map();
const policy = (name) => {
  if (!policies.has(name)) policies.set(name, Policy.fromJson(readFileSync(join(root, "policies", `${name}.json`), "utf8")));
  return policies.get(name);
};

/** The report a call gives, whether it returned or threw a ResaleError. */
function report(call) {
  try {
    return call();
  } catch (e) {
    if (e instanceof ResaleError) return e.report;
    throw e;
  }
}

const RUNNERS = {
  lint: (_, input) => report(() => (Policy.fromJson(input), { status: "ok" })),
  rewrite: (p, input) => report(() => p.rewriteBuyUrl(input)),
  check: (p, input) => report(() => p.checkShopRequest(input)),
  panel_ini: (p, input) => report(() => p.panelIni(input.catalog_url)),
  filter_catalog: (p, input) => report(() => p.filterCatalogReport(input.path, input.body)),
  license_plan: (p, input) =>
    report(() => (input.main_item ? p.newInstancePlan(input.main_item, input.extensions, input.api, input.order_id) : p.licensePlan(input.query, input.api, input.order_id))),
  activation_commands: (_, input) => report(() => license.activationCommands(input.code, input.os)),
  parse_key: (_, input) => report(() => license.parseKey(input)),
  marketplace_verify: (_, input) => report(() => marketplace.verify(input.body, input.signature, input.secrets)),
  marketplace_apply: (_, input) => report(() => marketplace.apply(input.state, JSON.stringify(input.event))),
  marketplace_seat: (_, input) => report(() => marketplace.seat(input.state, input.seat, input.now)),
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "policies" ? [] : files(path);
    return name.endsWith(".json") ? [path] : [];
  });
}

const withoutMessage = (v) => {
  const { message, ...rest } = v;
  return rest;
};

const counts = {};
for (const file of files(root).sort()) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  const run = RUNNERS[doc.function];
  test(`${file.slice(root.length)}`, () => {
    assert.ok(run, `no runner for vector function ${doc.function}`);
    for (const c of doc.cases) {
      const p = c.policy ?? doc.policy;
      const actual = run(p ? policy(p) : null, c.input);
      if ("message" in actual) assert.ok(typeof actual.message === "string" && actual.message.trim(), `${c.name}: empty message`);
      assert.deepStrictEqual(withoutMessage(actual), withoutMessage(c.expect), c.name);
      counts[doc.function] = (counts[doc.function] ?? 0) + 1;
    }
  });
}

test("vector count", () => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`vectors (wasm in node): ${total} run, by function ${JSON.stringify(counts)}`);
  assert.ok(total > 0);
});
