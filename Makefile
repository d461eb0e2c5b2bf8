# resale — the two commands of the README's quick start are `make serve` and
# `make test`; everything they need is installed by scripts/setup.sh.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: schema test-examples playground test-playground soak soak-smoke test-packages deb test-deb test-php-fpm test-crates test-fastly-cli clean-counts all setup build test test-rust test-differential test-node test-wasm test-wasm-paths test-worker test-ffi test-php bench-php test-nginx nginx-module serve-nginx ffi ffi-header install wasm demo lint fmt serve fuzz fuzz-smoke bench bench-quick profile-scan profile-wasm profile-buylink profile-php clean fastly test-fastly serve-fastly bench-fastly

all: build

clean-counts:
	rm -rf target/vector-counts

setup:
	scripts/setup.sh

build:
	$(CARGO) build --release -p resale-cli

## test: everything CI runs — formatting, lints, unit/property/vector tests, doctests.
test: setup lint clean-counts test-rust test-examples test-differential test-node test-wasm test-playground test-worker test-ffi test-php test-nginx test-fastly test-packages soak-smoke fuzz-smoke bench-quick
	scripts/vector-summary.sh

lint:
	$(CARGO) fmt --all -- --check
	rustfmt --check --edition 2021 benches/peers/rust/src/main.rs
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	ffi/generate-header.sh --check
	scripts/check-versions.sh
	$(CARGO) run -q -p resale-core --features schema --example schema -- --check

## schema: regenerate tests/vectors/schema/ (the answers' JSON Schema) after
## changing an answer type; `make lint` fails until it is committed.
schema:
	$(CARGO) run -q -p resale-core --features schema --example schema

test-rust:
	$(CARGO) test --workspace

