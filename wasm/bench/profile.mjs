// The npm package's catalog filter called N times on a feed, nothing else:
// what `make profile-wasm` runs under callgrind twice (N = 20 and 120) so
// that start-up and compilation cancel out of the difference.
// Usage: node --no-liftoff wasm/bench/profile.mjs FEED WHITELIST N
//
// --no-liftoff: the module is compiled by TurboFan before the first call
// (V8's optimizing tier, the code a long-running worker runs), so every
// timed call runs the same machine code.
import { feedAndPolicy } from "./feed.mjs";

const [feedPath, wlPath, n] = process.argv.slice(2);
const { feed, policy } = feedAndPolicy(feedPath, wlPath);
let bytesOut = 0;
for (let i = 0; i < Number(n); i++) bytesOut = policy.filterCatalog("/api/v4/packages", feed).length;
console.log(`filterCatalog x${n}: ${bytesOut} bytes out`);
