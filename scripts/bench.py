#!/usr/bin/env python3
"""`make bench`: resale beside its peers, as ratios measured in one run.

Every row is measured now, on this machine, next to its baseline, so the
ratios hold even where the absolute numbers do not (machines are noisy).
Each catalog row also states how many items it kept: a fast wrong answer
shows (the right answer on the fixture is 220 of 300; a `startswith` host
test keeps 205).

    scripts/bench.py            # the full table (a few minutes)
    scripts/bench.py --quick    # CI: every row runs once, briefly; no timing claims

Writes target/bench/results.json and target/bench/results.md.
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "bench"
FIXTURES = ROOT / "tests" / "fixtures"
# The feed generator from the workplace's shared fixtures, copied into the
# repo so a clean clone needs nothing beside it.
GEN_CATALOG = FIXTURES / "tools" / "gen_catalog.py"


def fixture(name):
    """A fixture committed under tests/fixtures/."""
    if (FIXTURES / name).exists():
        return FIXTURES / name
    raise FileNotFoundError(name)


def run(cmd, **kw):
    kw.setdefault("cwd", ROOT)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def big_feed():
    """The 10 MB feed of `gen_catalog.py packages --items 4500 --seed 7`, made once."""
    OUT.mkdir(parents=True, exist_ok=True)
    feed, wl = OUT / "packages-4500.json", OUT / "whitelist-4500.txt"
    gen = GEN_CATALOG
    if not feed.exists():
        feed.write_text(run([sys.executable, str(gen), "packages", "--items", "4500", "--seed", "7"]).stdout)
        wl.write_text(run([sys.executable, str(gen), "whitelist", "--items", "4500", "--seed", "7"]).stdout)
    return feed, wl


def criterion_mean_ns(group, bench):
    """Mean time per iteration, in ns, from criterion's estimates file."""
    base = ROOT / "target" / "criterion" / group / bench / "new" / "estimates.json"
    return json.loads(base.read_text())["mean"]["point_estimate"]


class Table:
    def __init__(self):
        self.rows = []

    def add(self, area, subject, **fields):
        row = {"area": area, "subject": subject, **fields}
        self.rows.append(row)
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items())
        print(f"  {area:<10} {subject:<44} {shown}", flush=True)

    def skip(self, area, subject, why):
        self.add(area, subject, skipped=why)


def have(tool):
    return shutil.which(tool) is not None


# PHP as PHP-FPM runs it on Debian: opcache on (php8.2-opcache, which the CLI
# leaves off unless opcache.enable_cli), the JIT off as Debian ships it
# (opcache.jit=off). Every PHP row of the buy link, FFI and pure-PHP peers
# alike, runs with these flags, so their ratios compare like with like.
PHP_PROD = ["php", "-d", "opcache.enable_cli=1", "-d", "opcache.jit=off"]


def criterion(quick, secs):
    """Criterion's timing flags: the real thing, or a brief pass that only proves the bench runs."""
    if quick:
        return ["--warm-up-time", "0.1", "--measurement-time", "0.2", "--sample-size", "10"]
    return ["--warm-up-time", "1", "--measurement-time", secs]


