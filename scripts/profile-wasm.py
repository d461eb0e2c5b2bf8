#!/usr/bin/env python3
"""`make profile-wasm`: instructions per call of the npm package's catalog
filter in Node, under callgrind, which counts the machine code V8 generated
as it counts any other (`--smc-check=all-non-file`). Timings of the wasm
filter move by a fifth from run to run on a shared machine; these counts
repeat to a fraction of a percent.

Each feed is filtered 20 and 120 times (wasm/bench/profile.mjs); the
difference over 100 is one call, without Node's start-up and V8's
compilation. Split into V8's generated code (the module and JavaScript: JIT
code has no symbol), libc's memcpy/memmove (the feed copied into the
module's memory, the output out of it, and `memory.copy`) and the rest.
The first two repeat exactly from run to run; the rest (the garbage
collector, mostly) moves by about 2% of the total.

    scripts/profile-wasm.py            # both feeds
    scripts/profile-wasm.py --feed tests/fixtures/packages.json --whitelist tests/fixtures/whitelist.txt
"""
import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "target"
ROUNDS = (20, 120)


def counts(feed, wl, n, tag):
    """Instructions by part for one run of `n` calls."""
    out = OUT / f"callgrind.wasm.{tag}.{n}.out"
    subprocess.run(["valgrind", "--tool=callgrind", "--smc-check=all-non-file", f"--callgrind-out-file={out}",
                    "node", "--no-liftoff", "wasm/bench/profile.mjs", str(feed), str(wl), str(n)],
                   cwd=ROOT, check=True, capture_output=True)
    ann = subprocess.run(["callgrind_annotate", "--threshold=100", str(out)], check=True, capture_output=True,
                         text=True).stdout
    parts = {"total": 0, "V8 generated code": 0, "libc memcpy/memmove": 0, "other": 0}
    for line in ann.splitlines():
        m = re.match(r"^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        ir, name = int(m.group(1).replace(",", "")), m.group(2)
        if name.startswith("PROGRAM TOTALS"):
            parts["total"] = ir
        elif name.startswith("???:0x"):
            parts["V8 generated code"] += ir
        elif "memmove" in name or "memcpy" in name:
            parts["libc memcpy/memmove"] += ir
    parts["other"] = parts["total"] - parts["V8 generated code"] - parts["libc memcpy/memmove"]
    return parts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feed")
    ap.add_argument("--whitelist")
    a = ap.parse_args()
    if not (ROOT / "wasm" / "pkg" / "node.js").exists():
        sys.exit("profile-wasm: run `make wasm` first")
    feeds = [(pathlib.Path(a.feed).resolve(), pathlib.Path(a.whitelist).resolve())] if a.feed else [
        (ROOT / "tests/fixtures/packages.json", ROOT / "tests/fixtures/whitelist.txt"),
        (OUT / "bench/packages-4500.json", OUT / "bench/whitelist-4500.txt"),
    ]
    for feed, wl in feeds:
        if not feed.exists():
            print(f"{feed}: missing (make bench generates it)")
            continue
        tag = feed.stem
        lo, hi = (counts(feed, wl, n, tag) for n in ROUNDS)
        per = {k: (hi[k] - lo[k]) / (ROUNDS[1] - ROUNDS[0]) for k in lo}
        print(f"{feed.name} ({feed.stat().st_size} bytes): instructions per filterCatalog call")
        for k, v in per.items():
            print(f"  {k:<22} {v:>14,.0f}")


if __name__ == "__main__":
    main()
