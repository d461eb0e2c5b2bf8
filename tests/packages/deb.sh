#!/usr/bin/env bash
# The Debian packages of make deb (target/debian/) as a Debian user gets them:
# installed with dpkg -i on this machine, then
#   - the module is linked into /etc/nginx/modules-enabled (by its postinst);
#   - nginx -t accepts a configuration that loads it through that link and uses
#     its directives (and refuses a bad policy);
#   - that nginx serves the fixture feed filtered, byte for byte what
#     /usr/bin/resale filter answers, and the /buy gate;
#   - /usr/bin/resale answers;
#   - a C program builds with pkg-config --cflags --libs resale and runs
#     against the installed libresale.so.0 (no LD_LIBRARY_PATH);
#   - lintian reports no tag beyond those packaging/debian/lintian-explained.txt explains;
# and finally every package is purged, leaving none of their files.
# Needs root (dpkg). Run by make test-packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
debs=("$repo"/target/debian/*.deb)
packages=(libnginx-mod-http-resale resale libresale-dev libresale0)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
work=$(mktemp -d)
chmod 0755 "$work"   # nginx workers (an unprivileged user) read the upstream files
nginx_pid=
log() { printf 'deb test: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  [ -f "$work/logs/error.log" ] && tail -n 5 "$work/logs/error.log" >&2
  exit 1
}

# dpkg refuses to run while apt or another dpkg holds its lock (setup.sh,
# another engineer's install): wait for it rather than fail.
dpkg_locked() {
  local i
  for i in $(seq 120); do
    if dpkg "$@" 2>"$work/dpkg.err"; then return 0; fi
    grep -q "lock" "$work/dpkg.err" || { cat "$work/dpkg.err" >&2; return 1; }
    sleep 5
  done
  cat "$work/dpkg.err" >&2
  return 1
}

cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  dpkg_locked --purge "${packages[@]}" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

[ ${#debs[@]} -eq 4 ] || fail "expected 4 packages in target/debian, found ${#debs[@]}"

# ---- lintian ------------------------------------------------------------
lintian --tag-display-limit 0 --suppress-tags-from-file "$repo/packaging/debian/lintian-explained.txt" "${debs[@]}" >"$work/lintian" || true
if grep -E '^[EW]: ' "$work/lintian"; then fail "lintian tags not explained in packaging/debian/lintian-explained.txt"; fi
log "lintian: no errors or warnings beyond the explained tags"

# ---- install --------------------------------------------------------------
dpkg_locked -i "${debs[@]}" >/dev/null
link=/etc/nginx/modules-enabled/50-mod-http-resale.conf
[ "$(readlink "$link")" = /usr/share/nginx/modules-available/mod-http-resale.conf ] || fail "$link is not the module's link"
grep -qx 'load_module modules/ngx_http_resale_module.so;' "$link" || fail "$link has no load_module"
[ "$(dpkg-query -W -f='${Depends}' libnginx-mod-http-resale | cut -d, -f1)" = "$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)" ] \
  || fail "the module does not depend on the nginx ABI first"
log "installed: ${packages[*]}; $link -> $(readlink "$link")"

# ---- /usr/bin/resale --------------------------------------------------------
policy=$repo/examples/policy.json
fixture=$repo/tests/fixtures/packages.json
answer=$(/usr/bin/resale check --policy "$policy" 'extension-id=git&kn=PLSK.12345678.0001')
grep -q '"status":"accepted"' <<<"$answer" || fail "resale check: $answer"
/usr/bin/resale filter --policy "$policy" --path /api/v4/packages <"$fixture" >"$work/expected.json"
log "/usr/bin/resale $(/usr/bin/resale --version | cut -d' ' -f2): check accepted, filter kept $(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).length)' "$work/expected.json") items"

# ---- nginx with the installed module -----------------------------------------
port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
front=$(port) upstream=$(port)
mkdir -p "$work/upstream/api/v4" "$work/logs"
cp "$fixture" "$work/upstream/api/v4/packages"
conf() { # conf POLICY-FILE: the configuration a Debian admin would write
  cat <<CONF
include /etc/nginx/modules-enabled/*.conf;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/body; proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
    resale_policy $1;
    server {
        listen 127.0.0.1:$upstream;
        location /api/ { root $work/upstream; default_type application/json; }
    }
    server {
        listen 127.0.0.1:$front;
        location /api/ { resale_catalog_filter on; proxy_pass http://127.0.0.1:$upstream; }
        location = /buy { resale_shop_gate; }
    }
}
CONF
}
printf '{"shop_url":"ftp://shop.example.com"}' >"$work/bad-policy.json"
conf "$work/bad-policy.json" >"$work/bad.conf"
if nginx -t -q -c "$work/bad.conf" 2>"$work/bad.err"; then fail "nginx -t accepted a bad policy"; fi
grep -q 'policy.shop_url.scheme' "$work/bad.err" || fail "nginx -t on a bad policy: $(cat "$work/bad.err")"
conf "$policy" >"$work/nginx.conf"
nginx -t -q -c "$work/nginx.conf" || fail "nginx -t"
nginx -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$front/" && break; sleep 0.1; done
code=$(curl -s -o "$work/served.json" -w "%{http_code}" "http://127.0.0.1:$front/api/v4/packages") || true
[ "$code" = 200 ] || fail "GET /api/v4/packages: $code $(head -c 300 "$work/served.json")"
cmp -s "$work/served.json" "$work/expected.json" || fail "the filtered feed differs from resale filter's"
location=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$front/buy?extension-id=git&kn=PLSK.12345678.0001")
[ "$location" = "302 https://shop.example.com/store?extension-id=git&kn=PLSK.12345678.0001" ] || fail "/buy: $location"
log "nginx $(nginx -v 2>&1 | cut -d/ -f2) with the packaged module: nginx -t ok (a bad policy refused), feed $(stat -c %s "$work/served.json") bytes = resale filter's, /buy 302"
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=

# ---- a C program on libresale-dev ----------------------------------------------
# shellcheck disable=SC2046 # pkg-config's words are separate arguments
cc -std=c11 -Wall -Wextra -Werror -o "$work/shop" "$here/deb/shop.c" $(pkg-config --cflags --libs resale)
readelf -d "$work/shop" | grep -q 'NEEDED.*\[libresale.so.0\]' || fail "shop does not need libresale.so.0"
out=$(env -u LD_LIBRARY_PATH "$work/shop" "$(cat "$policy")" 'https://go.plesk.com/buy-plesk-ext/git?kn=PLSK.12345678.0001')
[ "$out" = "$(dpkg-query -W -f='${Version}' libresale0 | cut -d- -f1) https://shop.example.com/store?extension-id=git&kn=PLSK.12345678.0001" ] || fail "shop: $out"
log "cc \$(pkg-config --cflags --libs resale) = $(pkg-config --cflags --libs resale): runs against /usr/lib/$multiarch/libresale.so.0"

# ---- purge ---------------------------------------------------------------------
files=$(dpkg -L "${packages[@]}" | grep -v '^/\.$' | sort -u)
dpkg_locked --purge "${packages[@]}" >/dev/null
for p in "${packages[@]}"; do
  ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed || fail "$p still installed"
done
[ ! -e "$link" ] && [ ! -L "$link" ] && [ ! -L "$link.removed" ] || fail "$link left after purge"
for f in $files; do
  case $f in /usr/lib/$multiarch/*resale* | /usr/include/resale.h | /usr/bin/resale | /usr/lib/nginx/modules/ngx_http_resale_module.so | /usr/share/nginx/modules-available/mod-http-resale.conf | /usr/share/doc/*resale*)
    [ ! -e "$f" ] || fail "$f left after purge" ;;
  esac
done
log "purged: no file of the packages left"
