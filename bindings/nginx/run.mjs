// Runs Debian's nginx in the foreground with ngx_http_resale_module loaded.
//   node bindings/nginx/run.mjs [--port 8082] [--policy FILE] [--upstream URL]
// Without --upstream the catalog comes from a static server of the fixture
// feeds (tests/fixtures) inside the same nginx, on a unix socket.
// Exported (config, start, modulePath) for the tests.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import net from "node:net";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");

/** The module built by build.sh for the installed nginx (or $RESALE_NGINX_MODULE). */
export function modulePath() {
  if (process.env.RESALE_NGINX_MODULE) return process.env.RESALE_NGINX_MODULE;
  // `nginx -v` prints on stderr.
  const v = /nginx\/([0-9.]+)/.exec(execFileSync("sh", ["-c", "nginx -v 2>&1"], { encoding: "utf8" }))?.[1];
  const so = path.join(repo, `target/nginx-build/nginx-${v}/objs/ngx_http_resale_module.so`);
  if (!existsSync(so)) throw new Error(`${so} is missing: run bindings/nginx/build.sh (make nginx-module)`);
  return so;
}

/** The proxy settings of a catalog location (what bindings/nginx/README.md documents). */
export function catalogLocation(upstream, extra = "") {
  return `
    location /api/ {
      resale_catalog_filter on;
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Accept-Encoding "";
      ${extra}
    }`;
}

/**
 * Write nginx.conf into `dir` (created) for the given `http` block body;
 * returns its path. Temporary files, pid and logs stay in `dir`.
 */
export function config(dir, http, { so = modulePath() } = {}) {
  mkdirSync(path.join(dir, "tmp"), { recursive: true });
  const file = path.join(dir, "nginx.conf");
  const user = process.getuid?.() === 0 ? "user root;\n" : "";
  writeFileSync(
    file,
    `load_module ${so};
${user}worker_processes 1;
error_log ${dir}/error.log notice;
pid ${dir}/nginx.pid;
events { worker_connections 512; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
${http}
}
`,
  );
  return file;
}

/** `nginx -t` on a config: { ok, output }. */
export function check(dir, file) {
  try {
    const output = execFileSync("nginx", ["-t", "-p", dir, "-c", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, output };
  } catch (e) {
    return { ok: false, output: String(e.stdout ?? "") + String(e.stderr ?? "") };
  }
}

const connects = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
    s.on("error", () => resolve(false));
  });

/** Start nginx in the foreground; resolves once `port` accepts connections. */
export async function start(dir, file, port, { stdio = "inherit" } = {}) {
  const child = spawn("nginx", ["-p", dir, "-c", file, "-g", "daemon off;"], { stdio: ["ignore", stdio, stdio] });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}; see ${dir}/error.log`);
    if (await connects(port)) return { child, dir, stop: () => stopNginx(child) };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGQUIT");
  throw new Error(`nginx did not start; see ${dir}/error.log`);
}

function stopNginx(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
}

/** The pids of the master's worker processes. */
export function workers(masterPid) {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1] === String(masterPid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

// ---- node run.mjs: the setup of `make serve-nginx` --------------------------
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
  const port = Number(opt("--port", 8082));
  const policy = path.resolve(opt("--policy", path.join(repo, "examples/policy.json")));
  const dir = path.join(repo, "target/nginx-serve");
  const sock = path.join(dir, "fixtures.sock");
  rmSync(sock, { force: true }); // left by an nginx that did not exit cleanly
  const upstream = opt("--upstream", `http://unix:${sock}:`);
  const fixtures = path.join(repo, "tests/fixtures");
  const file = config(
    dir,
    `
  # The catalog origin for this demo: the fixture feeds, served statically.
  server {
    listen unix:${sock};
    default_type application/json;
    location ~ "^/api/v[0-9]+/(packages|categories)$" { alias ${fixtures}/$1.json; }
    location / { return 404 "{}"; }
  }
  server {
    listen 127.0.0.1:${port};
    resale_policy ${policy};
    ${catalogLocation(upstream)}
    location = /buy { resale_shop_gate; }
    location = /healthz { return 200 "ok\\n"; }
  }`,
  );
  const r = check(dir, file);
  if (!r.ok) {
    process.stderr.write(r.output);
    process.exit(1);
  }
  const n = await start(dir, file, port);
  console.log(`nginx with ngx_http_resale_module on http://127.0.0.1:${port} (policy ${policy}, logs in ${dir})
  curl -si http://127.0.0.1:${port}/api/v4/packages | head
  curl -si 'http://127.0.0.1:${port}/buy?extension-id=wp-toolkit&kn=PLSK.12345678.0001'
Ctrl-C stops it.`);
  const stop = () => n.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
