// Entry point for Cloudflare Workers (workerd): the .wasm is imported as a
// module, as Workers require; nothing is fetched at run time.
import * as raw from "./resale_wasm.js";
import wasmModule from "./resale_wasm_bg.wasm";
import { bind } from "./api.js";

raw.initSync({ module: wasmModule });
export const { Policy, Gateway, ResaleError, marketplace, license } = bind(raw);
