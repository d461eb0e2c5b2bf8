#!/usr/bin/env bash
# make deb: the Debian packages of resale in target/debian/, assembled with
# dpkg-deb from what the workspace builds (no source package):
#
#   libresale0                the C library, libresale.so.0 (SONAME set here)
#   libresale-dev             resale.h, libresale.a, the libresale.so link, resale.pc
#   resale                    /usr/bin/resale, the command line
#   libnginx-mod-http-resale  ngx_http_resale_module.so built against Debian's
#                             nginx (nginx-dev), laid out as Debian's own
#                             libnginx-mod-http-* packages: the module in
#                             /usr/lib/nginx/modules, its load_module line in
#                             /usr/share/nginx/modules-available/mod-http-resale.conf,
#                             linked into /etc/nginx/modules-enabled by postinst,
#                             Depends on the nginx ABI it was built for.
#
# Needs: target/release/{libresale.so,libresale.a,resale} (make ffi build) and
# the module (bindings/nginx/build.sh, run here). Tools: scripts/setup.sh deb nginx.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/target/debian
rel=$repo/target/release
log() { printf 'deb: %s\n' "$*" >&2; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n1)
debver=$version-1
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
maintainer="resale maintainers <resale@example.invalid>"
homepage=$(sed -n 's/^repository = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n1)
# Reproducible: every timestamp is the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct)}
# The ABI Debian's nginx provides (nginx Provides: nginx-abi-…), which its
# module packages depend on; nginx-dev ships it for third-party modules.
abi=$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)
[ -n "$abi" ] || { log "no nginx:abi in nginx-dev's libnginx-mod.abisubstvars"; exit 1; }

for f in libresale.so libresale.a resale; do
  [ -f "$rel/$f" ] || { log "missing $rel/$f (make ffi build)"; exit 1; }
done
module=$("$repo/bindings/nginx/build.sh" | tail -n1)

rm -rf "$out" && mkdir -p "$out"

# Files common to every package: copyright and the Debian changelog.
docs() {
  local pkg=$1 doc=$out/root/$1/usr/share/doc/$1
  install -d "$doc"
  install -m 0644 "$here/copyright" "$doc/copyright"
  printf '%s (%s) unstable; urgency=medium\n\n  * Built from the resale repository by packaging/debian/build.sh.\n\n -- %s  %s\n' \
    resale "$debver" "$maintainer" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")" | gzip -9n >"$doc/changelog.Debian.gz"
}

