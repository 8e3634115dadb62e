#!/usr/bin/env bash
# run.sh UAT — the hostile-input corpus (tests/bad_inputs/cases): every case must end with its
# exit status and its message, and nothing may crash (under the sanitizers a memory error exits
# with another status).
set -uo pipefail
uat=$1
here=$(cd "$(dirname "$0")" && pwd)
IN="$here/files"
pass=0
fail=0
while IFS=$'\t' read -r want message args; do
  case "$want" in '#'* | '') continue ;; esac
  OUT=$(mktemp -d)
  ln -s /nonexistent/uat/file "$OUT/dangling"
  export IN OUT
  out=$(eval "\"\$uat\" $args" 2>&1)
  status=$?
  if [ "$status" -eq "$want" ] && grep -qF -- "$message" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: uat $args: exit $status (expected $want): $(head -c 300 <<<"$out")"
  fi
  rm -rf "$OUT"
done <"$here/cases"
echo "bad_inputs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