def bench_buy_link(t, quick):
    run(["cargo", "bench", "-p", "resale-core", "--bench", "buy_link", "--", *criterion(quick, "3"),
         "buy_link|parts/url_parse"])
    native = criterion_mean_ns("buy_link", "rewrite+check")
    # The baseline in the same run: the url crate's parse of the same buy link
    # (one WHATWG parse, which the whole pair must beat); ratio = baseline / row.
    url_parse = criterion_mean_ns("parts", "url_parse")
    t.add("buy link", "baseline: url crate parse of the buy link", ns_per_call=url_parse, ratio_to_baseline=1.0)
    t.add("buy link", "resale native (criterion): rewrite+check (Policy::buy_link, one call, owned answers)",
          ns_per_call=native, ratio_to_native=1.0, ratio_to_baseline=url_parse / native)
    two = criterion_mean_ns("buy_link", "rewrite then check")
    t.add("buy link", "resale native: rewrite then check (rewrite_buy_url, check_shop_request)", ns_per_call=two,
          ratio_to_native=two / native, ratio_to_baseline=url_parse / two)
    t.add("buy link", "resale native: rewrite", ns_per_call=criterion_mean_ns("buy_link", "rewrite"))
    t.add("buy link", "resale native: check", ns_per_call=criterion_mean_ns("buy_link", "check"))
    # What the C ABI's rewrite and a borrowing binding run: into reused
    # buffers, the check borrowing, and the redirect URL written too (the
    # owned rows above do not build it).
    borrowed = criterion_mean_ns("buy_link", "rewrite+check+redirect borrowed")
    t.add("buy link", "resale native: rewrite+check+redirect, borrowed", ns_per_call=borrowed,
          ratio_to_native=borrowed / native, ratio_to_baseline=url_parse / borrowed)
    t.add("buy link", "resale native: rewrite_into", ns_per_call=criterion_mean_ns("buy_link", "rewrite_into"))
    t.add("buy link", "resale native: check_ref+redirect", ns_per_call=criterion_mean_ns("buy_link", "check_ref+redirect"))
    iters = "20000" if quick else "300000"
    # The same rewrite + check written in each peer language, run by its tool.
    for tool, script, name, how in (
            ("node", "benches/peers/js-buy-link.mjs", "peer: plain JS", "new URL + URLSearchParams"),
            ("php", "benches/peers/php-buy-link.php", "peer: pure PHP", "parse_url/parse_str, opcache on")):
        if have(tool):
            peer = json.loads(run([*(PHP_PROD if tool == "php" else [tool]), script, iters]).stdout)
            t.add("buy link", f"{name} ({how})", ns_per_call=peer["ns_per_call"],
                  ratio_to_native=peer["ns_per_call"] / native)
        else:
            t.skip("buy link", name, f"{tool} not installed")


def whitelist_policy(wl):
    """A policy selling exactly the codes of a whitelist file (written to target/bench)."""
    path = OUT / f"policy-{wl.stem}.json"
    path.write_text(json.dumps({"shop_url": "https://shop.example.com/store",
                                "extensions": {c: {} for c in wl.read_text().split()}}))
    return path


def native_kept(feed, wl):
    """How many items the engine keeps, measured by `resale filter --stats`."""
    run(["cargo", "build", "--release", "-q", "-p", "resale-cli"])
    with open(feed, "rb") as stdin:
        r = subprocess.run(["target/release/resale", "filter", "--policy", str(whitelist_policy(wl)), "--path",
                            "/api/v4/packages", "--stats"], stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, cwd=ROOT, check=True)
    return json.loads(r.stderr.strip().splitlines()[-1])["kept"]


