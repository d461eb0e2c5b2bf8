// Requests/s of the catalog route through nginx over loopback: the same
// fixture feed proxied through ngx_http_resale_module's filter, and proxied
// plainly (the same nginx, no filter) as the baseline of what nginx costs.
// The origin is the fixture served by the same nginx on a unix socket.
//   node bindings/nginx/bench/bench.mjs [requests] [policy]   → JSON on stdout
import http from "node:http";
import path from "node:path";
import { rmSync, statSync } from "node:fs";
import { repo, config, check, start, catalogLocation } from "../run.mjs";
import { freePort } from "../../../tests/edge/local-runtime.mjs";

const requests = Number(process.argv[2] ?? 300);
const policy = path.resolve(process.argv[3] ?? path.join(repo, "examples/policy.json"));
const fixture = path.join(repo, "tests/fixtures/packages.json");
const dir = path.join(repo, "target/nginx-bench");
const sock = path.join(dir, "fixtures.sock");
rmSync(sock, { force: true });

const port = await freePort();
const file = config(dir, `
  server {
    listen unix:${sock};
    default_type application/json;
    location = /api/v4/packages { alias ${fixture}; }
  }
  server {
    listen 127.0.0.1:${port};
    resale_policy ${policy};
    ${catalogLocation(`http://unix:${sock}:`)}
    location /plain/ {
      proxy_pass http://unix:${sock}:/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`);
const ok = check(dir, file);
if (!ok.ok) { process.stderr.write(ok.output); process.exit(1); }
const nginx = await start(dir, file, port, { stdio: "ignore" });

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const get = (p) => new Promise((resolve, reject) => {
  http.get({ host: "127.0.0.1", port, path: p, agent }, (res) => {
    const parts = [];
    res.on("data", (c) => parts.push(c));
    res.on("end", () => resolve(Buffer.concat(parts)));
    res.on("error", reject);
  }).on("error", reject);
});

async function measure(p) {
  const body = await get(p);
  for (let i = 0; i < 5; i++) await get(p);
  let next = 0;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 4 }, async () => { while (next++ < requests) await get(p); }));
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  return { requests_per_s: requests / secs, kept: JSON.parse(body).length, output_bytes: body.length };
}

try {
  const filtered = await measure("/api/v4/packages");
  const plain = await measure("/plain/api/v4/packages");
  console.log(JSON.stringify({ input_bytes: statSync(fixture).size, requests, filtered, plain,
                               ratio_to_plain: filtered.requests_per_s / plain.requests_per_s }));
} finally {
  agent.destroy();
  await nginx.stop();
}
