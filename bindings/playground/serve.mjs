// `make playground`: the playground's own files on 127.0.0.1 (default port
// 8088), nothing else: the page, the npm package (wasm/pkg, built by `make
// wasm`) under /pkg/, and the bundled samples (examples/policy.json,
// tests/fixtures/packages.json) under /sample/.
//
//   node bindings/playground/serve.mjs [--port N]     (0: any free port, printed)
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm", ".ts": "text/plain" };
const SAMPLES = { "/sample/policy.json": join(repo, "examples/policy.json"), "/sample/packages.json": join(repo, "tests/fixtures/packages.json") };

/** The file for a request path, or null: only below the page's folder and wasm/pkg. */
function file(path) {
  if (SAMPLES[path]) return SAMPLES[path];
  const [root, rest] = path.startsWith("/pkg/") ? [join(repo, "wasm/pkg"), path.slice(5)] : [here, path === "/" ? "index.html" : path.slice(1)];
  const full = normalize(join(root, decodeURIComponent(rest)));
  return full.startsWith(root) && !full.includes("/test/") ? full : null;
}

export function serve(port = 8088, host = "127.0.0.1") {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const f = file(path);
    try {
      if (!f) throw new Error("not here");
      const body = await readFile(f);
      res.writeHead(200, { "content-type": TYPES[extname(f)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--port");
  const server = await serve(i > 0 ? Number(process.argv[i + 1]) : 8088);
  const { port } = server.address();
  console.log(`playground: http://127.0.0.1:${port}/`);
}
