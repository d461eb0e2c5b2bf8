#!/usr/bin/env bash
# Builds the C ABI library and runs the C tests against it: linked against
# the shared and the static library, under valgrind, and under clang's
# AddressSanitizer + UndefinedBehaviorSanitizer. Warnings are errors.
#
#   ffi/tests/run.sh            # everything
#   ffi/tests/run.sh quick      # shared + static only
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/target/ffi-tests
mkdir -p "$out" target/vector-counts
fixture=tests/fixtures/packages.json

cargo build --release -p resale-ffi --quiet
lib=$root/target/release
WARN=(-std=c11 -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes -O1 -g)
CFLAGS=("${WARN[@]}" -Iffi/include -Iffi/tests)
support=(ffi/tests/support/json.c)
# What the static library needs from the system (rustc --print native-static-libs).
static_libs=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)

run() { echo "+ $*" >&2; "$@"; }

for t in api vectors threads; do
  run cc "${CFLAGS[@]}" -o "$out/$t-shared" "ffi/tests/$t.c" "${support[@]}" -L"$lib" -Wl,-rpath,"$lib" -lresale -lpthread
  run cc "${CFLAGS[@]}" -o "$out/$t-static" "ffi/tests/$t.c" "${support[@]}" "$lib/libresale.a" "${static_libs[@]}"
done

args_api=("$fixture")
args_vectors=(tests/vectors)
args_threads=("$fixture")

echo "== C tests, shared library"
"$out/api-shared" "${args_api[@]}"
"$out/vectors-shared" "${args_vectors[@]}" target/vector-counts/c-abi.txt
"$out/threads-shared" "${args_threads[@]}"
echo "== C tests, static library"
"$out/api-static" "${args_api[@]}"
"$out/vectors-static" "${args_vectors[@]}"
"$out/threads-static" "${args_threads[@]}"

echo "== make install + pkg-config: a program built from the installed files"
prefix=$out/prefix
rm -rf "$prefix"
make --no-print-directory -s install PREFIX="$prefix" >/dev/null
PKG_CONFIG_PATH=$prefix/lib/pkgconfig run cc "${WARN[@]}" -Iffi/tests -o "$out/api-installed" ffi/tests/api.c "${support[@]}" \
  $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs resale) -Wl,-rpath,"$prefix/lib" -lpthread
"$out/api-installed" "${args_api[@]}"

[ "${1:-}" = quick ] && exit 0

echo "== C tests under valgrind (memcheck, leaks are errors)"
vg=(valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible)
run "${vg[@]}" "$out/api-static" "${args_api[@]}"
run "${vg[@]}" "$out/vectors-static" "${args_vectors[@]}"
run "${vg[@]}" "$out/threads-static" "${args_threads[@]}"

echo "== C tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
for t in api vectors threads; do
  run clang "${CFLAGS[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -o "$out/$t-asan" "ffi/tests/$t.c" "${support[@]}" "$lib/libresale.a" "${static_libs[@]}"
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$out/api-asan" "${args_api[@]}"
"$out/vectors-asan" "${args_vectors[@]}"
"$out/threads-asan" "${args_threads[@]}"
echo "C tests: all green"
