// Entry point for browsers (and bundlers that target them): the .wasm beside
// this file is fetched and compiled once, with top-level await, before the
// exports are ready. `new URL(…, import.meta.url)` is the form Vite, webpack
// and esbuild recognise as an asset, so a bundled page finds the file too.
import init, * as raw from "./resale_wasm.js";
import { bind } from "./api.js";

await init({ module_or_path: new URL("./resale_wasm_bg.wasm", import.meta.url) });
export const { Policy, ResaleError, marketplace, license } = bind(raw);
