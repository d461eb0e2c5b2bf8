// Soak: each edge held under wrk on loopback with mixed traffic, its memory
// watched. `make soak` (60 s per edge, RSS growth gated), `make soak-smoke`
// (10 s per edge, in `make test`).
//
//   node scripts/soak.mjs [--seconds 60] [--rss-at 10] [--gate-rss 10] [--edges worker,fastly,nginx,php]
//
// Edges: the worker in workerd (EntitlementStore on local disk), the Fastly
// service in Viceroy (KV Store), nginx with ngx_http_resale_module, and the
// PHP entry page tests/soak/php-entry.php under PHP-FPM (behind a plain
// nginx for FastCGI). Streams, each its own wrk process, all at once:
//   catalog-uncached  GET /api/v5/packages, which the upstream marks no-store: filtered at each poll (200)
//   catalog-cached    GET /api/v4/packages (max-age=60) with the ETag it got (304; 200 where the edge sends no ETag)
// (Not a new URL per poll: each would be a new entry in the edges' caches,
// which Viceroy's and workerd's local caches keep without bound.)
//   buy-accept        a valid buy link                    (302)
//   buy-reject        kn given twice                      (400)
//   webhook           200 signed deliveries for 20 accounts, cycled: new, then redeliveries (200)
// nginx has no webhook route; the PHP page serves /buy and the webhook only.
// Every answer must have its stream's status (wrk's Lua counts the others);
// the server's RSS (its process tree; the median of 5 readings over 2 s) is read at --rss-at seconds and 2 s before the
// end. Results: target/soak/results.json.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { events } from "../tests/edge/deliveries.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(opt("--seconds", "60"));
const RSS_AT = Number(opt("--rss-at", "10"));
const GATE = opt("--gate-rss", null);
const EDGES = opt("--edges", "worker,fastly,nginx,php").split(",");
// --streams buy-accept,webhook: only those streams (to find which one moves a figure).
const ONLY = opt("--streams", null)?.split(",");
// --sample 5: the server's RSS every 5 s as well (rss_curve_kb), to tell warm-up from growth.
const SAMPLE = Number(opt("--sample", "0"));
const SECRET = "soak secret";
const POLICY = path.join(repo, "examples/policy.json");
const policyText = readFileSync(POLICY, "utf8");
const work = mkdtempSync(path.join(tmpdir(), "resale-soak-"));
const out = path.join(repo, "target/soak");
mkdirSync(out, { recursive: true });

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The median of 5 readings of rssTree(pid), 0.5 s apart. */
async function rssMedian(pid) {
  const kb = [];
  for (let i = 0; i < 5; i++) {
    if (i) await sleep(500);
    kb.push(rssTree(pid));
  }
  return kb.sort((a, b) => a - b)[2];
}

/** The resident set of a process and all its descendants, in KiB. */
function rssTree(root) {
  const parent = new Map();
  for (const d of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      parent.set(Number(d), Number(readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1]));
    } catch { /* gone */ }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (tree.has(ppid) && !tree.has(pid)) { tree.add(pid); grew = true; }
  }
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return kb;
}

// ---- the catalog upstream: the fixture feed with an ETag ---------------------
const feed = readFileSync(path.join(repo, "tests/fixtures/packages.json"));
const upstream = createServer((req, res) => {
  if (!/^\/api\/v[45]\/packages/.test(req.url)) { res.writeHead(404); return res.end("{}"); }
  // /api/v5/: the same feed, not to be stored (every poll is filtered again, and no cache grows).
  const store = req.url.startsWith("/api/v5/") ? { "cache-control": "no-store" } : { "cache-control": "max-age=60", etag: '"fixture-1"' };
  res.writeHead(200, { "content-type": "application/json", ...store, "content-length": feed.length });
  res.end(feed);
});
await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

// ---- request files for wrk ----------------------------------------------------
const line = (method, p, headers = {}, body = "") => [method, p, Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("|"), body].join("\t");
function webhookFile() {
  const lines = [];
  for (let a = 0; a < 20; a++) {
    events(10, 100 + a, 5000 + a).forEach((body, i) => {
      const sig = "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex");
      lines.push(line("POST", "/webhooks/github", { "content-type": "application/json", "x-github-event": "marketplace_purchase", "x-github-delivery": `soak-${a}-${i}`, "x-hub-signature-256": sig }, body));
    });
  }
  return lines;
}
const files = {};
const file = (name, lines) => {
  const f = path.join(work, `${name}.tsv`);
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
};
files.webhook = file("webhook", webhookFile());
files.buyAccept = file("buy-accept", [line("GET", "/buy?extension-id=antivirus-redis&kn=PLSK.12345678.0001")]);
files.buyReject = file("buy-reject", [line("GET", "/buy?extension-id=antivirus-redis&kn=PLSK.1&kn=PLSK.2", { accept: "application/json" })]);
files.uncached = file("catalog-uncached", [line("GET", "/api/v5/packages")]);

