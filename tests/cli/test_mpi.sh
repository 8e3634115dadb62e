#!/usr/bin/env bash
# test_mpi.sh UAT — `mpirun -np K uat sweep` gives the serial run's results: runs.csv (but the
# seconds) and every model file byte for byte; a diverging run is recorded the same way; a rank
# killed mid-sweep loses only its cell in flight and --resume completes the same results.
# Skipped, with a message, when uat is built without MPI or mpirun is missing.
set -u
uat=$1
if ! "$uat" --version | grep -q '^mpi yes' || ! command -v mpirun >/dev/null; then
  echo "test_mpi: skipped (uat built without MPI, or no mpirun: apt-get install libopenmpi-dev openmpi-bin)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
mpi() { mpirun --allow-run-as-root --oversubscribe -np "$@"; }
same() { # same RESULTS_A RESULTS_B: runs.csv but the seconds, and every model file
  diff <(cut -d, -f1-23 "$1/runs.csv") <(cut -d, -f1-23 "$2/runs.csv") >/dev/null &&
    diff -r "$1/models" "$2/models" >/dev/null
}

cat >"$tmp/e.ini" <<'INI'
[experiment]
name = mpi
[target s]
spec = sin(x)
train = 48
[target c]
spec = cos(x)
train = 48
[sweep]
widths = 2, 4, 8
trainers = lm, adam, lbfgs
seeds = 0:2
[train]
max_iter = 60
test = 101
INI
"$uat" sweep "$tmp/e.ini" -o "$tmp/serial" --no-progress --jobs 1 >/dev/null && ok || bad "serial sweep"
for k in 2 3; do
  mpi "$k" "$uat" sweep "$tmp/e.ini" -o "$tmp/mpi$k" --no-progress >/dev/null 2>"$tmp/err$k" &&
    ok || bad "mpirun -np $k: $(cat "$tmp/err$k")"
  same "$tmp/serial" "$tmp/mpi$k" && ok || bad "mpirun -np $k differs from the serial run"
  grep -q "\"ranks\": $k" "$tmp/mpi$k/meta.json" && ok || bad "meta.json lacks ranks $k"
done

# diverging runs (SGD with a learning rate of 1e6) are recorded as diverged, as in serial
cat >"$tmp/d.ini" <<'INI'
[experiment]
name = div
[target s]
spec = sin(x)
train = 32
[sweep]
widths = 4, 8
trainers = adam, sgd
seeds = 0:1
[train]
max_iter = 200
lr = 1e6
normalise = no
INI
"$uat" sweep "$tmp/d.ini" -o "$tmp/dserial" --no-progress --jobs 1 >/dev/null 2>&1
mpi 3 "$uat" sweep "$tmp/d.ini" -o "$tmp/dmpi" --no-progress >/dev/null 2>&1
grep -q ',diverged,' "$tmp/dmpi/runs.csv" && ok || bad "no diverged run under MPI"
same "$tmp/dserial" "$tmp/dmpi" && ok || bad "diverging sweep: MPI differs from serial"

# a rank killed mid-sweep: the job ends, the recorded rows stay; --resume completes the sweep
cat >"$tmp/k.ini" <<'INI'
[experiment]
name = kill
[target s]
spec = sin(x)
train = 128
[sweep]
widths = 8, 16, 24, 32
trainers = lm
seeds = 0:9
[train]
max_iter = 300
INI
"$uat" sweep "$tmp/k.ini" -o "$tmp/kserial" --no-progress --jobs 1 >/dev/null && ok || bad "serial kill sweep"
mpi 3 "$uat" sweep "$tmp/k.ini" -o "$tmp/kmpi" --no-progress >/dev/null 2>&1 &
job=$!
victim=""
for _ in $(seq 300); do # wait for some rows, then kill rank 1 (as soon as it is found)
  sleep 0.1
  [ -f "$tmp/kmpi/runs.csv" ] && [ "$(wc -l <"$tmp/kmpi/runs.csv")" -ge 3 ] || continue
  for pid in $(pgrep -f "sweep $tmp/k.ini"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$pid
  done
  [ -n "$victim" ] && break
done
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"
killed=$?
rows=$(($(wc -l <"$tmp/kmpi/runs.csv") - 1))
[ -n "$victim" ] && [ "$killed" -ne 0 ] && [ "$rows" -lt 40 ] && ok ||
  bad "killing rank 1 (pid ${victim:-none}) did not stop the job early (status $killed, $rows rows)"
mpi 3 "$uat" sweep "$tmp/k.ini" -o "$tmp/kmpi" --resume --no-progress >/dev/null 2>"$tmp/kerr" &&
  ok || bad "--resume under MPI: $(cat "$tmp/kerr")"
same "$tmp/kserial" "$tmp/kmpi" && ok || bad "the resumed MPI sweep differs from the serial run"

echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
