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
for f in share/man/man1/uat.1 share/bash-completion/completions/uat share/doc/uat/README.md \
         share/doc/uat/docs/library.md; do
  test -e "$tmp/prefix/$f" || { echo "missing after install: $f"; exit 1; }
done
# the manual page renders without warnings
if command -v groff >/dev/null; then
  [ -z "$(groff -man -Tutf8 -ww "$tmp/prefix/share/man/man1/uat.1" 2>&1 >/dev/null)" ] ||
    { echo "install test: uat.1 has groff warnings"; exit 1; }
fi
# bash completion: commands, options from --help, trainers from the table
comp() {
  PATH="$tmp/prefix/bin:$PATH" bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _uat; echo "${COMPREPLY[*]}"' _ \
    "$tmp/prefix/share/bash-completion/completions/uat" "$@"
}
[ "$(comp uat sw)" = "sweep" ] || { echo "install test: completion of 'uat sw': $(comp uat sw)"; exit 1; }
[ "$(comp uat fit --list-tr)" = "--list-trainers" ] || { echo "install test: completion of --list-tr"; exit 1; }
[ "$(comp uat fit --trainer l)" = "lbfgs lm lms" ] || { echo "install test: trainer completion: $(comp uat fit --trainer l)"; exit 1; }
[ "$(comp uat ode lotka)" = "lotka-volterra" ] || { echo "install test: system completion"; exit 1; }
libdir=$(dirname "$(find "$tmp/prefix" -name 'libuat.so' | head -n 1)")
test -n "$libdir" || { echo "libuat.so not installed"; exit 1; }
"$tmp/prefix/bin/uat" --version | grep -q '^uat '

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
# uat.pc names no run path (a packaged library is found by the loader's own paths): a program
# built against a private prefix passes its own
cc -std=c11 -o "$tmp/consumer_pc" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs uat) -Wl,-rpath,"$libdir"
"$tmp/consumer_pc"
cc -std=c11 -o "$tmp/engine_pc" "$src/tests/install/engine_consumer.c" \
  $(pkg-config --cflags --libs uat) -Wl,-rpath,"$libdir"
pkg-config --libs uat | grep -q rpath && { echo "install test: uat.pc has a run path"; exit 1; }
grep -q '/usr/lib' "$libdir/cmake/uat/uatTargets.cmake" &&
  { echo "install test: the CMake package hard-codes a library path"; exit 1; }

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
  for tr in $("$tmp/prefix/bin/uat" fit --list-trainers | awk 'NR > 1 && $1 != "perceptron" && $1 != "lms" { print $1 }'); do
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
