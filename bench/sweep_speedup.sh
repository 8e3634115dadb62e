#!/usr/bin/env bash
# sweep_speedup.sh [EXPERIMENT.ini] — one sweep (default the flagship) serially, with --jobs 2,
# and under mpirun with 2 and 3 ranks (rank 0 only schedules and records), one after the other
# in one run; prints the wall times and the speed-ups over serial, checks that every results
# folder has the serial run's runs.csv (but the seconds), then the cost model against the
# serial run (bench_schedule). Never part of the tests; results in docs/cluster.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ini=${1:-examples/lotka_volterra.ini}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # NAME COMMAND...: wall seconds of COMMAND
  local name=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$tmp/$name.err"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
mpi=(mpirun --allow-run-as-root --oversubscribe -np)
t1=$(run serial build/uat sweep "$ini" -o "$tmp/serial" --no-progress --jobs 1)
t2=$(run jobs2 build/uat sweep "$ini" -o "$tmp/jobs2" --no-progress --jobs 2)
t3=$(run mpi2 "${mpi[@]}" 2 build/uat sweep "$ini" -o "$tmp/mpi2" --no-progress)
t4=$(run mpi3 "${mpi[@]}" 3 build/uat sweep "$ini" -o "$tmp/mpi3" --no-progress)
printf '%-22s %8s %8s\n' "sweep of $(basename "$ini")" seconds speed-up
for pair in "serial (--jobs 1):$t1" "--jobs 2:$t2" "mpirun -np 2:$t3" "mpirun -np 3:$t4"; do
  name=${pair%%:*} t=${pair##*:}
  printf '%-22s %8.2f %8.2f\n' "$name" "$t" "$(echo "$t1 / $t" | bc -l)"
done
for d in jobs2 mpi2 mpi3; do
  diff -q <(cut -d, -f1-23 "$tmp/serial/runs.csv") <(cut -d, -f1-23 "$tmp/$d/runs.csv") >/dev/null ||
    { echo "$d: runs.csv differs from the serial run"; exit 1; }
done
echo "runs.csv (but the seconds) identical in all four"
build/bin/bench_schedule "$tmp/serial" "$ini"
