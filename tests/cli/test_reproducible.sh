#!/usr/bin/env bash
# test_reproducible.sh UAT — the same bits whatever kernels the machine picks.
#
# Runs fits with every trainer, a small sweep, the XOR experiment and an ODE solve under every
# kernel set this CPU can run (UAT_KERNEL=generic, avx2, avx512: uat's own products and
# activations, uat/kernels.h) crossed with OPENBLAS_CORETYPE=Prescott, Haswell and SkylakeX
# (which would change OpenBLAS's results, were it linked: cmake/Dependencies.cmake), and
# compares every output byte with the first combination's. Only timing columns and lines
# (seconds) are left out.
set -uo pipefail
uat=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

cat >"$tmp/exp.ini" <<'INI'
[experiment]
name = small
[target sin]
spec = sin(x)
domain = x=-pi:pi
train = 64
[target field]
spec = ode:lotka-volterra:field
train = 100
[sweep]
widths = 4, 8
trainers = varpro, adam
seeds = 0:1
[train]
max_iter = 40
INI

# Everything one combination produces, in folder $1, seconds removed.
produce() {
  local d=$1
  mkdir -p "$d"
  for t in adam sgd rprop lbfgs lm varpro; do
    "$uat" fit --target 'sin(x)*exp(-x/3)' --domain x=-2:2 --layers 1,12,1 --trainer "$t" \
      --max-iter 60 --train 64 --seed 7 -o "$d/fit_$t.txt" | grep -v '^seconds' >"$d/fit_$t.out"
  done
  "$uat" fit --target 'x*y' --domain x=-1:1,y=-1:1 --hidden 6,6 --act sigmoid --trainer lm \
    --max-iter 20 --train 100 --seed 3 -o "$d/fit_2d.txt" | grep -v '^seconds' >"$d/fit_2d.out"
  "$uat" sweep "$tmp/exp.ini" -o "$d/sweep" --no-progress --jobs 1 >/dev/null
  # runs.csv without its last column (seconds); meta.json records the machine and the date
  sed 's/,[^,]*$//' "$d/sweep/runs.csv" >"$d/sweep_runs.csv"
  rm -f "$d/sweep/runs.csv" "$d/sweep/meta.json" "$d/sweep/"*.png "$d/sweep/"*.svg
  "$uat" xor --seeds 0:299 --format csv >"$d/xor.csv"
  "$uat" ode lotka-volterra --t 0:10:101 -o "$d/ode.csv" >/dev/null
}

combos=()
for k in generic avx2 avx512; do
  for c in Prescott Haswell SkylakeX; do combos+=("$k:$c"); done
done

ref=""
for kc in "${combos[@]}"; do
  k=${kc%%:*}
  c=${kc##*:}
  # a kernel set the CPU cannot run falls back to the widest it can: skip it
  if ! UAT_KERNEL=$k "$uat" --version | grep -q "^kernels $k "; then continue; fi
  # the same output path every time: plot scripts name their files
  d="$tmp/$k-$c"
  UAT_KERNEL=$k OPENBLAS_CORETYPE=$c produce "$tmp/out"
  mv "$tmp/out" "$d"
  if [ -z "$ref" ]; then
    ref=$d
    continue
  fi
  if diff -r "$ref" "$d" >"$tmp/diff" 2>&1; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: UAT_KERNEL=$k OPENBLAS_CORETYPE=$c differs from $(basename "$ref"):"
    head -n 20 "$tmp/diff"
  fi
done
[ -n "$ref" ] && [ "$(ls "$ref" | wc -l)" -ge 10 ] && pass=$((pass + 1)) || {
  fail=$((fail + 1))
  echo "FAIL: no outputs"
}
echo "reproducible: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
