// Peer for the bench: the catalog filter a Worker author would write by hand
// (JSON.parse, Array.filter with a WHATWG host check, JSON.stringify), on
// the same upstream feed, fetched with the same headers, in the same workerd.

export default {
  async fetch(request, env) {
    const sold = new Set(Object.keys(JSON.parse(env.POLICY).extensions ?? {}));
    const isStore = (u) => {
      if (typeof u !== "string" || !u) return false;
      try {
        const h = new URL(u).hostname;
        return h.replace(/\.$/, "") === "go.plesk.com";
      } catch {
        return false;
      }
    };
    const { pathname, search } = new URL(request.url);
    const upstream = await fetch(env.UPSTREAM + pathname + search, { headers: { accept: "application/json", "accept-encoding": "identity" } });
    const items = await upstream.json();
    const kept = items.filter((it) => !isStore(it.buy_url) || sold.has(it.code));
    return new Response(JSON.stringify(kept), { headers: { "content-type": "application/json" } });
  },
};
