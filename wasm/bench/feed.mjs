// A bench feed and the policy selling each code of its whitelist (one code
// a line) at the example shop: what wasm/bench/filter.mjs times and
// wasm/bench/profile.mjs counts, the policy core/tests/support/whitelist.rs
// builds for the native benches.
import { readFileSync } from "node:fs";
import { Policy } from "../pkg/node.js";

/** The bytes of `feedPath` and a Policy selling the codes of `wlPath`. */
export function feedAndPolicy(feedPath, wlPath) {
  const feed = readFileSync(feedPath);
  const codes = readFileSync(wlPath, "utf8").split("\n").filter(Boolean);
  const policy = Policy.fromJson({ shop_url: "https://shop.example.com/store", extensions: Object.fromEntries(codes.map((c) => [c, {}])) });
  return { feed, policy };
}
