// The EntitlementStore Durable Object in workerd (local disk storage): 60
// deliveries for one account (50 events: purchases, changes, pending changes,
// cancellations; shuffled; 10 repeated with their delivery ID), 10 at a time,
// through POST /webhooks/github. The stored entitlement must equal the
// command line's, applying the events one by one in event order; no
// delivery may be answered 5xx; a restart keeps the state.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../run.mjs";
import { events, deliveries, deliverAll, inOrder, onArrival } from "../../../tests/edge/deliveries.mjs";
import * as api from "../../../wasm/pkg/node.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const resale = path.join(repo, "target/release/resale");
const SECRET = "It's a Secret to Everybody";
const ACCOUNT = 4242;
const stateDir = mkdtempSync(path.join(tmpdir(), "resale-do-"));
const running = [];
after(() => {
  running.forEach((w) => w.child.kill());
  rmSync(stateDir, { recursive: true, force: true });
});

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const policyText = readFileSync(path.join(repo, "examples/policy.json"), "utf8");
const worker = async () => {
  const w = await start({ port: await freePort(), policyText, secrets: SECRET, stateDir, probe: true });
  running.push(w);
  return w;
};
const stored = async (w) => (await fetch(`${w.url}/test/entitlements/${ACCOUNT}`)).json();

test("concurrent, shuffled, repeated deliveries end in the in-order entitlement", async () => {
  const bodies = events(50, 19, ACCOUNT);
  const list = deliveries(bodies, 10, 2);
  const want = inOrder(resale, bodies);
  assert.notDeepEqual(onArrival(api, list), want, "the shuffle must be one where applying on arrival goes wrong");

  const w = await worker();
  const answers = await deliverAll(`${w.url}/webhooks/github`, list, { concurrency: 10, secret: SECRET });
  const statuses = answers.map((a) => a.status);
  assert.deepEqual([...new Set(statuses)], [200], `statuses: ${statuses.join(",")}`);
  const repeats = list.length - new Set(list.map((d) => d.id)).size;
  assert.equal(answers.filter((a) => a.body.redelivered).length, repeats);
  for (const a of answers) assert.ok(["applied", "ignored"].includes(a.body.status), JSON.stringify(a.body));
  assert.deepEqual(await stored(w), want);

  // A redelivery repeats its first answer and changes nothing.
  const first = answers.find((a) => !a.body.redelivered);
  const [again] = await deliverAll(`${w.url}/webhooks/github`, [list[answers.indexOf(first)]], { secret: SECRET });
  assert.deepEqual(again.body, { ...first.body, redelivered: true });
  assert.deepEqual(await stored(w), want);

  // The state is on disk: a new workerd on the same folder answers it.
  w.child.kill();
  await new Promise((r) => w.child.once("exit", r));
  assert.deepEqual(await stored(await worker()), want);
});

test("a delivery without its ID is refused; an unreadable one is 422 and stores nothing", async () => {
  const w = running.at(-1) ?? (await worker());
  const [body] = events(1, 3, 77);
  const [bad] = await deliverAll(`${w.url}/webhooks/github`, [{ id: "", body }], { secret: SECRET });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, "delivery.malformed");
  const broken = body.replace('"effective_date"', '"effective_dat"');
  const [invalid] = await deliverAll(`${w.url}/webhooks/github`, [{ id: "x-1", body: broken }], { secret: SECRET });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.code, "event.invalid");
  assert.equal(await (await fetch(`${w.url}/test/entitlements/77`)).json(), null);
});
