#!/usr/bin/env python3
"""Writes fuzz seed corpora (fuzz/seeds/<target>/) from the shared vectors.

Run it again after adding vectors; each seed is named by its content's SHA-1,
so re-running only adds files.
"""
import hashlib
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
vectors = root / "tests" / "vectors"
seeds = root / "fuzz" / "seeds"

TARGET_OF = {"lint": "policy", "rewrite": "rewrite", "check": "shop_request"}
# Catalog seeds (fixture cuts and vector bodies) were written once by hand; see fuzz/seeds/catalog*.


def put(target, data):
    d = seeds / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


for p in sorted((vectors / "policies").glob("*.json")):
    put("policy", p.read_bytes())
for f in sorted(vectors.rglob("*.json")):
    if "policies" in f.parts:
        continue
    doc = json.loads(f.read_text())
    target = TARGET_OF.get(doc.get("function"))
    if not target:
        continue
    for case in doc["cases"]:
        if isinstance(case["input"], str):
            put(target, case["input"].encode())