def bench_catalog_native(t, quick, feeds):
    """The native filter beside serde_json: core/benches/catalog.rs times every
    subject once a round, in rotating order, and gives the median over the rounds
    of each subject's ratio to serde_json in the same round (with its quartiles:
    how much the machine moved it), not a ratio of two means taken seconds apart."""
    out = OUT / "catalog-paired.json"
    OUT.mkdir(parents=True, exist_ok=True)
    run(["cargo", "bench", "-p", "resale-core", "--bench", "catalog", "--",
         "--seconds", "0.2" if quick else "15", "--json", str(out)])
    labels = {"fixture-672k": "672 KB fixture", "generated-10m": "10 MB feed"}
    feeds = {label: (feed, wl) for label, feed, wl in feeds}
    # serde_json's MB/s per feed (what most rows compare to).
    baselines = {}
    for f in json.loads(out.read_text()):
        label = labels[f["feed"]]
        rows = {r["subject"]: r for r in f["subjects"]}
        spread = lambda r: {"ratio_q1": r["ratio_q1"], "ratio_q3": r["ratio_q3"]}
        base = rows["serde_json_validate"]
        t.add("catalog", f"baseline: serde_json validate only [{label}]", mb_per_s=base["mb_per_s"], ratio_to_baseline=1.0)
        for bench, name in (("filter_one_shot", "resale native, one shot"), ("filter_64k_chunks", "resale native, 64 KiB chunks")):
            r = rows[bench]
            t.add("catalog", f"{name} [{label}]", mb_per_s=r["mb_per_s"], ratio_to_baseline=r["ratio_median"],
                  kept=native_kept(*feeds[label]), **spread(r))
        # One row per scanner path (`path_<name>`, one shot): the scalar
        # reference and each SIMD path this CPU runs.
        for path in ("scalar", "sse2", "avx2", "avx512"):
            r = rows.get(f"path_{path}")
            if r is None:
                t.skip("catalog", f"scanner path {path}, one shot [{label}]", "not available on this CPU")
                continue
            t.add("catalog", f"scanner path {path}, one shot [{label}]", mb_per_s=r["mb_per_s"],
                  ratio_to_baseline=r["ratio_median"], **spread(r))
        baselines[label] = base["mb_per_s"]
    return baselines


def bench_wasm_and_worker(t, quick, feeds, baselines):
    """The npm package in Node, and the worker in workerd over loopback."""
    if not (ROOT / "wasm" / "pkg" / "node.js").exists() or not have("node"):
        t.skip("catalog", "wasm in node / worker in workerd", "run `make wasm` first")
        return
    groups = {"672 KB fixture": "fixture-672k", "10 MB feed": "generated-10m"}
    for label, feed, wl in feeds:
        # speed_to_native: the wasm filter's MB/s over the native one-shot
        # filter's, same feed (issue 17's ">= 0.6x"). Timed in turns, native
        # then wasm then wasm then native ..., and the median of each turn's
        # ratio taken, so that a minute of a busy machine does not land on
        # one side only.
        def native():
            run(["cargo", "bench", "-q", "-p", "resale-core", "--bench", "catalog", "--", "--seconds",
                 "0.2" if quick else "1", "--only", "filter_one_shot", "--feeds", groups[label],
                 "--json", str(OUT / "catalog-turn.json")])
            return json.loads((OUT / "catalog-turn.json").read_text())[0]["subjects"][1]["mb_per_s"]

        def wasm():
            return json.loads(run(["node", "wasm/bench/filter.mjs", str(feed), str(wl), "3" if quick else "30"]).stdout)

        turns, w = [], None
        for k in range(1 if quick else 6):
            if k % 2 == 0:
                n = native(); w = wasm()
            else:
                w = wasm(); n = native()
            turns.append(w["mb_per_s"] / n)
        base = baselines.get(label)
        t.add("catalog", f"resale wasm in node (scanner path simd128) [{label}]", mb_per_s=w["mb_per_s"],
              ratio_to_baseline=(w["mb_per_s"] / base) if base else None,
              speed_to_native=statistics.median(turns), speed_to_native_turns=[round(x, 3) for x in turns],
              kept=w["kept"])
        if label == "672 KB fixture":
            t.add("buy link", "resale wasm from JS: rewrite+check", ns_per_call=w["buy_link_ns"])
    worker = ROOT / "bindings" / "cloudflare-worker"
    if (worker / "node_modules" / ".bin" / "workerd").exists():
        # Warm figures: medians over alternated rounds after each worker's
        # first requests (timed apart as `cold`: V8 compiling, once per isolate).
        r = json.loads(run(["node", "bench/bench.mjs", *(["20", "1"] if quick else ["300", "5"])], cwd=worker).stdout)
        mb = lambda x: r["input_bytes"] * x["requests_per_s"] / 1e6
        t.add("catalog", "resale worker in workerd, over loopback [672 KB fixture]", mb_per_s=mb(r["wasm"]),
              ratio_to_baseline=(mb(r["wasm"]) / baselines["672 KB fixture"]) if "672 KB fixture" in baselines else None,
              kept=r["wasm"]["kept"], requests_per_s=r["wasm"]["requests_per_s"])
        t.add("catalog", "peer: plain JS worker in the same workerd [672 KB fixture]", mb_per_s=mb(r["js"]),
              kept=r["js"]["kept"], requests_per_s=r["js"]["requests_per_s"], ratio_to_js=r["ratio"])
        # CPU of the workerd process per request (/proc/<pid>/stat), resale and plain JS.
        rounds = lambda x: {"cpu_ms_per_request_rounds": x["cpu_ms_per_request_rounds"]}
        t.add("catalog", "workerd CPU per request, warm (V8 heap sizing left to V8): resale worker [672 KB fixture]",
              cpu_ms_per_request=r["wasm"]["cpu_ms_per_request"], **rounds(r["wasm"]))
        t.add("catalog", "workerd CPU per request, warm (V8 heap sizing left to V8): plain JS worker [672 KB fixture]",
              cpu_ms_per_request=r["js"]["cpu_ms_per_request"], cpu_ratio_js_to_resale=r["cpu_ratio_js_to_wasm"], **rounds(r["js"]))
        # The floor: the body read whole and answered unfiltered. Plain JS over
        # it is the most any filter's CPU ratio to plain JS could be.
        t.add("catalog", "workerd CPU per request, warm: floor, the feed read whole and answered unfiltered [672 KB fixture]",
              cpu_ms_per_request=r["floor"]["cpu_ms_per_request"], cpu_ratio_js_to_floor=r["cpu_ratio_js_to_floor"], **rounds(r["floor"]))
        # A new isolate's first requests: what V8 compiles is paid here (the
        # resale worker's wasm tiered up to TurboFan), once per isolate.
        cold = f"workerd CPU per request, a new isolate's first {r['cold_requests']}"
        t.add("catalog", f"{cold}: resale worker [672 KB fixture]", cpu_ms_per_request=r["wasm"]["cold_cpu_ms_per_request"])
        t.add("catalog", f"{cold}: plain JS worker [672 KB fixture]", cpu_ms_per_request=r["js"]["cold_cpu_ms_per_request"],
              cpu_ratio_js_to_resale=r["cold_cpu_ratio_js_to_wasm"])
    else:
        t.skip("catalog", "worker in workerd", "run `scripts/setup.sh worker`")


