#!/usr/bin/env bash
# deps.sh [--dev] — install the Debian packages uat needs, only those missing (idempotent; as
# root). --dev adds the static-analysis and formatting tools.
set -euo pipefail
# libfann-dev: the peer in bench/bench_core; python3: scripts/check-docs (standard library only);
# python3-numpy, python3-pytest: the Python package (python/uat) and its tests;
# texlive: the test that summary.tex compiles in an article; OpenMPI: mpirun -np K uat sweep
packages=(gcc make cmake pkg-config libgsl-dev libsundials-dev libcmocka-dev libinih-dev
          gnuplot-nox libfann-dev python3 python3-numpy python3-pytest texlive-latex-base texlive-latex-recommended
          libopenmpi-dev openmpi-bin)
[ "${1:-}" = "--dev" ] && packages+=(cppcheck clang-tidy clang-format valgrind clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: run as root to install Debian packages (missing: ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
