// The playground in a real browser: Debian's chromium (scripts/setup.sh)
// driven by playwright-core (pinned in ../package.json; no browser download).
// Type a link and see the shop URL; paste a purchase and see the entitlement; break the policy and see the error at
// its JSON path; load the sample feed and count the hidden rows against the
// engine's own count (the npm package in Node); share the state by URL; no
// request leaves the page's origin. A screenshot is kept in target/playground/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../serve.mjs";
import { Policy } from "../../../wasm/pkg/node.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const shots = join(repo, "target/playground");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
let server, browser, origin;

before(async () => {
  server = await serve(0);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function open(path = "/") {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const elsewhere = [];
  page.on("request", (r) => { if (!r.url().startsWith(origin + "/")) elsewhere.push(r.url()); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(origin + path);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  return { page, elsewhere, errors };
}

test("the playground: rewrite, check, a broken policy, the sample feed explained, state in the URL", async () => {
  const { page, elsewhere, errors } = await open();

  await page.fill("#buy-link", "https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001&token=QUJD&product-id=X");
  const rewritten = JSON.parse(await page.textContent("#rewrite-result"));
  assert.equal(rewritten.status, "rewritten");
  assert.ok(rewritten.url.startsWith("https://shop.example.com/store?extension-id=docker"), rewritten.url);

  await page.fill("#shop-query", "extension-id=seo-nobody-sells&kn=PLSK.12345678.0001&token=QUJD&product-id=X");
  const rejected = JSON.parse(await page.textContent("#check-result"));
  assert.equal(rejected.status, "rejected");
  assert.equal(rejected.field, "extension-id");

  const purchase = JSON.parse(readFileSync(join(repo, "examples/shop/shop.test.json"), "utf8")).webhooks[0].deliveries[0].body;
  await page.fill("#webhook", purchase);
  const applied = JSON.parse(await page.textContent("#entitlement"));
  assert.equal(applied.status, "applied");
  assert.equal(applied.entitlement.account.login, "acme");
  assert.equal(applied.entitlement.status, "active");

  await page.click("#load-sample");
  await page.waitForSelector("#explain-table tbody tr");
  const sample = readFileSync(join(repo, "tests/fixtures/packages.json"));
  const policyText = readFileSync(join(repo, "examples/policy.json"), "utf8");
  const expected = Policy.fromJson(policyText).explainCatalog("/api/v4/packages", sample);
  const hidden = await page.locator("#explain-table tr[data-decision=hidden]").count();
  const kept = await page.locator("#explain-table tr[data-decision=kept]").count();
  assert.equal(hidden, expected.summary.dropped);
  assert.equal(kept, expected.summary.kept);
  assert.ok(hidden > 0);
  const first = await page.locator("#explain-table tbody tr").first().locator("td").allTextContents();
  assert.equal(first[1], "hidden");
  assert.equal(first[2], "not_sold");
  mkdirSync(shots, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, "playground.png"), fullPage: false });

  // Share: the same URL in a new page brings back the fields and the sample.
  const shared = page.url();
  assert.ok(new URL(shared).hash.length > 1);
  const again = await open(new URL(shared).pathname + new URL(shared).hash);
  assert.equal(await again.page.inputValue("#buy-link"), await page.inputValue("#buy-link"));
  await again.page.waitForSelector("#explain-table tbody tr");
  assert.equal(await again.page.locator("#explain-table tr[data-decision=hidden]").count(), hidden);
  await again.page.close();

  // Break the policy: the error names its JSON path, and the panes say so.
  await page.fill("#policy", policyText.replace('"shop_url"', '"shop_link"'));
  const message = await page.textContent("#policy-errors");
  assert.match(message, /^policy\.\S+ at \$\.\S+: /);
  assert.match(message, /\$\.(shop_url|shop_link)/);
  assert.equal(await page.locator("#explain-table tbody tr").count(), 0);
  await page.screenshot({ path: join(shots, "policy-error.png") });

  assert.deepEqual(elsewhere, [], "no request beyond the page's own files");
  assert.deepEqual(errors, []);
  await page.close();
});
