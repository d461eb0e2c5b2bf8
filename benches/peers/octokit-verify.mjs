// Peer: @octokit/webhooks-methods `verify` in Node on the same payload as the
// marketplace criterion bench. Prints one JSON line with ns per call.
// Usage: node benches/peers/octokit-verify.mjs [ITER]  (needs tests/node installed)
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";

const { verify } = await import(new URL("../../tests/node/node_modules/@octokit/webhooks-methods/dist-node/index.js", import.meta.url));
const doc = JSON.parse(readFileSync(new URL("../../tests/fixtures/octokit/marketplace-payloads.json", import.meta.url)));
const body = JSON.stringify(doc.examples[2]);
const secret = "It's a Secret to Everybody";
const sig = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
const iters = Number(process.argv[2] ?? 20000);
for (let i = 0; i < 2000; i++) if (!(await verify(secret, body, sig))) throw new Error("octokit rejected a good signature");
const t0 = process.hrtime.bigint();
for (let i = 0; i < iters; i++) await verify(secret, body, sig);
const verifyNs = Number(process.hrtime.bigint() - t0) / iters;
const t1 = process.hrtime.bigint();
for (let i = 0; i < iters; i++) { await verify(secret, body, sig); JSON.parse(body); }
const bothNs = Number(process.hrtime.bigint() - t1) / iters;
console.log(JSON.stringify({ peer: "octokit-node", bytes: body.length, verify_ns: verifyNs, verify_parse_ns: bothNs }));