# dpkg-shlibdeps wants a debian/control; a minimal one in a scratch directory.
shlibdeps() {
  local work=$out/shlibdeps
  mkdir -p "$work/debian"
  printf 'Source: resale\n\nPackage: resale\nArchitecture: any\n' >"$work/debian/control"
  (cd "$work" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

# control NAME SECTION MULTIARCH DEPENDS SYNOPSIS [EXTRA-FIELDS] < long description
control() {
  local pkg=$1 root=$out/root/$1
  install -d "$root/DEBIAN"
  {
    printf 'Package: %s\nSource: resale\nVersion: %s\nArchitecture: %s\nMaintainer: %s\n' "$pkg" "$debver" "$arch" "$maintainer"
    printf 'Installed-Size: %s\n' "$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
    printf 'Depends: %s\n' "$4"
    [ -n "${6:-}" ] && printf '%s\n' "$6"
    printf 'Section: %s\nPriority: optional\nMulti-Arch: %s\nHomepage: %s\nDescription: %s\n' "$2" "$3" "$homepage" "$5"
    sed 's/^$/./; s/^/ /'
  } >"$root/DEBIAN/control"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
  find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  dpkg-deb --root-owner-group -Zxz --build "$root" "$out/${pkg}_${debver}_${arch}.deb" >/dev/null
  log "$(basename "$out/${pkg}_${debver}_${arch}.deb"): $(stat -c %s "$out/${pkg}_${debver}_${arch}.deb") bytes"
}

long_engine="resale is a policy engine for hosting providers who resell Plesk
extensions from their own shop: Plesk buy links, shop entry checks, the
extension catalog filter, Key Administrator license plans and GitHub
Marketplace webhooks, with a stable coded answer for every rejection."

# ---- libresale0 --------------------------------------------------------
lib=$out/root/libresale0/usr/lib/$multiarch
install -d "$lib"
install -m 0644 "$rel/libresale.so" "$lib/libresale.so.$version"
# Rust's cdylib has no SONAME; Debian's library naming needs one.
patchelf --set-soname libresale.so.0 "$lib/libresale.so.$version"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$lib/libresale.so.$version"
ln -s "libresale.so.$version" "$lib/libresale.so.0"
docs libresale0
install -d "$out/root/libresale0/DEBIAN"
printf 'libresale 0 libresale0 (>= %s)\n' "$version" >"$out/root/libresale0/DEBIAN/shlibs"
printf 'activate-noawait ldconfig\n' >"$out/root/libresale0/DEBIAN/triggers"
control libresale0 libs same "$(shlibdeps "$lib/libresale.so.$version")" \
  "policy engine for reselling Plesk extensions - shared library" <<EOF2
$long_engine

This package contains the shared library, libresale.so.0, with its C ABI.
EOF2

# ---- libresale-dev -----------------------------------------------------
dev=$out/root/libresale-dev
install -d "$dev/usr/include" "$dev/usr/lib/$multiarch/pkgconfig"
install -m 0644 "$repo/ffi/include/resale.h" "$dev/usr/include/resale.h"
install -m 0644 "$rel/libresale.a" "$dev/usr/lib/$multiarch/libresale.a"
strip --strip-debug --remove-section=.comment "$dev/usr/lib/$multiarch/libresale.a"
ln -s libresale.so.0 "$dev/usr/lib/$multiarch/libresale.so"
sed -e "s|@PREFIX@|/usr|; s|@LIBDIR@|\${prefix}/lib/$multiarch|; s|@INCLUDEDIR@|\${prefix}/include|; s|@VERSION@|$version|" \
  "$repo/ffi/resale.pc.in" >"$dev/usr/lib/$multiarch/pkgconfig/resale.pc"
docs libresale-dev
control libresale-dev libdevel same "libresale0 (= $debver)" \
  "policy engine for reselling Plesk extensions - development files" <<EOF2
$long_engine

This package contains the C header resale.h, the static library and the
pkg-config file: cc shop.c \$(pkg-config --cflags --libs resale).
EOF2

# ---- resale ------------------------------------------------------------
cli=$out/root/resale
install -d "$cli/usr/bin" "$cli/usr/share/man/man1"
install -m 0755 "$rel/resale" "$cli/usr/bin/resale"
strip --remove-section=.comment --remove-section=.note "$cli/usr/bin/resale"
gzip -9n <"$here/resale.1" >"$cli/usr/share/man/man1/resale.1.gz"
docs resale
control resale utils foreign "$(shlibdeps "$cli/usr/bin/resale")" \
  "policy engine for reselling Plesk extensions - command line" <<EOF2
$long_engine

This package contains the resale command: JSON lines in and out, for shell
scripts and shops that call a program (lint, rewrite, check, filter,
panel-ini, license-plan, activation, marketplace).
EOF2

# ---- libnginx-mod-http-resale -----------------------------------------
ngx=$out/root/libnginx-mod-http-resale
install -d "$ngx/usr/lib/nginx/modules" "$ngx/usr/share/nginx/modules-available"
install -m 0644 "$module" "$ngx/usr/lib/nginx/modules/ngx_http_resale_module.so"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$ngx/usr/lib/nginx/modules/ngx_http_resale_module.so"
install -m 0644 "$here/mod-http-resale.conf" "$ngx/usr/share/nginx/modules-available/mod-http-resale.conf"
docs libnginx-mod-http-resale
install -d "$ngx/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "$here/nginx-module.$s" "$ngx/DEBIAN/$s"; done
control libnginx-mod-http-resale httpd foreign "$abi, $(shlibdeps "$ngx/usr/lib/nginx/modules/ngx_http_resale_module.so")" \
  "resale catalog filter and shop gate for Nginx" "Recommends: nginx" <<EOF2
$long_engine

This package contains ngx_http_resale_module for Debian's nginx, with the
engine linked in: resale_policy, resale_catalog_filter (Plesk's extension
catalog filtered as it streams from the upstream) and resale_shop_gate (the
/buy gate redirecting to the shop or answering the coded rejection).
EOF2

rm -rf "$out/root" "$out/shlibdeps"
ls "$out"/*.deb
