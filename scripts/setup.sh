#!/usr/bin/env bash
# Installs everything `make test`, `make serve` and `make bench` need on a
# fresh Debian machine with rustup, idempotently and at pinned versions.
# Each step checks first and does nothing when its tool is already there.
#
#   scripts/setup.sh            # everything
#   scripts/setup.sh rust       # only one group (rust, apt, node, wasm, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

# Each line says how long the run has taken so far (bash's SECONDS), so a
# fresh machine's log shows which step its time went to.
log() { printf 'setup: [%ss] %s\n' "$SECONDS" "$*" >&2; }

# ---- A second lane for the longest build ---------------------------------
# On a fresh machine the four `cargo install`s are most of setup's time, and
# Viceroy's alone (wasmtime and cranelift, some 400 crates) about as long as
# the rest of setup together. No one build keeps both cores busy throughout
# (each has stretches of one large crate, then one link), and the apt and npm
# steps mostly wait on the network. So when the fastly group is asked for and
# Viceroy is missing, its install starts first, in the background, and the
# other steps run beside it; the script waits for it before it exits, and
# fails with the tail of its log (target/setup/viceroy.log) if it failed.
LANES=()
lane() {
  local name=$1; shift
  mkdir -p target/setup
  log "$name: started in a second lane (log: target/setup/$name.log)"
  ( "$@" ) >"target/setup/$name.log" 2>&1 &
  LANES+=("$!:$name")
}
# A failed step ends the script (set -e): a build still running in the
# second lane is stopped then, not left to race the next run's install.
stop_lanes() {
  local entry
  for entry in "${LANES[@]}"; do
    pkill -TERM -P "${entry%%:*}" 2>/dev/null || true
    kill -TERM "${entry%%:*}" 2>/dev/null || true
  done
}
trap stop_lanes EXIT
wait_lanes() {
  local entry pid name
  for entry in "${LANES[@]}"; do
    pid=${entry%%:*}; name=${entry#*:}
    if wait "$pid"; then
      log "$name: done (second lane)"
    else
      log "$name: FAILED in the second lane; the end of target/setup/$name.log:"
      tail -n 40 "target/setup/$name.log" >&2
      exit 1
    fi
  done
  LANES=()
}

# ---- Rust components and targets ---------------------------------------
setup_rust() {
  local have
  have=$(rustup component list --installed 2>/dev/null || true)
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$have" || { log "rustup component add $c"; rustup component add "$c"; }
  done
}

# ---- Debian packages ----------------------------------------------------
APT_UPDATED=
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"; apt-get -o DPkg::Lock::Timeout=600 update -qq; APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_apt() {
  # jq and php8.2-cli: peers of `make bench`; PHP also reads feeds as Plesk
  # does, for the differential tests. php8.2-opcache: `make bench` runs its
  # PHP rows with opcache on, as PHP-FPM does (not a dependency of the CLI
  # once recommends are left out).
  apt_install jq php8.2-cli php8.2-opcache
  command -v node >/dev/null || apt_install nodejs npm
}