def bench_php_ffi(t, quick, feeds, baselines, native_pair_ns):
    """The PHP package through PHP's FFI: the buy-link pair and the catalog filter."""
    lib = ROOT / "target" / "release" / "libresale.so"
    if not have("php"):
        t.skip("buy link", "resale PHP FFI", "php not installed")
        return
    run(["cargo", "build", "--release", "-q", "-p", "resale-ffi"])
    env = dict(os.environ, RESALE_LIB=str(lib))
    php = ROOT / "bindings" / "php"
    # Both implementations in one run of PHP, opcache on as in production
    # (PHP_PROD; the JSON says whether opcache and the JIT were on).
    b = json.loads(run([*PHP_PROD, "bench/bench.php", "--json", "--calls", "5000" if quick else "100000"],
                       cwd=php, env=env).stdout)
    t.add("buy link", "resale PHP FFI: rewrite+check (opcache on, JIT off)", ns_per_call=b["ffi_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_us_per_pair"] * 1e3 / native_pair_ns)
    t.add("buy link", "peer: pure PHP, same run as the FFI row (opcache on, JIT off)", ns_per_call=b["php_us_per_pair"] * 1e3,
          ratio_to_native=b["php_us_per_pair"] * 1e3 / native_pair_ns)
    # The FFI row against pure PHP in the same run (baseline / row), and the
    # floor under it: one trivial foreign call, ffi_calls_per_pair of them a pair.
    t.add("buy link", "resale PHP FFI vs pure PHP (ratio = pure PHP / FFI)", ns_per_call=b["ffi_us_per_pair"] * 1e3,
          ratio_to_baseline=b["ratio_php_over_ffi"])
    t.add("buy link", "PHP FFI call floor (resale_abi_version)", ns_per_call=b["trivial_ffi_call_us"] * 1e3)
    t.add("buy link", f"resale PHP FFI minus {b['ffi_calls_per_pair']} call floors", ns_per_call=b["ffi_minus_floor_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_minus_floor_us_per_pair"] * 1e3 / native_pair_ns)
    # The same job as one foreign call (Policy::buyLink, resale_buy_link),
    # and that minus its one call floor.
    t.add("buy link", "resale PHP FFI: buyLink (rewrite+check, one call; opcache on, JIT off)", ns_per_call=b["ffi_one_call_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_one_call_us_per_pair"] * 1e3 / native_pair_ns)
    t.add("buy link", "resale PHP FFI: buyLink minus 1 call floor", ns_per_call=b["ffi_one_call_minus_floor_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_one_call_minus_floor_us_per_pair"] * 1e3 / native_pair_ns)
    # Its foreign call alone (resale_buy_link_run, nothing read): buyLink
    # minus this is PHP reading the answer into a ShopRequest.
    t.add("buy link", "resale PHP FFI: buyLink's call alone (nothing read)", ns_per_call=b["ffi_one_call_raw_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_one_call_raw_us_per_pair"] * 1e3 / native_pair_ns)
    # buyLink's own call floor: the same call (three arguments) with a NULL
    # job, which returns at once; and buyLink minus it.
    t.add("buy link", "PHP FFI call floor of buyLink (resale_buy_link_run, NULL job)", ns_per_call=b["ffi_one_call_floor_us"] * 1e3)
    t.add("buy link", "resale PHP FFI: buyLink minus its call floor", ns_per_call=b["ffi_one_call_minus_call_floor_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_one_call_minus_call_floor_us_per_pair"] * 1e3 / native_pair_ns)
    # The same job answering only the redirect (Policy::buyLinkRedirect: the
    # same call and check, one value read back), minus the same call floor.
    t.add("buy link", "resale PHP FFI: buyLinkRedirect (rewrite+check, one call, the redirect read back)",
          ns_per_call=b["ffi_redirect_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_redirect_us_per_pair"] * 1e3 / native_pair_ns)
    t.add("buy link", "resale PHP FFI: buyLinkRedirect minus its call floor",
          ns_per_call=b["ffi_redirect_minus_call_floor_us_per_pair"] * 1e3,
          ratio_to_native=b["ffi_redirect_minus_call_floor_us_per_pair"] * 1e3 / native_pair_ns)
    for label, feed, wl in feeds:
        r = json.loads(run(["php", "bench/filter.php", str(feed), str(whitelist_policy(wl)), "2" if quick else "20"],
                           cwd=php, env=env).stdout)
        base = baselines.get(label)
        t.add("catalog", f"resale PHP FFI [{label}]", mb_per_s=r["mb_per_s"],
              ratio_to_baseline=(r["mb_per_s"] / base) if base else None, kept=r["kept"])


