// Writes (or, with --check, compares) tests/fixtures/octokit/marketplace-payloads.json:
// the recorded `marketplace_purchase` payloads of @octokit/webhooks-examples,
// committed so that every binding's tests run them without npm.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const index = require("@octokit/webhooks-examples/api.github.com/index.json");
const examples = index.find((e) => e.name === "marketplace_purchase").examples;
const target = new URL("../fixtures/octokit/marketplace-payloads.json", import.meta.url);
const text = JSON.stringify({ source: "@octokit/webhooks-examples@7.6.1 api.github.com/index.json", examples }, null, 1) + "\n";
if (process.argv.includes("--check")) {
  const committed = readFileSync(target, "utf8");
  if (committed !== text) {
    console.error("tests/fixtures/octokit/marketplace-payloads.json differs from @octokit/webhooks-examples: re-run without --check");
    process.exit(1);
  }
  console.log(`octokit examples: ${examples.length} marketplace_purchase payloads match the committed copy`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${examples.length} payloads`);
}
