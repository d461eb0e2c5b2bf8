// Concurrent GitHub Marketplace deliveries for the edges' entitlement stores
// (the worker's Durable Object in workerd, the Fastly KV Store in Viceroy):
// one account's events in event order, shuffled and partly repeated
// deliveries of them, signed, sent N at a time; and the entitlement the
// command line computes applying the events one by one in event order, which
// a store must end with.
import { createHmac } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A small seeded PRNG (mulberry32): the same sequence on every run. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLANS = [
  [435, "Basic", 1000],
  [436, "Pro", 3000],
  [437, "Team", 5000],
];

/**
 * `n` marketplace_purchase payloads for `account` in event order (dates
 * strictly increasing): purchases, changes, pending changes and their
 * withdrawals, cancellations, purchases again.
 */
export function events(n, seed, account = 4242) {
  const rnd = random(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const purchase = (p, units, cycle) => {
    const [id, name, price] = PLANS[p];
    return {
      account: { type: "Organization", id: account, login: "acme" },
      billing_cycle: cycle, unit_count: units, on_free_trial: false, free_trial_ends_on: null, next_billing_date: "2027-01-01T00:00:00Z",
      plan: { id, name, monthly_price_in_cents: price, yearly_price_in_cents: 10 * price, price_model: "PER_UNIT", unit_name: "seat", has_free_trial: false, bullets: [] },
    };
  };
  let t = Date.UTC(2026, 0, 1);
  let current = null;
  let pending = false;
  const out = [];
  for (let i = 0; i < n; i++) {
    t += 3600_000 * int(1, 72);
    const next = purchase(int(0, 2), int(1, 20), rnd() < 0.5 ? "monthly" : "yearly");
    const roll = int(0, 9);
    const action = current === null ? "purchased" : roll < 4 ? "changed" : roll < 7 ? "pending_change" : roll < 8 && pending ? "pending_change_cancelled" : "cancelled";
    const event = { action, effective_date: new Date(t).toISOString().replace(".000Z", "Z"), sender: { login: "octocat", id: 1 } };
    event.marketplace_purchase = ["purchased", "changed", "pending_change"].includes(action) ? next : current;
    if (current) event.previous_marketplace_purchase = current;
    out.push(JSON.stringify(event));
    if (action === "purchased" || action === "changed") [current, pending] = [next, false];
    else if (action === "pending_change") pending = true;
    else if (action === "pending_change_cancelled") pending = false;
    else [current, pending] = [null, false];
  }
  return out;
}

/** Each event as a delivery (ID, body), `repeats` of them delivered again with the same ID, all shuffled. */
export function deliveries(bodies, repeats, seed) {
  const rnd = random(seed);
  const list = bodies.map((body, i) => ({ id: `72d3162e-cc78-11e3-81ab-${String(i).padStart(12, "0")}`, body }));
  for (let k = 0; k < repeats; k++) list.push(list[Math.floor(rnd() * bodies.length)]);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** POST every delivery to `url` (the webhook route), `concurrency` in flight; the answers in sending order. */
export async function deliverAll(url, list, { concurrency = 10, secret }) {
  const answers = new Array(list.length);
  let next = 0;
  const one = async () => {
    while (next < list.length) {
      const i = next++;
      const { id, body } = list[i];
      const r = await fetch(url, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "marketplace_purchase",
          "x-github-delivery": id,
          "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
        },
      });
      answers[i] = { id, status: r.status, body: await r.json() };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return answers;
}

/** The entitlement `resale marketplace apply` gives for the payloads one by one, in order. */
export function inOrder(resale, bodies) {
  const dir = mkdtempSync(path.join(tmpdir(), "resale-in-order-"));
  const state = path.join(dir, "state.json");
  let last = null;
  try {
    for (const body of bodies) {
      const args = ["marketplace", "apply", ...(last ? ["--state", state] : [])];
      last = JSON.parse(execFileSync(resale, args, { input: body }));
      if (!["applied", "ignored"].includes(last.status)) throw new Error(`in-order apply failed: ${JSON.stringify(last)}`);
      writeFileSync(state, JSON.stringify(last.entitlement));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return last.entitlement;
}

/** The entitlement applying each delivery on arrival would leave (no store, no fold): what a lost-update store risks. */
export function onArrival(api, list) {
  let state = null;
  for (const { body } of list) state = api.marketplace.apply(state, body).entitlement;
  return state;
}