/** The streams for an edge at `base`: name, file, expected status. */
async function streams(base, { catalog, webhook }) {
  const list = [
    ["buy-accept", files.buyAccept, 302],
    ["buy-reject", files.buyReject, 400],
  ];
  if (catalog) {
    const first = await fetch(`${base}/api/v4/packages`);
    await first.arrayBuffer();
    const etag = first.headers.get("etag");
    list.push(["catalog-uncached", files.uncached, 200]);
    list.push(["catalog-cached", file(`catalog-cached-${base.split(":").at(-1)}`, [line("GET", "/api/v4/packages", etag ? { "if-none-match": etag } : {})]), etag ? 304 : 200]);
  }
  if (webhook) list.push(["webhook", files.webhook, 200]);
  return ONLY ? list.filter(([name]) => ONLY.includes(name)) : list;
}

/** Run wrk for one stream; resolves with its JSON line. */
function wrk(base, [name, f, status]) {
  return new Promise((resolve, reject) => {
    const args = ["-t1", "-c2", `-d${SECONDS}s`, "--timeout", "10s", "-s", path.join(repo, "tests/soak/stream.lua"), base, "--", f, String(status)];
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    // "close", not "exit": the process may exit before its stdout is read
    // to the end, and the JSON line is wrk's last output (a loaded CI
    // machine saw "exit 0" with no line yet).
    child.on("close", (code) => {
      const json = text.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !json) return reject(new Error(`wrk ${name}: exit ${code}\n${text}`));
      const r = JSON.parse(json);
      const secs = r.duration_us / 1e6;
      resolve({ name, expected_status: status, requests: r.requests, requests_per_s: Math.round(r.requests / secs), p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000, unexpected: r.unexpected, unexpected_statuses: r.unexpected_statuses, socket_errors: r.socket_errors });
    });
  });
}

/** Check every stream's first answer before the load, so a wrong setup fails with its body. */
async function preflight(base, list) {
  for (const [name, f, status] of list) {
    const [method, p, headers, body] = readFileSync(f, "utf8").split("\n")[0].split("\t");
    const h = Object.fromEntries(headers.split("|").filter(Boolean).map((x) => x.split(/:\s*/, 2)));
    const r = await fetch(base + p.replace("{n}", "0"), { method, headers: h, body: body || undefined, redirect: "manual" });
    const text = await r.text();
    if (r.status !== status) throw new Error(`${name}: ${method} ${p} answered ${r.status}, not ${status}: ${text.slice(0, 300)}`);
  }
}

async function soak(edge, base, pid, kinds) {
  const list = await streams(base, kinds);
  await preflight(base, list);
  const t0 = Date.now();
  const curve = [];
  const sampler = SAMPLE > 0 ? setInterval(() => curve.push([Math.round((Date.now() - t0) / 1000), rssTree(pid)]), SAMPLE * 1000) : null;
  const running = Promise.all(list.map((s) => wrk(base, s)));
  // Each point is the median of 5 readings 0.5 s apart (centred on RSS_AT,
  // and on 2 s before the load ends): a single reading also counts the
  // buffers of whichever feeds are in flight at that instant (Viceroy:
  // 75-77 MiB every 5 s through a 60 s run, one reading at its very end 83).
  await sleep(RSS_AT * 1000 - 1000);
  const rssAt = await rssMedian(pid);
  await sleep(Math.max(0, (SECONDS - RSS_AT - 4) * 1000));
  const rssEnd = await rssMedian(pid);
  const results = await running;
  const rssAfter = rssTree(pid);
  if (sampler) clearInterval(sampler);
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const row = {
    edge,
    pid,
    seconds: SECONDS,
    requests,
    requests_per_s: results.reduce((a, r) => a + r.requests_per_s, 0),
    unexpected: results.reduce((a, r) => a + r.unexpected, 0),
    socket_errors: results.reduce((a, r) => a + r.socket_errors, 0),
    [`rss_kb_at_${RSS_AT}s`]: rssAt,
    rss_kb_end: rssEnd,
    rss_kb_after_load: rssAfter,
    rss_growth_pct: Math.round(((rssEnd - rssAt) / rssAt) * 1000) / 10,
    ...(SAMPLE > 0 ? { rss_curve_kb: curve } : {}),
    streams: results,
  };
  console.log(`soak ${edge}: ${requests} requests, ${row.requests_per_s} req/s, unexpected ${row.unexpected}, socket errors ${row.socket_errors}, RSS ${rssAt} KiB at ${RSS_AT} s -> ${rssEnd} KiB at ${SECONDS - 2} s (${row.rss_growth_pct}%; ${rssAfter} KiB after the load)`);
  if (curve.length) console.log(`  RSS curve (s: KiB): ${curve.map(([t, kb]) => `${t}: ${kb}`).join(", ")}`);
  for (const r of results) console.log(`  ${r.name.padEnd(17)} ${String(r.requests_per_s).padStart(6)} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  unexpected ${r.unexpected}`);
  return row;
}