# ---- npm packages for tests and benchmarks (pinned by tests/node/package-lock.json)
setup_node() {
  command -v npm >/dev/null || apt_install nodejs npm
  if ! (cd tests/node && npm ls --depth=0 >/dev/null 2>&1); then
    log "npm ci (tests/node)"
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ---- the Cloudflare Worker's runtime for local runs and tests (npm package workerd, pinned)
setup_worker() {
  command -v npm >/dev/null || apt_install nodejs npm
  if ! (cd bindings/cloudflare-worker && npm ls --depth=0 >/dev/null 2>&1); then
    log "npm ci (bindings/cloudflare-worker)"
    (cd bindings/cloudflare-worker && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ---- WebAssembly: the target and wasm-bindgen-cli at the crate's exact version
setup_wasm() {
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || { log "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }
  # The core's tests built for wasm32-wasip1 and run in Node's WASI (make test-wasm-paths).
  rustup target list --installed | grep -q '^wasm32-wasip1$' || { log "rustup target add wasm32-wasip1"; rustup target add wasm32-wasip1; }
  local want
  want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' wasm/Cargo.toml)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want$"; then
    # Without --locked: a locked transitive version is missing from the registry.
    log "cargo install wasm-bindgen-cli $want (about 4 minutes)"
    cargo install wasm-bindgen-cli --version "$want"
  fi
  command -v npm >/dev/null || apt_install nodejs npm
  if ! (cd wasm/tools && npm ls --depth=0 >/dev/null 2>&1); then
    log "npm ci (wasm/tools: binaryen's wasm-opt, typescript, json-schema-to-typescript)"
    (cd wasm/tools && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ---- the playground's browser test: Debian's chromium, playwright-core pinned
# in bindings/playground/package-lock.json (it drives /usr/bin/chromium; no
# browser download)
setup_playground() {
  apt_install chromium
  command -v npm >/dev/null || apt_install nodejs npm
  if ! (cd bindings/playground && npm ls --depth=0 >/dev/null 2>&1); then
    log "npm ci (bindings/playground: playwright-core)"
    (cd bindings/playground && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ---- the C ABI: cbindgen (header drift check), clang + sanitizer runtime, valgrind
CBINDGEN_VERSION=0.29.2
setup_ffi() {
  apt_install clang libclang-rt-14-dev valgrind pkg-config
  if ! cbindgen --version 2>/dev/null | grep -q " $CBINDGEN_VERSION$"; then
    log "cargo install cbindgen $CBINDGEN_VERSION (about 2 minutes)"
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
  fi
}

# ---- the PHP package: PHP 8.2 with FFI (Debian's php8.2-cli), curl (the KA
# executor, Resale\License\Executor), xml (its XML-RPC answers), PDO SQLite
# (the entitlement store's concurrency test) and PHPUnit 9
setup_php() {
  apt_install php8.2-cli php8.2-opcache php8.2-curl php8.2-xml php8.2-sqlite3 phpunit
}

# ---- the nginx module: Debian's nginx, its module build tree (nginx-dev), wrk for the load test
setup_nginx() {
  apt_install nginx nginx-dev wrk
}

# ---- Debian packages (make deb, tests/packages/deb.sh): dpkg-deb and
# dpkg-shlibdeps (dpkg-dev), patchelf (the library's SONAME), lintian (the
# nginx module is built against Debian's nginx: setup_nginx); and cmark-gfm
# (tests/packages/crates.sh renders the core README as crates.io does)
setup_deb() {
  apt_install dpkg-dev patchelf lintian binutils cmark-gfm
}

# ---- PHP under PHP-FPM behind nginx, and Composer (tests/packages/php-fpm.sh)
setup_php_fpm() {
  apt_install php8.2-fpm php8.2-opcache composer nginx wrk
}

# ---- Fastly Compute: the wasm32-wasip1 target and Fastly's local runtime Viceroy, pinned
VICEROY_VERSION=0.22.0
viceroy_missing() { ! viceroy --version 2>/dev/null | grep -q " $VICEROY_VERSION$"; }
install_viceroy() { cargo install viceroy --version "$VICEROY_VERSION" --locked; }
setup_fastly() {
  rustup target list --installed | grep -q '^wasm32-wasip1$' || { log "rustup target add wasm32-wasip1"; rustup target add wasm32-wasip1; }
  if [ -z "$VICEROY_IN_LANE" ] && viceroy_missing; then
    log "cargo install viceroy $VICEROY_VERSION (about 10 minutes)"
    install_viceroy
  fi
  # The Fastly CLI (npm package @fastly/cli-linux-x64, pinned): fastly compute build / pack.
  command -v npm >/dev/null || apt_install nodejs npm
  if ! (cd bindings/fastly-compute && npm ls --depth=0 >/dev/null 2>&1); then
    log "npm ci (bindings/fastly-compute: the Fastly CLI)"
    (cd bindings/fastly-compute && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # binaryen's wasm-dis (wasm/tools): test/simd.test.mjs counts the service's SIMD instructions.
  if ! (cd wasm/tools && npm ls --depth=0 >/dev/null 2>&1); then
    log "npm ci (wasm/tools: binaryen's wasm-dis)"
    (cd wasm/tools && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ---- fuzzing: nightly toolchain and cargo-fuzz ---------------------------
CARGO_FUZZ_VERSION=0.13.2
setup_fuzz() {
  rustup toolchain list | grep -q '^nightly' || { log "rustup toolchain install nightly"; rustup toolchain install nightly --profile minimal; }
  if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION"; then
    log "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
}

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(rust apt node wasm playground worker ffi php nginx fastly fuzz deb php_fpm)
VICEROY_IN_LANE=
if [[ " ${groups[*]} " == *" fastly "* ]] && [ ${#groups[@]} -gt 1 ] && viceroy_missing; then
  log "cargo install viceroy $VICEROY_VERSION (about 10 minutes alone)"
  VICEROY_IN_LANE=1
  lane viceroy install_viceroy
fi
for g in "${groups[@]}"; do "setup_$g"; done
wait_lanes
log "done"
