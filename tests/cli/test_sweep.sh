#!/usr/bin/env bash
# test_sweep.sh UAT — uat fit, uat eval and uat sweep end to end: a results folder whose CSV
# parses and whose models match a direct `uat fit` bit for bit; a sweep killed part way and
# resumed ends with the same tables as one that ran straight through; malformed experiment
# files are refused with their line numbers and run nothing.
set -uo pipefail
uat=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# fit and eval: varpro takes 1-32-1 on sin below 4e-11 on every one of seeds 0..19
# (median 1e-12; docs/precision.md), so 1e-10 holds with margin
out=$("$uat" fit --target 'sin(x)' --domain x=-pi:pi --layers 1,32,1 --trainer varpro --seed 0 -o "$tmp/sin.txt")
rmse=$(sed -n 's/^test_rmse = //p' <<<"$out")
awk -v r="$rmse" 'BEGIN { exit !(r < 1e-10) }' && ok || bad "fit sin varpro: test_rmse $rmse"
grep -q '^stop = ' <<<"$out" && grep -q '^y.linf = ' <<<"$out" && grep -q '^y.deriv_l2_rel = ' <<<"$out" && ok || bad "fit report: $out"
eval_rmse=$("$uat" eval --model "$tmp/sin.txt" --target 'sin(x)' --domain x=-pi:pi | sed -n 's/^test_rmse = //p')
[ "$eval_rmse" = "$rmse" ] && ok || bad "eval $eval_rmse vs fit $rmse"
"$uat" fit --target 'sin(x' --domain x=0:1 2>"$tmp/e1"; [ $? -eq 2 ] && grep -q "'sin(x': 1:6: expected ')'" "$tmp/e1" && ok || bad "fit bad target: $(cat "$tmp/e1")"
"$uat" fit --target 'sin(x)' --layers 2,8,1 2>"$tmp/e2"; [ $? -eq 2 ] && grep -q 'has 1 inputs and 1 outputs' "$tmp/e2" && ok || bad "fit layers: $(cat "$tmp/e2")"
"$uat" eval --model "$tmp/sin.txt" --target 'x*y' --domain x=0:1,y=0:1 2>"$tmp/e3"; [ $? -eq 1 ] && grep -q 'has 1 inputs' "$tmp/e3" && ok || bad "eval mismatch: $(cat "$tmp/e3")"

# a learned Lotka-Volterra field integrated again keeps the invariant (to 1e-5 over 3 periods)
out=$("$uat" fit --target ode:lotka-volterra:field --hidden 32 --trainer varpro --max-iter 200 --train 400 --rollout 0:15:301)
drift=$(sed -n 's/^rollout_invariant_drift = //p' <<<"$out")
awk -v d="$drift" 'BEGIN { exit !(d < 1e-5) }' && ok || bad "rollout drift $drift"
"$uat" fit --target 'sin(x)' --max-iter 5 --rollout 0:1:5 >/dev/null 2>"$tmp/e7"; [ $? -eq 1 ] && grep -q 'rollout: needs an ode:SYSTEM:field target' "$tmp/e7" && ok || bad "rollout on a non-field: $(cat "$tmp/e7")"

# a small experiment
cat >"$tmp/exp.ini" <<'INI'
[experiment]
name = small
description = two targets, two widths, two seeds

[target sin]
spec = sin(x)
domain = x=-pi:pi
train = 64

[target field]
spec = ode:lotka-volterra:field
train = 100
rollout = 0:5:51

[sweep]
widths = 4, 8
trainers = lm
seeds = 0:1

[train]
max_iter = 40
INI
"$uat" sweep "$tmp/exp.ini" -o "$tmp/r1" --no-progress >/dev/null && ok || bad "sweep"
for f in runs.csv summary.md summary.tex scaling.csv meta.json models/run_00007.txt; do
  [ -s "$tmp/r1/$f" ] && ok || bad "missing $f"
done
[ "$(wc -l <"$tmp/r1/runs.csv")" -eq 9 ] && ok || bad "runs.csv rows"
# summary.tex compiles in a standard article with booktabs and graphicx, without overfull boxes,
# and its tables have captions and labels; summary.md counts the runs at the iteration cap
printf '\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{graphicx}\n\\begin{document}\n\\input{summary}\n\\end{document}\n' >"$tmp/r1/paper.tex"
(cd "$tmp/r1" && pdflatex -interaction=nonstopmode -halt-on-error paper.tex >/dev/null 2>&1) &&
  [ -s "$tmp/r1/paper.pdf" ] && ok || bad "summary.tex does not compile: $(grep -m3 '^!' "$tmp/r1/paper.log")"