def bench_nginx(t, quick, baselines):
    """ngx_http_resale_module over loopback, beside the same nginx proxying plainly."""
    if not (have("nginx") and have("node")):
        t.skip("catalog", "nginx module", "run `scripts/setup.sh nginx`")
        return
    run(["bindings/nginx/build.sh"])
    wl = fixture("whitelist.txt")
    r = json.loads(run(["node", "bindings/nginx/bench/bench.mjs", "20" if quick else "300",
                        str(whitelist_policy(wl))]).stdout)
    mb = lambda x: r["input_bytes"] * x["requests_per_s"] / 1e6
    base = baselines.get("672 KB fixture")
    t.add("catalog", "resale nginx module, over loopback [672 KB fixture]", mb_per_s=mb(r["filtered"]),
          ratio_to_baseline=(mb(r["filtered"]) / base) if base else None, kept=r["filtered"]["kept"],
          requests_per_s=r["filtered"]["requests_per_s"])
    t.add("catalog", "baseline: the same nginx proxying unfiltered [672 KB fixture]", mb_per_s=mb(r["plain"]),
          kept=r["plain"]["kept"], requests_per_s=r["plain"]["requests_per_s"])


def bench_fastly(t, quick, baselines):
    """The Fastly Compute service in Viceroy over loopback, beside Viceroy passing the feed through."""
    if not (have("viceroy") and have("node")):
        t.skip("catalog", "Fastly Compute in Viceroy", "run `scripts/setup.sh fastly`")
        return
    run(["make", "-s", "fastly"])
    r = json.loads(run(["node", "bench/bench.mjs", "20" if quick else "200"], cwd=ROOT / "bindings" / "fastly-compute").stdout)
    mb = lambda x: r["input_bytes"] * x["requests_per_s"] / 1e6
    base = baselines.get("672 KB fixture")
    f = r["fastly_viceroy"]
    t.add("catalog", "resale Fastly Compute in Viceroy, over loopback [672 KB fixture]", mb_per_s=mb(f),
          ratio_to_baseline=(mb(f) / base) if base else None, kept=f["kept"], requests_per_s=f["requests_per_s"])
    p = r["fastly_viceroy_passthrough"]
    t.add("catalog", "baseline: the same Viceroy passing the feed through [672 KB fixture]", mb_per_s=mb(p),
          requests_per_s=p["requests_per_s"])
    t.add("catalog", "Viceroy CPU per request: resale filter [672 KB fixture]", cpu_ms_per_request=f.get("cpu_ms_per_request"))
    t.add("catalog", "Viceroy CPU per request: passing through [672 KB fixture]", cpu_ms_per_request=p.get("cpu_ms_per_request"))


