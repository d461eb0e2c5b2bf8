// Entry point for Node: compiles the .wasm next to this file synchronously.
import { readFileSync } from "node:fs";
import * as raw from "./resale_wasm.js";
import { bind } from "./api.js";

raw.initSync({ module: new WebAssembly.Module(readFileSync(new URL("./resale_wasm_bg.wasm", import.meta.url))) });
export const { Policy, Gateway, ResaleError, marketplace, license } = bind(raw);
