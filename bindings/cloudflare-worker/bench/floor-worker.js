// The floor for the bench: what any filtering worker spends at least, in
// the same workerd on the same upstream feed fetched with the same headers.
// It reads the body whole and answers it unfiltered (as the resale worker
// reads a feed of known length whole and answers its bytes), so plain JS's
// CPU over this one is the most any filter's ratio to plain JS could be.

export default {
  async fetch(request, env) {
    const { pathname, search } = new URL(request.url);
    const upstream = await fetch(env.UPSTREAM + pathname + search, { headers: { accept: "application/json", "accept-encoding": "identity" } });
    const body = await upstream.arrayBuffer();
    return new Response(body, { headers: { "content-type": "application/json" } });
  },
};