def bench_cache(t, quick):
    """Cached against uncached catalog requests per edge (tests/edge/cache-bench.mjs)."""
    r = json.loads(run(["node", "tests/edge/cache-bench.mjs", "10" if quick else "200"]).stdout)
    names = {"worker_miniflare": "worker in Miniflare (Cache API)", "fastly_viceroy": "Fastly in Viceroy (Core Cache)",
             "nginx": "nginx (proxy_cache: unfiltered body)"}
    for key, name in names.items():
        e = r[key]
        if "skipped" in e:
            t.skip("cache", name, e["skipped"])
            continue
        t.add("cache", f"{name}, uncached [672 KB fixture]", requests_per_s=e["uncached_rps"])
        t.add("cache", f"{name}, cached [672 KB fixture]", requests_per_s=e["cached_rps"], ratio_to_baseline=e["ratio"])
        if "cached_gzip_rps" in e:
            t.add("cache", f"{name}, cached, client takes gzip [672 KB fixture]", requests_per_s=e["cached_gzip_rps"],
                  ratio_to_baseline=e["cached_gzip_rps"] / e["uncached_rps"])
        if "cached_cpu_ms" in e:
            t.add("cache", f"{name}, runtime CPU per request: uncached [672 KB fixture]", cpu_ms_per_request=e["uncached_cpu_ms"])
            t.add("cache", f"{name}, runtime CPU per request: cached [672 KB fixture]", cpu_ms_per_request=e["cached_cpu_ms"],
                  ratio_to_baseline=e["uncached_cpu_ms"] / e["cached_cpu_ms"])
            t.add("cache", f"{name}, runtime CPU per request: cached, gzip [672 KB fixture]",
                  cpu_ms_per_request=e["cached_gzip_cpu_ms"])
        if "poll_304_rps" in e:
            t.add("cache", f"{name}, polls answered 304", requests_per_s=e["poll_304_rps"],
                  ratio_to_baseline=e["poll_304_rps"] / e["uncached_rps"])