grep -q 'Overfull' "$tmp/r1/paper.log" && bad "summary.tex overflows the page" || ok
[ "$(grep -c "label{tab:small-" "$tmp/r1/summary.tex")" -eq 2 ] && ok || bad "summary.tex labels"
grep -q 'at iteration cap' "$tmp/r1/summary.md" && ok || bad "summary.md lacks the iteration cap count"
# the rollout data: t, the true and learned states, and their relative difference, which is the
# max-norm difference over the max norm of the truth (checked here from the columns)
head -n 1 "$tmp/r1/rollout_field_data.csv" | grep -qx 't,x_true,y_true,x_learned,y_learned,rel_error' && ok ||
  bad "rollout data header: $(head -n 1 "$tmp/r1/rollout_field_data.csv")"
awk -F, 'NR > 1 { d = $4 - $2; if (d < 0) d = -d; e = $5 - $3; if (e < 0) e = -e; if (e > d) d = e;
  s = $2 < 0 ? -$2 : $2; t = $3 < 0 ? -$3 : $3; if (t > s) s = t;
  r = d / s; if (r - $6 > 1e-12 * (r + 1e-300) || $6 - r > 1e-12 * (r + 1e-300)) bad = 1 } END { exit bad }' \
  "$tmp/r1/rollout_field_data.csv" && ok || bad "rollout rel_error column"
# every row has 24 fields and finite errors
awk -F, 'NR > 1 && (NF != 24 || $9 != "ok" || !($14 + 0 > 0)) { bad = 1 } END { exit bad }' "$tmp/r1/runs.csv" && ok || bad "runs.csv content"
# provenance: the experiment file's SHA-256 (checked against sha256sum), the command line, the
# build's commit and compiler
sha=$(sha256sum "$tmp/exp.ini" | cut -d" " -f1)
grep -q "\"experiment_sha256\": \"$sha\"" "$tmp/r1/meta.json" && ok || bad "meta.json sha256"
for key in command_line git_commit compiler cflags kernels cpu; do
  grep -q "\"$key\": \"..*\"" "$tmp/r1/meta.json" && ok || bad "meta.json lacks $key"
done
grep -q '\\toprule' "$tmp/r1/summary.tex" && ok || bad "summary.tex"
# run 3 is sin, width 8, seed 1: the same as a direct uat fit, bit for bit
"$uat" fit --target 'sin(x)' --domain x=-pi:pi --train 64 --hidden 8 --trainer lm --max-iter 40 --seed 1 -o "$tmp/direct.txt" >/dev/null
cmp -s "$tmp/direct.txt" "$tmp/r1/models/run_00003.txt" && ok || bad "sweep model differs from uat fit"
# one process or several: the same tables and the same models
"$uat" sweep "$tmp/exp.ini" -o "$tmp/r4" --jobs 1 --no-progress >/dev/null && ok || bad "sweep --jobs 1"
for f in summary.md summary.tex scaling.csv models/run_00000.txt models/run_00007.txt; do
  cmp -s "$tmp/r1/$f" "$tmp/r4/$f" && ok || bad "$f differs between --jobs 1 and the default"
done
# a second sweep into the same folder is refused
"$uat" sweep "$tmp/exp.ini" -o "$tmp/r1" --no-progress 2>"$tmp/e4"; [ $? -eq 1 ] && grep -q 'continue it with --resume' "$tmp/e4" && ok || bad "overwrite refused"

# killed part way, then resumed: the same tables (seconds differ, so that column is dropped)
"$uat" sweep "$tmp/exp.ini" -o "$tmp/r2" --no-progress >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  [ -f "$tmp/r2/runs.csv" ] && [ "$(wc -l <"$tmp/r2/runs.csv")" -ge 3 ] && break
  sleep 0.01
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rows=$(wc -l <"$tmp/r2/runs.csv")
"$uat" sweep "$tmp/exp.ini" -o "$tmp/r2" --resume --no-progress >/dev/null && ok || bad "resume"
for f in summary.md summary.tex scaling.csv; do
  cmp -s "$tmp/r1/$f" "$tmp/r2/$f" && ok || bad "$f differs after resume (killed at $rows lines)"
