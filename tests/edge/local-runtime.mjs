// What both edges' run.mjs do with the local runtime they start (workerd for
// the worker, Viceroy for the Fastly service): pick a free port, wait until
// it answers, and read their command-line options. One copy, so that `make
// serve-*`, the tests and the benches start and wait for either edge the
// same way.
import net from "node:net";

/** A loopback port free a moment ago (the OS's pick for a listener on port 0). */
export const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/**
 * Poll `url`/healthz every 100 ms until `ready(response)`, at most `tries`
 * times; a runtime that exits or never answers is an error naming it (and is
 * killed). Resolves to `{ child, url }`.
 */
export async function untilHealthy(child, url, { name, tries = 200, ready = (r) => r.ok }) {
  for (let i = 0; i < tries; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if (ready(await fetch(`${url}/healthz`))) return { child, url };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${name} did not start`);
}

/** `--name value` from this process's arguments, `dflt` when absent. */
export function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
