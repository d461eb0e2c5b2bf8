// The Fastly service's KV Store entitlements in Viceroy: 60 deliveries for
// one account (50 events: purchases, changes, pending changes,
// cancellations; shuffled; 10 repeated with their delivery ID), 10 at a time.
// No delivery may be answered 5xx (a 503 store.conflict would mean the
// retries ran out). Then the first event once more under a new delivery ID,
// sent alone: in the fold it sits beside its twin and changes nothing, so its
// answer carries the stored entitlement, which must equal the command line's
// for the 50 events applied one by one in event order.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import path from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { start } from "../run.mjs";
import { events, deliveries, deliverAll, inOrder, onArrival } from "../../../tests/edge/deliveries.mjs";
import * as api from "../../../wasm/pkg/node.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const resale = path.join(repo, "target/release/resale");
const SECRET = "It's a Secret to Everybody";
const ACCOUNT = 4242;
const running = [];
after(() => running.forEach((s) => s.child.kill()));

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

test("concurrent, shuffled, repeated deliveries end in the in-order entitlement", async () => {
  const bodies = events(50, 19, ACCOUNT);
  const list = deliveries(bodies, 10, 2);
  const want = inOrder(resale, bodies);
  assert.notDeepEqual(onArrival(api, list), want, "the shuffle must be one where applying on arrival goes wrong");

  const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
  const service = await start({ port: await freePort(), upstream: "http://127.0.0.1:9", policyText, secrets: SECRET });
  running.push(service);
  const url = `${service.url}/webhooks/github`;
  const answers = await deliverAll(url, list, { concurrency: 10, secret: SECRET });
  const statuses = answers.map((a) => a.status);
  assert.deepEqual([...new Set(statuses)], [200], `statuses: ${statuses.join(",")} ${JSON.stringify(answers.find((a) => a.status !== 200)?.body)}`);
  const repeats = list.length - new Set(list.map((d) => d.id)).size;
  assert.equal(answers.filter((a) => a.body.redelivered).length, repeats);

  const [final] = await deliverAll(url, [{ id: "probe-1", body: bodies[0] }], { secret: SECRET });
  assert.equal(final.status, 200);
  assert.equal(final.body.status, "ignored");
  assert.deepEqual(final.body.entitlement, want);
});