def bench_marketplace(t, quick):
    run(["cargo", "bench", "-p", "resale-core", "--bench", "marketplace", "--", *criterion(quick, "3")])
    v = criterion_mean_ns("marketplace", "verify")
    vpa = criterion_mean_ns("marketplace", "verify+parse+apply")
    t.add("webhook", "resale native: verify", ns_per_call=v, ratio_to_native=1.0)
    t.add("webhook", "resale native: verify+parse+apply", ns_per_call=vpa)
    peer = ROOT / "tests" / "node" / "node_modules" / "@octokit" / "webhooks-methods"
    if have("node") and peer.exists():
        o = json.loads(run(["node", "benches/peers/octokit-verify.mjs", "2000" if quick else "20000"]).stdout)
        t.add("webhook", "peer: @octokit/webhooks-methods verify (node)", ns_per_call=o["verify_ns"], ratio_to_native=o["verify_ns"] / v)
        t.add("webhook", "peer: octokit verify + JSON.parse (node)", ns_per_call=o["verify_parse_ns"])
    else:
        t.skip("webhook", "peer: @octokit/webhooks-methods", "run scripts/setup.sh node")


def peak_rss(t, quick):
    """Peak RSS of `resale filter` on the 10 MB feed, relative to its size."""
    if quick:
        return
    feed, wl = big_feed()
    policy = whitelist_policy(wl)
    run(["cargo", "build", "--release", "-q", "-p", "resale-cli"])
    with open(feed, "rb") as stdin:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "target/release/resale", "filter", "--policy", str(policy),
                            "--path", "/api/v4/packages"], stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, cwd=ROOT, check=True)
    kb = int(r.stderr.strip().splitlines()[-1])
    t.add("memory", "resale filter: peak RSS / input size [10 MB feed]", ratio_to_baseline=kb * 1024 / feed.stat().st_size,
          mb_per_s=None)


def bench_rust_parsers(t, quick):
    """The native filter beside the Rust JSON parsers built on SIMD (simd-json's
    tape, sonic-rs into IgnoredAny), in paired rounds with serde_json's
    validate-only parse as in bench_catalog_native, every subject compiled with
    -C target-cpu=native (sonic-rs uses SIMD only then). Each row says which of
    a few invalid feeds the subject takes as valid: checking less is faster.
    Not in --quick: it builds two more JSON parsers (about a minute)."""
    names = {"resale_filter_one_shot": "resale native, one shot (target-cpu=native)",
             "simd_json_tape": "peer: simd-json tape, feed copied in (target-cpu=native)",
             "sonic_rs_validate": "peer: sonic-rs validate, IgnoredAny (target-cpu=native)"}
    if quick:
        for name in names.values():
            t.skip("catalog", name, "full make bench only (builds simd-json and sonic-rs)")
        return
    out = OUT / "rust-parsers.json"
    env = {**os.environ, "RUSTFLAGS": "-C target-cpu=native", "CARGO_TARGET_DIR": str(ROOT / "target" / "peers")}
    run(["cargo", "run", "--release", "-q", "--manifest-path", "benches/peers/rust/Cargo.toml", "--",
         "--seconds", "10", "--json", str(out)], env=env)
    r = json.loads(out.read_text())
    labels = {"fixture-672k": "672 KB fixture", "generated-10m": "10 MB feed"}
    for f in r["feeds"]:
        rows = {x["subject"]: x for x in f["subjects"]}
        for subject, name in names.items():
            x = rows[subject]
            t.add("catalog", f"{name} [{labels[f['feed']]}]", mb_per_s=x["mb_per_s"], ratio_to_baseline=x["ratio_median"],
                  ratio_q1=x["ratio_q1"], ratio_q3=x["ratio_q3"],
                  accepts_invalid=", ".join(r["accepts_invalid"][subject]) or "none")
    t.add("catalog", "baseline of those rows: serde_json validate only (target-cpu=native)", ratio_to_baseline=1.0,
          accepts_invalid=", ".join(r["accepts_invalid"]["serde_json_validate"]) or "none")


