// The browser entry (export condition `browser`): it fetches the .wasm beside
// it by URL. Node's fetch does not read file: URLs, so this test stands in for
// the browser's fetch with one that serves files, as a static web server would
// (with the application/wasm type, so wasm-bindgen compiles while streaming).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const fetched = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.protocol !== "file:") return realFetch(input);
  fetched.push(url.pathname.split("/").pop());
  return new Response(readFileSync(url), { headers: { "content-type": "application/wasm" } });
};

test("browser entry: fetches its .wasm once and answers like the node entry", async () => {
  const browser = await import("../pkg/browser.js");
  const node = await import("../pkg/node.js");
  assert.deepEqual(fetched, ["resale_wasm_bg.wasm"]);
  const policyText = JSON.stringify({ shop_url: "https://shop.example.com/store", extensions: { docker: {} } });
  const query = "extension-id=docker&kn=PLSK.12345678.0001";
  assert.deepEqual(browser.Policy.fromJson(policyText).checkShopRequest(query), node.Policy.fromJson(policyText).checkShopRequest(query));
  assert.throws(() => browser.Policy.fromJson("{}"), (e) => e instanceof browser.ResaleError && e.code === "policy.key.missing");
});
