#!/usr/bin/env bash
# Builds ngx_http_resale_module.so for the installed nginx (Debian's nginx
# and nginx-dev), linking the static library target/release/libresale.a.
#
#   bindings/nginx/build.sh         # prints the path of the .so on its last line
#
# Environment: NGINX_SRC (default /usr/share/nginx/src, from nginx-dev),
# RESALE_LIB_DIR (default <repo>/target/release), BUILD_DIR (default
# <repo>/target/nginx-build). Idempotent: ./configure runs again only when
# the nginx version, the module's config or the library's directory change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
NGINX_SRC=${NGINX_SRC:-/usr/share/nginx/src}
export RESALE_LIB_DIR=${RESALE_LIB_DIR:-$repo/target/release}
BUILD_DIR=${BUILD_DIR:-$repo/target/nginx-build}

log() { printf 'nginx-module: %s\n' "$*" >&2; }

[ -x "$NGINX_SRC/configure" ] || { log "no nginx sources at $NGINX_SRC (apt-get install nginx-dev)"; exit 1; }
[ -f "$RESALE_LIB_DIR/libresale.a" ] || { log "no $RESALE_LIB_DIR/libresale.a (cargo build --release -p resale-ffi)"; exit 1; }

version=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' "$NGINX_SRC/src/core/nginx.h")
[ -n "$version" ] || { log "cannot read the nginx version in $NGINX_SRC"; exit 1; }
src=$BUILD_DIR/nginx-$version
# What configure depends on: a change to any of these configures again.
stamp="nginx=$version config=$(sha256sum "$here/config" | cut -c1-16) lib=$RESALE_LIB_DIR module=$here"

if [ ! -f "$src/.resale-configured" ] || [ "$(cat "$src/.resale-configured")" != "$stamp" ]; then
  log "configure nginx $version in $src"
  rm -rf "$src"
  mkdir -p "$BUILD_DIR"
  cp -a "$NGINX_SRC" "$src"
  (cd "$src" && ./configure --with-compat --add-dynamic-module="$here" --with-cc-opt=-Werror >"$src/configure.log" 2>&1) \
    || { tail -n 30 "$src/configure.log" >&2; exit 1; }
  echo "$stamp" >"$src/.resale-configured"
fi

log "make modules"
# Debian's copy of the tree has no top-level Makefile: objs/Makefile directly.
(cd "$src" && make -s -f objs/Makefile modules)
so=$src/objs/ngx_http_resale_module.so
[ -f "$so" ] || { log "no $so after make"; exit 1; }
echo "$so"
