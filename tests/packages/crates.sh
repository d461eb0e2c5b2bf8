#!/usr/bin/env bash
# The crates as crates.io would take them:
#   - cargo publish --dry-run for resale-core, resale-ffi and resale-cli together
#     (packaged, each built from its .crate against the others; nothing uploaded);
#   - their metadata: description, license, repository, readme (packaged),
#     keywords, categories and docs.rs settings;
#   - resale-core's README, its crate page, rendered as crates.io renders
#     READMEs (GitHub-flavoured Markdown, cmark-gfm): a title, tables, Rust code
#     and no relative link (which would not resolve on crates.io). Its example
#     runs as a doctest (ReadmeDoctests in core/src/lib.rs, cargo test --doc).
# Run by make test-packages.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
crates=(resale-core resale-ffi resale-cli)
log() { printf 'crates test: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Cargo takes a registry crate as immutable: the verify builds (in the
# workspace's target directory, beside make test-rust's) would reuse a
# resale-core 0.1.0 extracted (CARGO_HOME/registry/src, from the dry run's
# local overlay registry) and built from older sources. Our crates are not on
# crates.io, so these copies are only ever a dry run's: removed, with the
# build fingerprints of our crates (the workspace's own rebuild once, the
# dependencies stay built).
rm -rf target/package "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/resale-{core,ffi,cli}-[0-9]* \
  target/debug/.fingerprint/resale-{core,ffi,cli}-*
cargo publish --dry-run --allow-dirty --quiet "${crates[@]/#/-p}" >"$out" 2>&1 || { cat "$out" >&2; fail "cargo publish --dry-run"; }
log "cargo publish --dry-run: ${crates[*]} packaged and verified"

cargo metadata --no-deps --format-version 1 | node -e '
  const want = process.argv.slice(1);
  const meta = JSON.parse(require("fs").readFileSync(0, "utf8"));
  let bad = [];
  for (const name of want) {
    const p = meta.packages.find((x) => x.name === name);
    if (!p) { bad.push(`${name}: not in the workspace`); continue; }
    for (const k of ["description", "license", "repository", "readme"]) if (!p[k]) bad.push(`${name}: no ${k}`);
    if (!(p.keywords.length >= 3 && p.keywords.length <= 5)) bad.push(`${name}: ${p.keywords.length} keywords`);
    if (!p.categories.length) bad.push(`${name}: no categories`);
    if (!p.metadata?.docs?.rs) bad.push(`${name}: no [package.metadata.docs.rs]`);
    if (p.publish && p.publish.length === 0) bad.push(`${name}: publish = false`);
  }
  if (bad.length) { console.error(bad.join("\n")); process.exit(1); }
' "${crates[@]}" || fail "crate metadata"
for c in "${crates[@]}"; do
  readme=$(cargo metadata --no-deps --format-version 1 | node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(m.packages.find(p=>p.name===process.argv[1]).readme)' "$c")
  cargo package --list --allow-dirty --quiet -p "$c" | grep -qx "$readme" || fail "$c: $readme is not in the package"
done
log "metadata: description, license, repository, readme (packaged), keywords, categories, docs.rs for each"

html=$(cmark-gfm --extension table --extension autolink core/README.md)
grep -q '<h1>resale-core</h1>' <<<"$html" || fail "core README: no title"
grep -q '<table>' <<<"$html" || fail "core README: its table does not render"
grep -q '<pre><code class="language-rust">' <<<"$html" || fail "core README: no Rust example"
if grep -o 'href="[^"]*"' <<<"$html" | grep -vE 'href="(https?://|#)'; then fail "core README: relative links do not resolve on crates.io"; fi
log "core/README.md renders (cmark-gfm): title, table, Rust example, $(grep -o 'href="' <<<"$html" | wc -l) links, all absolute"
