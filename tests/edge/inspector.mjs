// A minimal Chrome DevTools Protocol client for a local runtime's V8
// inspector (workerd serve --inspector-addr: ws://HOST:PORT/<service name>).
// The soak (scripts/soak.mjs) uses it to force a full garbage collection
// before it reads the worker's memory, and to read the JS heap after it;
// scripts/worker-heap.mjs to take heap snapshots. Node 20 has the WebSocket
// it needs only behind --experimental-websocket (Node 22 by default).

/** Connect to `url`; resolves to `{ send(method, params), on(event, fn), snapshot(), close() }`. */
export async function inspect(url) {
  if (typeof WebSocket === "undefined") throw new Error("no global WebSocket: run node with --experimental-websocket (Node 20)");
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`inspector ${url}: could not connect`)), { once: true });
  });
  let next = 0;
  const pending = new Map();
  const listeners = new Map();
  ws.addEventListener("message", (m) => {
    const msg = JSON.parse(typeof m.data === "string" ? m.data : new TextDecoder().decode(m.data));
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p?.resolve(msg.result);
    } else listeners.get(msg.method)?.(msg.params);
  });
  ws.addEventListener("close", () => {
    for (const p of pending.values()) p.reject(new Error(`${p.method}: the inspector closed`));
    pending.clear();
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { method, resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    send,
    /** Call `fn(params)` for each event `method` (one listener per event). */
    on(method, fn) {
      listeners.set(method, fn);
    },
    /** A heap snapshot (the .heapsnapshot JSON text); it collects garbage first, as V8 does for one. */
    async snapshot() {
      const chunks = [];
      listeners.set("HeapProfiler.addHeapSnapshotChunk", ({ chunk }) => chunks.push(chunk));
      try {
        await send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      } finally {
        listeners.delete("HeapProfiler.addHeapSnapshotChunk");
      }
      return chunks.join("");
    },
    close() {
      ws.close();
    },
  };
}

/**
 * A heap snapshot's objects summed by constructor (objects and closures by
 * name, everything else by its node type in parentheses): Map name -> { count, bytes } (self sizes).
 */
export function byConstructor(snapshotText) {
  const { snapshot, nodes, strings } = JSON.parse(snapshotText);
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [T, N, S] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + T]];
    const key = type === "object" || type === "closure" ? strings[nodes[i + N]] : `(${type})`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += nodes[i + S];
    out.set(key, e);
  }
  return out;
}

/** The constructors whose bytes changed most from snapshot `a` to `b` (byConstructor maps): [[name, {count, bytes}], …], largest change first. */
export function grownBetween(a, b, top = 15) {
  const names = new Set([...a.keys(), ...b.keys()]);
  const d = [...names].map((n) => {
    const x = a.get(n) ?? { count: 0, bytes: 0 }, y = b.get(n) ?? { count: 0, bytes: 0 };
    return [n, { count: y.count - x.count, bytes: y.bytes - x.bytes }];
  });
  return d.sort((p, q) => Math.abs(q[1].bytes) - Math.abs(p[1].bytes)).slice(0, top);
}
