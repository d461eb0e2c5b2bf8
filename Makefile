# resale — the two commands of the README's quick start are `make serve` and
# `make test`; everything they need is installed by scripts/setup.sh.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all setup build test test-rust lint fmt serve clean

all: build

setup:
	scripts/setup.sh

build:
	$(CARGO) build --release -p resale-cli

## test: everything CI runs — formatting, lints, unit/property/vector tests, doctests.
test: setup lint test-rust

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

fmt:
	$(CARGO) fmt --all

## serve: the main job (until the edge worker lands: a demo of the CLI on the example policy).
serve: build
	scripts/demo.sh

clean:
	$(CARGO) clean
