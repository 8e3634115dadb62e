#!/usr/bin/env bash
# build.sh [DIR [CMAKE OPTIONS...]] — configure and build uat (Release by default) in DIR
# (default build/). Warnings are errors when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
werror=OFF
[ -n "${CI:-}" ] && werror=ON
cmake -S . -B "$dir" -DUAT_WERROR="$werror" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
