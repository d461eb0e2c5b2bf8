// In one workerd: the worker (wasm filter), a plain-JS worker and the floor
// (floor-worker.js: the body read whole and answered unfiltered), all
// fetching the 672 KB fixture from the same local upstream with the same
// request headers (the gateway's: identity encoding), as in production;
// sequential requests over loopback, workerd's CPU per request from
// /proc/<pid>/stat. No Cache API in plain workerd: every request is fetched
// and filtered. Prints one JSON line.
// Usage: node bench/bench.mjs [REQUESTS] [ROUNDS]
//
// Each worker's first requests after workerd started it are timed apart
// (`cold`): they pay for V8 compiling what the worker runs, once per
// isolate, and for the resale worker that is its module's hot functions
// tiered up from Liftoff to TurboFan, which its first one to two hundred
// requests carry (windows of 50 on an idle 2-core machine: 3.4, 3.0, 2.4
// and 2.6 ms each, then 1.8-2.2). The warm figures are medians over ROUNDS
// alternated rounds (workers.mjs, timeWorkers), a ratio the median of the
// rounds' ratios.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startWorkers, timeWorkers, writeModule } from "./workers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const requests = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);
const cold = Math.min(100, requests);

for (const peer of ["js-worker.js", "floor-worker.js"]) writeModule(`bench-${peer}`, readFileSync(path.join(here, peer)));
const run = await startWorkers({ wasm: "index.js", js: "bench-js-worker.js", floor: "bench-floor-worker.js" });
try {
  const { workers, ratio } = await timeWorkers(run, ["wasm", "js", "floor"], { requests, rounds, cold });
  const { wasm, js, floor } = workers;
  console.log(JSON.stringify({ input_bytes: run.feed.length, requests, rounds, cold_requests: cold, wasm, js, floor,
    ratio: ratio("wasm", "js", "requests_per_s"),
    cpu_ratio_js_to_wasm: ratio("js", "wasm", "cpu_ms_per_request"), cpu_ratio_js_to_floor: ratio("js", "floor", "cpu_ms_per_request"),
    cold_cpu_ratio_js_to_wasm: js.cold_cpu_ms_per_request / wasm.cold_cpu_ms_per_request }));
} finally {
  run.stop();
}
