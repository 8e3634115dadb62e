#!/usr/bin/env bash
# python.sh BUILD_DIR — the Python package's tests (python/tests) against this build's
# libraries and uat program; skipped (exit 77) with a message when Debian's python3 lacks
# numpy or pytest.
set -u
py=/usr/bin/python3
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! [ -x "$py" ] || ! "$py" -c 'import numpy, pytest' 2>/dev/null; then
  echo "python: skipped: $py with numpy and pytest not found (apt-get install python3-numpy python3-pytest)"
  exit 77
fi
export UAT_LIB_DIR="$1/lib" UAT_EXE="$1/uat"
exec "$py" -m pytest -q -p no:cacheprovider "$root/python/tests"
