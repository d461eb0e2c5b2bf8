// Reads tests/vectors/ (Node only): [file, document] pairs and the policies' texts.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const root = new URL("../../tests/vectors/", import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ["policies", "gateway", "schema"].includes(name) ? [] : files(path);
    return name.endsWith(".json") ? [path] : [];
  });
}

export function loadVectors() {
  const docs = files(root).sort().map((f) => [f.slice(root.length), JSON.parse(readFileSync(f, "utf8"))]);
  const policies = Object.fromEntries(
    readdirSync(join(root, "policies")).map((f) => [f.replace(/\.json$/, ""), readFileSync(join(root, "policies", f), "utf8")]),
  );
  return { docs, policies };
}

/** Write a binding's count for `make test`'s per-binding summary. */
export function recordCount(binding, total, failed) {
  const dir = new URL("../../target/vector-counts/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${binding.replace(/ /g, "-")}.txt`), `${binding}\t${total}\t${failed}\n`);
}

/**
 * What every binding's vector test asserts of a run (`{ counts, failures,
 * total }`, from runner.mjs wherever it ran): its counts printed and recorded
 * for `make test`'s summary, no failure, and vectors actually run.
 */
export function assertVectorRun(binding, { counts, failures, total }) {
  console.log(`vectors (${binding}): ${total} run, by function ${JSON.stringify(counts)}`);
  recordCount(binding, total, failures.length);
  assert.deepEqual(failures, []);
  assert.ok(total > 0);
}