## test-examples: the example shop's policy tests (resale test, JUnit in target/).
test-examples: build
	target/release/resale test examples/shop/*.test.json --junit target/examples-junit.xml

## test-differential: independent oracles (Node's WHATWG URL parser for host checks,
## PHP's json_decode for which catalog items Plesk sees).
test-differential: build
	node tests/differential/url-oracle.mjs target/release/resale
	node tests/differential/catalog-php.mjs target/release/resale

## wasm: the npm package in wasm/pkg (wasm-bindgen, ES modules, types).
wasm:
	scripts/setup.sh rust wasm
	wasm/build.sh

## test-wasm: every shared vector and the JS API through the npm package in Node;
## then the core's unit and scanner-path tests built for wasm32 (simd128) and
## run in Node's WASI, so that the simd128 path is compared with the scalar
## reference as the host's paths are (cargo test on the host has no simd128).
test-wasm: wasm test-wasm-paths
	node --test wasm/tests/

test-wasm-paths:
	scripts/setup.sh rust node wasm
	scripts/wasi-tests.sh

## playground: the browser playground (bindings/playground) on 127.0.0.1:8088,
## on the npm package's browser entry; only its own files are served.
PLAYGROUND_PORT ?= 8088
playground: wasm
	node bindings/playground/serve.mjs --port $(PLAYGROUND_PORT)

## test-playground: the playground in Debian's chromium driven by playwright-core
## (screenshots in target/playground/).
test-playground: wasm
	scripts/setup.sh playground
	cd bindings/playground && node --test test/

## test-worker: the worker in workerd over HTTP against a local upstream.
test-worker: build wasm
	cd bindings/cloudflare-worker && node --test test/

## ffi: the C library (target/release/libresale.{so,a}); ffi-header: regenerate
## ffi/include/resale.h (PHP reads it through a link) after changing ffi/src.
ffi:
	$(CARGO) build --release -p resale-ffi

ffi-header:
	ffi/generate-header.sh

## test-ffi: the C tests (shared, static, valgrind, ASan+UBSan, 8 threads).
test-ffi:
	scripts/setup.sh ffi
	ffi/tests/run.sh

## test-php: PHPUnit over PHP's FFI, the example shop over HTTP, 100k-call leak test.
test-php: ffi build
	scripts/setup.sh php
	cd bindings/php && RESALE_LIB=$(CURDIR)/target/release/libresale.so phpunit
	RESALE_LIB=$(CURDIR)/target/release/libresale.so node --test bindings/php/test/

## bench-php: rewrite + check through PHP's FFI against a pure-PHP implementation,
## both with opcache on and the JIT off, as PHP-FPM runs them on Debian.
bench-php: ffi
	RESALE_LIB=$(CURDIR)/target/release/libresale.so php -d opcache.enable_cli=1 -d opcache.jit=off bindings/php/bench/bench.php

## nginx-module: ngx_http_resale_module.so for Debian's nginx, linking libresale.a
## (target/nginx-build/nginx-<version>/objs/).
nginx-module: ffi
	scripts/setup.sh nginx
	bindings/nginx/build.sh

## test-nginx: the module in the real nginx over HTTP (feeds, gate vectors, nginx -t, wrk).
test-nginx: ffi build
	scripts/setup.sh nginx
	bindings/nginx/build.sh
	cd bindings/nginx && node --test test/

## serve-nginx: nginx with the module on 127.0.0.1:8082 (examples/policy.json, the
## fixture feeds as the upstream).
NGINX_PORT ?= 8082
serve-nginx: nginx-module
	node bindings/nginx/run.mjs --port $(NGINX_PORT)

## install: the C library, header and pkg-config file under PREFIX (default /usr/local).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
install: ffi
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 target/release/libresale.so $(DESTDIR)$(LIBDIR)/libresale.so
	install -m 0644 target/release/libresale.a $(DESTDIR)$(LIBDIR)/libresale.a
	install -m 0644 ffi/include/resale.h $(DESTDIR)$(INCLUDEDIR)/resale.h
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|'"$$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml)"'|' \
		ffi/resale.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/resale.pc

## fastly: the Fastly Compute service (bindings/fastly-compute, its own workspace) as .wasm.
FASTLY_DIR := bindings/fastly-compute
fastly:
	$(CARGO) build --manifest-path $(FASTLY_DIR)/Cargo.toml --release --target wasm32-wasip1

## test-fastly: the service in Viceroy over HTTP against a local upstream.
test-fastly: build
	scripts/setup.sh fastly
	$(MAKE) fastly
	$(CARGO) build --manifest-path $(FASTLY_DIR)/Cargo.toml --release --target wasm32-wasip1 --features vectors --bin vectors
	cd $(FASTLY_DIR) && node --test test/

## serve-fastly: the service in Viceroy on 127.0.0.1:8081, with examples/policy.json
## and a local origin serving the sample catalog (no network needed).
FASTLY_PORT ?= 8081
serve-fastly:
	scripts/setup.sh fastly
	$(MAKE) fastly
	node $(FASTLY_DIR)/run.mjs --port $(FASTLY_PORT)

## bench-fastly: requests/s for the 672 KB fixture through Viceroy (and the worker in workerd).
bench-fastly: fastly
	node $(FASTLY_DIR)/bench/bench.mjs

## test-node: the committed GitHub payloads still equal @octokit/webhooks-examples'.
test-node:
	cd tests/node && node extract-marketplace-examples.mjs --check

## soak: each edge (worker in workerd, Fastly in Viceroy, nginx, the PHP entry page
## under PHP-FPM) under wrk for SOAK_SECONDS (60) with mixed traffic; zero unexpected
## statuses and RSS growth from 10 s to the end under 10%: target/soak/results.json.
## soak-smoke: the same for 10 s per edge (RSS read at 3 s, growth reported, not gated).
SOAK_SECONDS ?= 60
soak: setup build ffi wasm fastly nginx-module
	node scripts/soak.mjs --seconds $(SOAK_SECONDS) --rss-at 10 --gate-rss 10

soak-smoke: build ffi wasm fastly nginx-module
	node scripts/soak.mjs --seconds 10 --rss-at 3

## fuzz: every fuzz target for FUZZ_SECONDS each (default 600); fuzz-smoke: a short run for CI.
FUZZ_SECONDS ?= 600
fuzz:
	scripts/setup.sh fuzz
	scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke:
	scripts/fuzz.sh 10

## bench: resale beside its peers, ratios from one run (target/bench/results.{md,json}).
bench: setup
	scripts/bench.py

bench-quick:
	scripts/bench.py --quick

## profile-scan: instructions per catalog filter of the 672 KB fixture, per
## scanner path and for serde_json's validate-only parse (callgrind counts
## are repeatable on a busy machine, where timings are not; each count
## includes about 0.5M of start-up). Not the AVX-512 path: valgrind 3.19
## hides AVX-512 from the program (make bench times it).
profile-scan:
	$(CARGO) build -q --profile profiling -p resale-core --example scan_profile
	for p in scalar sse2 avx2 serde_json; do \
	  valgrind --tool=callgrind --callgrind-out-file=target/callgrind.$$p.out \
	    target/profiling/examples/scan_profile $$p tests/fixtures/packages.json 2>&1 | grep -E 'refs|kept|serde_json'; \
	done

## profile-wasm: instructions per call of the npm package's catalog filter
## in Node (V8's generated code, libc's copies, the rest), the 672 KB fixture
## and the 10 MB feed, from the difference of 120 and 20 calls under
## callgrind (scripts/profile-wasm.py; about 3 minutes).
profile-wasm: wasm
	scripts/profile-wasm.py

## profile-buylink: instructions per buy-link round (rewrite + check, owned
## answers; and rewrite_into + check_ref + redirect, borrowed), from the
## difference of 20,000 and 10,000 rounds so start-up cancels out
## (callgrind counts repeat exactly on a busy machine).
profile-buylink:
	$(CARGO) build -q --profile profiling -p resale-core --example buy_link_profile
	for m in owned fused ref; do \
	  a=$$(valgrind --tool=callgrind --callgrind-out-file=target/callgrind.buylink.$$m.10k.out \
	    target/profiling/examples/buy_link_profile $$m 10000 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,); \
	  b=$$(valgrind --tool=callgrind --callgrind-out-file=target/callgrind.buylink.$$m.out \
	    target/profiling/examples/buy_link_profile $$m 20000 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,); \
	  echo "$$m: $$(( (b - a) / 10000 )) instructions per round (target/callgrind.buylink.$$m.out)"; \
	done

## profile-php: instructions per round of the buy-link job through PHP's FFI
## (bindings/php/bench/profile.php: Policy::buyLink; Policy::buyLinkRedirect; its foreign call alone;
## the call floor, resale_buy_link_run with a NULL job; a no-argument call;
## the loop alone), from the difference of 20,000 and 10,000 rounds under
## callgrind. PHP as configured (the CLI: no opcache, no JIT unless php.ini says).
profile-php: ffi
	for m in buylink redirect raw floor trivial loop; do \
	  a=$$(RESALE_LIB=$(CURDIR)/target/release/libresale.so valgrind --tool=callgrind \
	    --callgrind-out-file=target/callgrind.php.$$m.10k.out \
	    php bindings/php/bench/profile.php $$m 10000 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,); \
	  b=$$(RESALE_LIB=$(CURDIR)/target/release/libresale.so valgrind --tool=callgrind \
	    --callgrind-out-file=target/callgrind.php.$$m.out \
	    php bindings/php/bench/profile.php $$m 20000 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,); \
	  echo "$$m: $$(( (b - a) / 10000 )) instructions per round (target/callgrind.php.$$m.out)"; \
	done

fmt:
	$(CARGO) fmt --all

## test-packages: each ecosystem's own install flow (tests/packages/): the worker's
## wrangler bundles (default and sample environments), the npm package packed and
## installed offline into a scratch project (Node, tsc, wrangler, workerd); the
## Debian packages (test-deb), PHP-FPM and Composer (test-php-fpm), the crates
## (test-crates), the Fastly CLI (test-fastly-cli).
test-packages: wasm build test-deb test-php-fpm test-crates test-fastly-cli
	scripts/setup.sh worker
	node --test tests/packages/

## test-php-fpm: composer validate, a path-repository install offline, the entry page
## under PHP-FPM behind nginx with ffi.enable=1 and with ffi.enable=preload.
test-php-fpm: ffi
	scripts/setup.sh php_fpm
	tests/packages/php-fpm.sh

## test-fastly-cli: fastly compute build, validate and pack with the pinned Fastly CLI.
test-fastly-cli:
	scripts/setup.sh fastly
	tests/packages/fastly-cli.sh

## test-crates: cargo publish --dry-run of resale-core, -ffi and -cli, their metadata,
## the core README rendered as its crates.io page.
test-crates:
	scripts/setup.sh deb
	tests/packages/crates.sh

## deb: the Debian packages in target/debian/ (libresale0, libresale-dev, resale,
## libnginx-mod-http-resale for Debian's nginx), assembled with dpkg-deb.
deb: ffi build
	scripts/setup.sh deb nginx
	packaging/debian/build.sh

## test-deb: lintian, then dpkg -i on this machine, nginx with the module, the CLI,
## a C program via pkg-config, and dpkg --purge (needs root).
test-deb: deb
	tests/packages/deb.sh

## serve: the main job — the Cloudflare Worker in workerd on 127.0.0.1:8080, with
## examples/policy.json and the bundled sample catalog (no network needed).
PORT ?= 8080
serve: wasm
	scripts/setup.sh apt worker
	node bindings/cloudflare-worker/run.mjs --port $(PORT)

## demo: a tour of the command line on the example policy.
demo: build
	scripts/demo.sh

clean:
	$(CARGO) clean