// ---- the edges -----------------------------------------------------------------
const EDGE = {
  async worker() {
    const { start } = await import("../bindings/cloudflare-worker/run.mjs");
    const w = await start({ port: await freePort(), upstream: upstreamUrl, policyText, secrets: SECRET, stateDir: path.join(work, "worker-state") });
    return { base: w.url, pid: w.child.pid, kinds: { catalog: true, webhook: true }, stop: () => w.child.kill() };
  },
  async fastly() {
    const { start } = await import("../bindings/fastly-compute/run.mjs");
    const s = await start({ port: await freePort(), upstream: upstreamUrl, policyText, secrets: SECRET });
    return { base: s.url, pid: s.child.pid, kinds: { catalog: true, webhook: true }, stop: () => s.child.kill() };
  },
  async nginx() {
    const n = await import("../bindings/nginx/run.mjs");
    const port = await freePort();
    const dir = path.join(work, "nginx");
    const conf = n.config(dir, `
  server {
    listen 127.0.0.1:${port};
    resale_policy ${POLICY};
    ${n.catalogLocation(upstreamUrl)}
    location = /buy { resale_shop_gate; }
  }`);
    const s = await n.start(dir, conf, port, { stdio: "ignore" });
    return { base: `http://127.0.0.1:${port}`, pid: s.child.pid, kinds: { catalog: true, webhook: false }, stop: () => s.stop() };
  },
  async php() {
    const lib = path.join(repo, "target/release/libresale.so");
    if (!existsSync(lib)) throw new Error(`${lib} is missing (make ffi)`);
    const dir = path.join(work, "php");
    mkdirSync(path.join(dir, "tmp"), { recursive: true });
    const port = await freePort();
    writeFileSync(path.join(dir, "fpm.conf"), `[global]
pid = ${dir}/fpm.pid
error_log = ${dir}/fpm.log
daemonize = no
[soak]
listen = ${dir}/fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 4
catch_workers_output = yes
clear_env = no
php_admin_value[ffi.enable] = 1
`);
    writeFileSync(path.join(dir, "nginx.conf"), `${process.getuid?.() === 0 ? "user root;\n" : ""}pid ${dir}/nginx.pid;
error_log ${dir}/nginx.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi; uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${repo}/tests/soak/php-entry.php;
      fastcgi_pass unix:${dir}/fpm.sock;
    }
  }
}
`);
    const env = { ...process.env, RESALE_LIB: lib, RESALE_POLICY: POLICY, RESALE_WEBHOOK_SECRET: SECRET, RESALE_STORE: path.join(dir, "entitlements.sqlite") };
    const root = process.getuid?.() === 0 ? ["-R"] : [];
    const fpm = spawn("php-fpm8.2", ["-F", ...root, "-y", path.join(dir, "fpm.conf")], { env, stdio: ["ignore", "ignore", "inherit"] });
    const front = spawn("nginx", ["-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "inherit"] });
    for (let i = 0; i < 100 && !existsSync(path.join(dir, "fpm.sock")); i++) await sleep(100);
    await sleep(300);
    return {
      base: `http://127.0.0.1:${port}`, pid: fpm.pid, kinds: { catalog: false, webhook: true },
      stop: () => { front.kill("SIGTERM"); fpm.kill("SIGTERM"); },
    };
  },
};

const rows = [];
let failed = false;
try {
  for (const edge of EDGES) {
    const e = await EDGE[edge]();
    try {
      rows.push(await soak(edge, e.base, e.pid, e.kinds));
    } finally {
      await e.stop();
      await sleep(300);
    }
  }
} catch (e) {
  console.error(`soak: ${e.stack ?? e}`);
  failed = true;
} finally {
  upstream.close();
  if (!process.env.SOAK_KEEP) rmSync(work, { recursive: true, force: true });
}
for (const r of rows) {
  if (r.unexpected || r.socket_errors) { console.error(`soak ${r.edge}: ${r.unexpected} unexpected statuses, ${r.socket_errors} socket errors`); failed = true; }
  if (GATE !== null && !(r.rss_growth_pct < Number(GATE))) { console.error(`soak ${r.edge}: RSS grew ${r.rss_growth_pct}% from ${RSS_AT} s to ${SECONDS} s (limit ${GATE}%)`); failed = true; }
}
const results = { seconds: SECONDS, rss_at_s: RSS_AT, rss_gate_pct: GATE === null ? null : Number(GATE), machine: { cpus: (await import("node:os")).cpus().length }, edges: rows, ok: !failed && rows.length === EDGES.length };
writeFileSync(path.join(out, opt("--out", "results.json")), JSON.stringify(results, null, 1) + "\n");
console.log(`soak: results in ${path.relative(process.cwd(), path.join(out, opt("--out", "results.json")))}${results.ok ? "" : " (FAILED)"}`);
process.exit(results.ok ? 0 : 1);
