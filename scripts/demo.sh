#!/usr/bin/env bash
# A short tour of the `resale` command line on the bundled example policy.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/resale
policy=tests/vectors/policies/example.json
run() { printf '\n$ %s\n' "$*"; "$@"; }
run $bin lint $policy
run $bin rewrite --policy $policy \
  'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE' \
  'https://go.plesk.com.evil.example/buy-plesk-ext/wp-toolkit'
run $bin check --policy $policy \
  'https://shop.example.com/store?extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE' \
  'extension-id=docker&kn=PLSK.12345678.0001&kn=PLSK.87654321.0001'
run $bin panel-ini --policy $policy --catalog-url http://catalog-proxy.example:8080
