#!/usr/bin/env bash
# The PHP package as a shop installs and runs it:
#   - composer validate --strict on bindings/php;
#   - a scratch project installs it from a Composer path repository with
#     `composer install --no-dev`, offline (Packagist off, network disabled);
#   - its entry page runs under PHP-FPM behind nginx (fastcgi), over HTTP,
#     twice: with ffi.enable=1 in the pool, and with ffi.enable=preload and the
#     package's opcache.preload script (where requests may not call FFI::cdef);
#     each time a valid buy link is a 302 to the shop and a bad one a 400 with
#     its code, and wrk prints requests/s (a figure, not a check).
# Needs target/release/libresale.so (make ffi). Run by make test-packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lib=$repo/target/release/libresale.so
# The copied package's src/resale.h link does not resolve outside the
# repository: the header comes from RESALE_HEADER, as a shop without
# libresale-dev (/usr/include/resale.h) would set it.
header=$repo/ffi/include/resale.h
policy=$repo/examples/policy.json
work=$(mktemp -d)
chmod 0755 "$work"
pids=()
log() { printf 'php-fpm test: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  for f in "$work"/*.log "$work"/fpm/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 5 "$f" >&2; }; done
  exit 1
}
stop() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop; rm -rf "$work"' EXIT
[ -f "$lib" ] || fail "no $lib (make ffi)"

export COMPOSER_HOME=$work/composer-home COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_DISABLE_NETWORK=1 COMPOSER_NO_INTERACTION=1
(cd "$repo/bindings/php" && composer validate --strict --no-check-publish -q) || fail "composer validate --strict"

# ---- the shop's project: the package from a path repository, offline ----------
app=$work/app
mkdir -p "$app/public" "$work/fpm"
cat >"$app/composer.json" <<JSON
{
    "name": "example/shop",
    "require": { "resale/resale": "*@dev" },
    "repositories": [
        { "type": "path", "url": "$repo/bindings/php", "options": { "symlink": false } },
        { "packagist.org": false }
    ]
}
JSON
(cd "$app" && composer install --no-dev -q) || fail "composer install --no-dev"
[ -f "$app/vendor/resale/resale/preload.php" ] && [ -f "$app/vendor/resale/resale/src/Policy.php" ] || fail "the package is not in vendor/"
cp "$here/php-fpm/index.php" "$app/public/index.php"
log "composer validate --strict ok; composer install --no-dev from the path repository, offline: vendor/resale/resale"

port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
front=$(port)
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/nginx.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/body; proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
    server {
        listen 127.0.0.1:$front;
        root $app/public;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root/index.php;
            fastcgi_pass unix:$work/fpm/fpm.sock;
        }
    }
}
CONF

# serve MODE [php-fpm -d options...]: PHP-FPM and nginx, the checks, wrk.
serve() {
  local mode=$1; shift
  cat >"$work/fpm.conf" <<CONF
[global]
pid = $work/fpm/fpm.pid
error_log = $work/fpm/fpm.log
daemonize = no
[shop]
listen = $work/fpm/fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 2
catch_workers_output = yes
env[RESALE_LIB] = $lib
env[RESALE_HEADER] = $header
env[RESALE_POLICY] = $policy
$( [ "$mode" = ffi.enable=1 ] && echo 'php_admin_value[ffi.enable] = 1' )
CONF
  if [ "$mode" = ffi.enable=1 ]; then
    # -R: this test runs as root (a shop's pool would set user = www-data).
    RESALE_LIB=$lib RESALE_HEADER=$header php-fpm8.2 -F -R -y "$work/fpm.conf" "$@" &
  else
    # PHP refuses FFI::load in a preload script run under opcache.preload_user,
    # which a root master needs: the master runs as www-data, as the preload
    # variant requires (package README), writing in a directory it owns.
    chown -R www-data: "$work/fpm"
    setpriv --reuid=www-data --regid=www-data --init-groups env RESALE_LIB="$lib" RESALE_HEADER="$header" php-fpm8.2 -F -y "$work/fpm.conf" "$@" &
  fi
  pids+=($!)
  nginx -c "$work/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  local base=http://127.0.0.1:$front i
  for i in $(seq 50); do [ -S "$work/fpm/fpm.sock" ] && curl -s -o /dev/null "$base/ffi" && break; sleep 0.1; done
  local ffi
  ffi=$(curl -s "$base/ffi")
  local want=$([ "$mode" = ffi.enable=1 ] && echo '"ffi.enable":"1","cdef":"allowed"' || echo '"ffi.enable":"preload","cdef":"refused"')
  grep -q "$want" <<<"$ffi" || fail "$mode: /ffi answered $ffi"
  local got
  got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/?extension-id=git&kn=PLSK.12345678.0001")
  [ "$got" = "302 https://shop.example.com/store?extension-id=git&kn=PLSK.12345678.0001" ] || fail "$mode: buy link answered $got"
  got=$(curl -s -w ' %{http_code}' "$base/?extension-id=git&kn=PLSK.1&kn=PLSK.2")
  [ "$got" = '{"code":"param.duplicate","field":"kn"}
 400' ] || fail "$mode: duplicate kn answered $got"
  local rate
  rate=$(wrk -t1 -c4 -d2s "$base/?extension-id=git&kn=PLSK.12345678.0001" | sed -n 's/^Requests\/sec: *//p')
  log "$mode: $ffi; 302 to the shop, 400 param.duplicate; wrk -t1 -c4 -d2s: $rate req/s"
  stop
  rm -f "$work/fpm/fpm.sock"
}

serve ffi.enable=1
serve ffi.enable=preload -d ffi.enable=preload -d opcache.enable=1 \
  -d "opcache.preload=$app/vendor/resale/resale/preload.php"