done
cut -d, -f1-21 "$tmp/r1/runs.csv" >"$tmp/a.csv"
cut -d, -f1-21 "$tmp/r2/runs.csv" >"$tmp/b.csv"
cmp -s "$tmp/a.csv" "$tmp/b.csv" && ok || bad "runs.csv differs after resume"
ls "$tmp/r2" | grep -q '\.tmp\.' && bad "temporary files left" || ok

# SIGKILL of the whole process group (the sweep and its workers) at five points, each followed
# by --resume: always the same rows as the sweep that ran straight through
for k in 1 2 3 4 5; do
  d="$tmp/pg$k"
  setsid "$uat" sweep "$tmp/exp.ini" -o "$d" --no-progress --jobs 2 >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 500); do
    [ -f "$d/runs.csv" ] && [ "$(wc -l <"$d/runs.csv")" -gt "$k" ] && break
    sleep 0.01
  done
  kill -9 -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  "$uat" sweep "$tmp/exp.ini" -o "$d" --resume --no-progress >/dev/null 2>&1 && ok || bad "resume after group kill $k"
  cut -d, -f1-21 "$d/runs.csv" >"$tmp/g.csv"
  cmp -s "$tmp/a.csv" "$tmp/g.csv" && ok || bad "runs.csv differs after group kill $k"
done

# SIGINT and SIGTERM: the sweep stops after the row in hand, says how to resume, exits 130 or
# 143, and the resumed sweep ends with the same rows
for sig in INT TERM; do
  d="$tmp/sig$sig"
  "$uat" sweep "$tmp/exp.ini" -o "$d" --no-progress --jobs 1 >/dev/null 2>"$tmp/sig.err" &
  pid=$!
  for _ in $(seq 1 500); do
    [ -f "$d/runs.csv" ] && [ "$(wc -l <"$d/runs.csv")" -ge 3 ] && break
    sleep 0.01
  done
  kill -s "$sig" "$pid"
  wait "$pid"
  st=$?
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  [ "$st" -eq "$want" ] && grep -q -- "--resume" "$tmp/sig.err" && ok || bad "SIG$sig: exit $st: $(cat "$tmp/sig.err")"
  "$uat" sweep "$tmp/exp.ini" -o "$d" --resume --no-progress >/dev/null && ok || bad "resume after SIG$sig"
  cut -d, -f1-21 "$d/runs.csv" >"$tmp/c.csv"
  cmp -s "$tmp/a.csv" "$tmp/c.csv" && ok || bad "runs.csv differs after SIG$sig and resume"
done

# malformed experiment files: file:line, and nothing run
printf '[sweep]\nwidths = 4, x\n' >"$tmp/bad1.ini"
"$uat" sweep "$tmp/bad1.ini" -o "$tmp/r3" 2>"$tmp/e5"; [ $? -eq 1 ] && grep -q "bad1.ini:2: expected integers from 1 to 16777216, found 'x'" "$tmp/e5" && ok || bad "bad1: $(cat "$tmp/e5")"
[ ! -e "$tmp/r3" ] && ok || bad "a results folder for a malformed file"
printf '[target a]\nspec = sin(x)\n[sweep]\nwidths = 4\nseeds = 0\n[train]\nmax_iters = 5\n' >"$tmp/bad2.ini"
"$uat" sweep "$tmp/bad2.ini" -o "$tmp/r3" 2>"$tmp/e6"; [ $? -eq 1 ] && grep -q "bad2.ini:7: unknown key 'max_iters' in \[train\]" "$tmp/e6" && ok || bad "bad2: $(cat "$tmp/e6")"

# --resume with an edited experiment file is refused: the rows of two experiments never mix
[ -s "$tmp/r1/experiment.ini" ] && ok || bad "the results folder keeps experiment.ini"
sed 's/widths = 4, 8/widths = 4, 16/' "$tmp/exp.ini" >"$tmp/edited.ini"
"$uat" sweep "$tmp/edited.ini" -o "$tmp/r1" --resume --no-progress 2>"$tmp/e9"; st=$?
[ $st -eq 1 ] && grep -q 'line [0-9]* differs' "$tmp/e9" && ok || bad "resume edited: $st $(cat "$tmp/e9")"

echo "sweep: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
