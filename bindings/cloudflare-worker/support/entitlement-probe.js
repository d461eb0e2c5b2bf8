// Test entry only (run.mjs start({ probe: true })): the worker as served,
// plus GET /test/entitlements/<account id>, which answers what that account's
// EntitlementStore holds (its get() RPC method), so a test can compare the
// stored entitlement with the one it expects. Never deployed.
import worker, { EntitlementStore } from "./sample.js";

export { EntitlementStore };

export default {
  async fetch(request, env, ctx) {
    const m = new URL(request.url).pathname.match(/^\/test\/entitlements\/(\d+)$/);
    if (!m) return worker.fetch(request, env, ctx);
    const stub = env.ENTITLEMENT_STORE.get(env.ENTITLEMENT_STORE.idFromName(m[1]));
    return Response.json(await stub.get());
  },
};
