// EntitlementStore: a Durable Object holding one GitHub Marketplace
// account's entitlement (one object per account ID: idFromName(String(id))).
//
// Why not Workers KV: KV is eventually consistent and has no compare-and-set,
// so two deliveries for one account handled at once (a pending_change right
// behind a purchase, a retry) read the same state and the last write wins:
// one update is lost, silently. A Durable Object runs one instance per
// account, and apply() below runs inside blockConcurrencyWhile: one delivery
// at a time, each seeing the state the previous one left.
//
// Storage (the object's transactional key-value storage):
//   "base"                 a reconciled state the deliveries fold from (absent: none)
//   "entitlement"          the entitlement after every delivery
//   "seq"                  deliveries seen
//   "payload:<seq, 10 digits>"  each kept payload, in arrival order
//   "delivery:<X-GitHub-Delivery>"  the answer given, repeated to a redelivery
// Each delivery folds the kept payloads and the new one in event order
// (Gateway.webhookReplay: the engine's resale_core::marketplace::replay), so the
// entitlement does not depend on arrival order. At MAX_KEPT payloads the fold
// so far becomes the base and the payloads are dropped (their delivery IDs stay).
import { DurableObject } from "cloudflare:workers";
import { Gateway } from "./resale/workerd.js";

/** Payloads kept per account before they are folded into its base (the engine folds at most 1024). */
export const MAX_KEPT = 1000;

const seqKey = (n) => `payload:${String(n).padStart(10, "0")}`;

export class EntitlementStore extends DurableObject {
  /**
   * Apply one verified delivery (its X-GitHub-Delivery ID checked by the
   * gateway): the core's reply to send, `{status, headers, body}`. A refusal
   * (422) stores nothing.
   */
  async apply(deliveryId, body) {
    return this.ctx.blockConcurrencyWhile(async () => {
      const storage = this.ctx.storage;
      const seen = await storage.get(`delivery:${deliveryId}`);
      if (seen !== undefined) return Gateway.webhookRedelivered(seen);
      const [base, entitlement, seq = 0] = await Promise.all(["base", "entitlement", "seq"].map((k) => storage.get(k)));
      let kept = [...(await storage.list({ prefix: "payload:" })).values()];
      let from = base ?? null;
      const writes = {};
      if (kept.length >= MAX_KEPT) {
        from = entitlement;
        writes.base = entitlement;
        await storage.delete([...(await storage.list({ prefix: "payload:" })).keys()]);
        kept = [];
      }
      const folded = Gateway.webhookReplay(from, [...kept, body]);
      if (folded.entitlement === null) return folded.reply;
      const n = seq + 1;
      Object.assign(writes, { seq: n, entitlement: folded.entitlement, [seqKey(n)]: body, [`delivery:${deliveryId}`]: folded.answer });
      await storage.put(writes);
      return folded.reply;
    });
  }

  /** The stored entitlement, or null. */
  async get() {
    return (await this.ctx.storage.get("entitlement")) ?? null;
  }

  /**
   * Make a state repaired by reconciliation (marketplace.reconcile) this
   * account's base; kept deliveries dated after the listing fold on top.
   * Answers the entitlement now stored.
   */
  async reconciled(state) {
    return this.ctx.blockConcurrencyWhile(async () => {
      const kept = [...(await this.ctx.storage.list({ prefix: "payload:" })).values()];
      const now = kept.length ? (Gateway.webhookReplay(state, kept).entitlement ?? state) : state;
      await this.ctx.storage.put({ base: state, entitlement: now });
      return now;
    });
  }
}
