#!/usr/bin/env bash
# test_install.sh BUILD_DIR SOURCE_DIR — install uat into a temporary prefix, then build and
# run an outside program against it twice: with pkg-config and with find_package(uat).
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in bin/uat include/uat/mlp.h include/uat/gradcheck.h include/uat/version.h; do
  test -e "$tmp/prefix/$f" || { echo "missing after install: $f"; exit 1; }
done
libdir=$(dirname "$(find "$tmp/prefix" -name 'libuat.so' | head -n 1)")
test -n "$libdir" || { echo "libuat.so not installed"; exit 1; }
"$tmp/prefix/bin/uat" --version | grep -q '^uat '

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -o "$tmp/consumer_pc" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs uat)
"$tmp/consumer_pc"

# find_package(uat)
mkdir -p "$tmp/proj"
cp "$src/tests/install/consumer.c" "$tmp/proj/"
cp "$src/tests/install/CMakeLists.txt.in" "$tmp/proj/CMakeLists.txt"
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/proj/build" >/dev/null
"$tmp/proj/build/consumer"
echo "install test: pkg-config and find_package consumers built and ran"