def bench_catalog_peers(t, quick, feeds):
    for label, feed, wl in feeds:
        iters = "2" if quick else "20"
        if have("node"):
            js = json.loads(run(["node", "benches/peers/js-filter.mjs", str(feed), str(wl), iters]).stdout)
            t.add("catalog", f"peer: plain JS in node [{label}]", mb_per_s=js["mb_per_s"], kept=js["kept"])
        if have("php"):
            php = json.loads(run(["php", "-d", "memory_limit=1G", "benches/peers/php-example-filter.php", str(feed), str(wl),
                                  "2" if quick else "10"]).stdout)
            t.add("catalog", f"peer: Plesk's PHP example logic [{label}]", mb_per_s=php["mb_per_s"], kept=php["kept"])
        else:
            t.skip("catalog", f"peer: Plesk's PHP example logic [{label}]", "php not installed")
        if have("jq"):
            jq = json.loads(run(["benches/peers/jq-filter.sh", str(feed), str(wl), "1" if quick else "3"]).stdout)
            t.add("catalog", f"peer: jq startswith [{label}]", mb_per_s=jq["mb_per_s"], kept=jq["kept"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="run every row briefly (CI); no timing claims")
    a = ap.parse_args()
    started = time.time()
    t = Table()
    small = ("672 KB fixture", fixture("packages.json"), fixture("whitelist.txt"))
    feeds = [small]
    if not a.quick:
        feed, wl = big_feed()
        feeds.append(("10 MB feed", feed, wl))
    # criterion's catalog bench measures the 10 MB feed whenever it exists.
    feeds_native = feeds if not a.quick else feeds + [("10 MB feed", *big_feed())]
    print("resale bench" + (" (quick: no timing claims)" if a.quick else ""), flush=True)
    bench_buy_link(t, a.quick)
    baselines = bench_catalog_native(t, a.quick, feeds_native)
    bench_wasm_and_worker(t, a.quick, feeds, baselines)
    bench_php_ffi(t, a.quick, feeds, baselines, criterion_mean_ns("buy_link", "rewrite+check"))
    bench_nginx(t, a.quick, baselines)
    bench_fastly(t, a.quick, baselines)
    bench_cache(t, a.quick)
    bench_catalog_peers(t, a.quick, feeds)
    bench_rust_parsers(t, a.quick)
    bench_marketplace(t, a.quick)
    if shutil.which("/usr/bin/time") or os.path.exists("/usr/bin/time"):
        peak_rss(t, a.quick)
    else:
        t.skip("memory", "peak RSS", "/usr/bin/time not installed")
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {"quick": a.quick, "seconds": round(time.time() - started, 1), "cpus": os.cpu_count()}
    (OUT / "results.json").write_text(json.dumps({"meta": meta, "rows": t.rows}, indent=1))
    cols = ["area", "subject", "mb_per_s", "ratio_to_baseline", "ratio_q1", "ratio_q3", "requests_per_s", "ratio_to_js", "cpu_ms_per_request", "cpu_ratio_js_to_resale", "cpu_ratio_js_to_floor", "ns_per_call", "ratio_to_native", "speed_to_native", "kept", "accepts_invalid", "skipped"]
    fmt = lambda v: "" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))
    md = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    md += ["| " + " | ".join(fmt(r.get(c)) for c in cols) + " |" for r in t.rows]
    (OUT / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    print(f"bench: {len(t.rows)} rows in {meta['seconds']} s; target/bench/results.{{md,json}}")


if __name__ == "__main__":
    main()
