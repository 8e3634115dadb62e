#!/usr/bin/env bash
# test_install.sh BUILD_DIR SOURCE_DIR — install uat into a temporary prefix, then build and
# run an outside program against it twice: with pkg-config and with find_package(uat).
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in bin/uat include/uat/mlp.h include/uat/gradcheck.h include/uat/version.h \
         include/uat/sweep.h include/uat/trainers.h include/uat/lbfgs.h; do
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
cc -std=c11 -o "$tmp/engine_pc" "$src/tests/install/engine_consumer.c" \
  $(pkg-config --cflags --libs uat)

# find_package(uat)
mkdir -p "$tmp/proj"
cp "$src/tests/install/consumer.c" "$src/tests/install/engine_consumer.c" "$tmp/proj/"
cp "$src/tests/install/CMakeLists.txt.in" "$tmp/proj/CMakeLists.txt"
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/proj/build" >/dev/null
"$tmp/proj/build/consumer"

# The engine from outside: a fit with every trainer and a small sweep through the public API
# give the same numbers as the installed command line.
printf '[experiment]\nname = outside\n[target s]\nspec = sin(x)\ntrain = 24\n[sweep]\nwidths = 3, 5\ntrainers = lm, adam, lbfgs\nseeds = 0:1\n[train]\nmax_iter = 8\ntest = 51\n' >"$tmp/outside.ini"
for consumer in "$tmp/engine_pc" "$tmp/proj/build/engine_consumer"; do
  rm -rf "$tmp/api" "$tmp/cli"
  "$consumer" "$tmp/outside.ini" "$tmp/api" >"$tmp/api.txt"
  : >"$tmp/cli.txt"
  for tr in $("$tmp/prefix/bin/uat" fit --list-trainers | awk 'NR > 1 { print $1 }'); do
    "$tmp/prefix/bin/uat" fit --target 'sin(x)' --hidden 4 --train 24 --test 51 --trainer "$tr" \
      --max-iter 5 | grep -vE '^(target|layers|act|boost|seed|params|points|train_points|iterations|evaluations|stop|seconds) = ' >>"$tmp/cli.txt"
  done
  [ "$(grep -c '^test_rmse = ' "$tmp/cli.txt")" -ge 7 ] || { echo "install test: uat fit printed no reports"; exit 1; }
  grep -v '^sweep: ' "$tmp/api.txt" | diff "$tmp/cli.txt" - || { echo "install test: the API's fits differ from uat fit"; exit 1; }
  "$tmp/prefix/bin/uat" sweep "$tmp/outside.ini" -o "$tmp/cli" --no-progress >/dev/null
  [ "$(wc -l <"$tmp/api/runs.csv")" -eq 13 ] || { echo "install test: the API's sweep is short"; exit 1; }
  diff <(cut -d, -f1-21 "$tmp/cli/runs.csv") <(cut -d, -f1-21 "$tmp/api/runs.csv") ||
    { echo "install test: the API's sweep differs from uat sweep"; exit 1; }
done
echo "install test: pkg-config and find_package consumers built and ran; the engine API gives uat fit's and uat sweep's numbers"
