#!/usr/bin/env bash
# test_cli.sh UAT — the uat command end to end: help, versions, exit codes, error messages,
# atomic outputs, and `uat predict` against values known exactly.
set -uo pipefail
uat=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS PATTERN -- ARGS...: exit status and a pattern in stdout+stderr
expect() {
  local want=$1 pattern=$2
  shift 3
  local out status
  out=$("$uat" "$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want" ]; then
    bad "uat $* exited $status, expected $want: $out"
  elif ! grep -qE -- "$pattern" <<<"$out"; then
    bad "uat $*: output lacks /$pattern/: $out"
  else
    ok
  fi
}

expect 0 '^usage: uat COMMAND' -- --help
expect 0 '^uat [0-9]+\.[0-9]+\.[0-9]+' -- --version
expect 0 'cblas_dgemm from .*libgslcblas' -- --version
expect 0 'kernels (generic|avx2|avx512) ' -- --version
expect 2 '^usage' --
expect 2 "unknown command 'frobnicate'" -- frobnicate
for cmd in xor predict ode sym gradcheck fit eval sweep; do
  expect 0 "^usage: uat $cmd" -- "$cmd" --help
done

# xor: bad flags say what was expected and exit 2
expect 2 "seeds: expected A:B with A <= B, found '5:3'" -- xor --seeds 5:3
expect 2 "format: expected text, csv or md, found 'xml'" -- xor --format xml
expect 2 "unknown configuration 'tf'" -- xor --config tf
expect 2 "lr: expected a positive number, found '-1'" -- xor --lr -1
expect 2 "epochs: expected an integer from 1 to 1000000000000, found '0'" -- xor --epochs 0
expect 2 "--act: expected one of identity, sigmoid, tanh, relu, softplus, sin, step, softmax, found 'swish'" -- xor --act swish
expect 2 "init: expected RULE" -- xor --init lecun
expect 2 "unexpected argument 'extra'" -- xor extra

# xor csv: the header names its columns; the keras neuron never solves XOR
out=$("$uat" xor --seeds 0:19 --format csv 2>/dev/null)
head -n 1 <<<"$out" | grep -q 'solved_fraction,strict_solved,strict_solved_fraction' && ok ||
  bad "csv header: $(head -n 1 <<<"$out")"
[ "$(wc -l <<<"$out")" -eq 7 ] && ok || bad "csv rows: $out"
grep -q '^keras,2-1 identity,xavier,bce,adam,0.001,20,0,19,20,0,0.000000,0,' <<<"$out" && ok ||
  bad "keras row: $out"

# -o and --runs write whole files; a failing output path leaves nothing behind
"$uat" xor --config torch --seeds 0:4 -o "$tmp/report.md" --format md --runs "$tmp/runs.csv" &&
  ok || bad "xor -o"
grep -q '^| torch | 2-2-1 sigmoid/identity' "$tmp/report.md" && ok || bad "md report"
[ "$(wc -l <"$tmp/runs.csv")" -eq 6 ] && ok || bad "runs.csv rows"
expect 1 'cannot create' -- xor --seeds 0:1 -o "$tmp/missing/dir/report.txt"
expect 1 'cannot create' -- xor --seeds 0:1 -o "$tmp/r2.txt" --runs "$tmp/missing/runs.csv"
[ ! -e "$tmp/r2.txt" ] && ok || bad "report written although --runs failed"
ls "$tmp" | grep -q '\.tmp\.' && bad "temporary files left: $(ls "$tmp")" || ok

# predict: y = 2 x1 - 0.25 x2 + 0.5 is exact in binary, so the outputs are known exactly
cat >"$tmp/lin.txt" <<'M'
uat-model 1
sizes 2 1
activations identity
params 3
2
-0.25
0.5
end
M
printf 'x1,x2\n1.5,4\n-2,0\n' >"$tmp/in.csv"
expect 0 '' -- predict --model "$tmp/lin.txt" --input "$tmp/in.csv" -o "$tmp/out.csv"
[ "$(cat "$tmp/out.csv")" = "$(printf 'y1\n2.5\n-3.5')" ] && ok || bad "predict: $(cat "$tmp/out.csv")"
expect 0 '^y1$' -- predict --model "$tmp/lin.txt" --input "$tmp/in.csv"
printf '1,2,3\n' >"$tmp/wide.csv"
expect 1 'expected 2 input columns' -- predict --model "$tmp/lin.txt" --input "$tmp/wide.csv"
printf '1,2\n3,oops\n' >"$tmp/badnum.csv"
expect 1 "badnum.csv:2:3: expected a number, found 'oops'" -- predict --model "$tmp/lin.txt" --input "$tmp/badnum.csv"
sed 's/^-0.25$/-0.2.5/' "$tmp/lin.txt" >"$tmp/badmodel.txt"
expect 1 'badmodel.txt:6:1: expected a finite number' -- predict --model "$tmp/badmodel.txt" --input "$tmp/in.csv" -o "$tmp/never.csv"
[ ! -e "$tmp/never.csv" ] && ok || bad "output written for a bad model"
expect 2 'expected --model M --input X.csv' -- predict --model "$tmp/lin.txt"

# a network trained by `uat xor` and saved predicts, after loading, exactly the outputs the
# xor run reported for it (17 digits both ways, so bit for bit)
"$uat" xor --config torch --seeds 7 --save-model "$tmp/xor.txt" --runs "$tmp/xor_runs.csv" >/dev/null &&
  ok || bad "xor --save-model"
printf '0,0\n0,1\n1,0\n1,1\n' >"$tmp/xor_in.csv"
"$uat" predict --model "$tmp/xor.txt" --input "$tmp/xor_in.csv" -o "$tmp/xor_out.csv" && ok || bad "predict xor"
want=$(tail -n 1 "$tmp/xor_runs.csv" | cut -d, -f9-12 | tr , '\n')
[ "$(tail -n +2 "$tmp/xor_out.csv")" = "$want" ] && ok || bad "predict differs from xor: $want"
# ... and those outputs are the network's, computed independently here from the model file's
# parameters (2-2-1: sigmoid hidden, linear output; awk's exp), to 1e-12 of the outputs' scale 1
# (an output near 0 is a difference of O(1) terms)
awk '/^params/ { on = 1; next } /^end/ { on = 0 } on && !/^#/ { p[n++] = $1 }
  END { if (n != 9) exit 1
    for (i = 0; i < 4; i++) { x1 = int(i / 2); x2 = i % 2
      h1 = 1 / (1 + exp(-(p[0] * x1 + p[1] * x2 + p[4]))); h2 = 1 / (1 + exp(-(p[2] * x1 + p[3] * x2 + p[5])))
      printf "%.17g\n", p[6] * h1 + p[7] * h2 + p[8] } }' "$tmp/xor.txt" >"$tmp/xor_ref.txt" &&
  paste -d, "$tmp/xor_ref.txt" <(tail -n +2 "$tmp/xor_out.csv") |
  awk -F, '{ d = $1 - $2; if (d < 0) d = -d; s = $1 < 0 ? -$1 : $1; if (d > 1e-12 * (s + 1)) bad = 1 } END { exit bad || NR != 4 }' &&
  ok || bad "predict's outputs are not the network's: $(cat "$tmp/xor_ref.txt" | tr '\n' ' ')"
expect 2 'save-model: expected one --config and one seed' -- xor --save-model "$tmp/m.txt"

# ode: the catalogue, bad flags, failures with the time reached
expect 0 "x' = alpha\*x - beta\*x\*y" -- ode --list
expect 0 'invariant: V = delta' -- ode --list
expect 2 "unknown system 'lv'" -- ode lv
expect 2 "lotka-volterra has no parameter 'eps' \(it has alpha, beta, delta, gamma\)" -- ode lotka-volterra --param alpha=1,eps=3
expect 2 "param: expected a number for alpha, found 'x'" -- ode lotka-volterra --param alpha=x
expect 2 "y0: expected 2 comma-separated numbers for lotka-volterra, found '1,2,3'" -- ode lotka-volterra --y0 1,2,3
expect 2 "t: expected STOP > START, found 5:1" -- ode lotka-volterra --t 5:1:10
expect 2 "t: expected START:STOP:COUNT" -- ode lotka-volterra --t 0:5
expect 2 "method: expected adams or bdf, found 'rk4'" -- ode lotka-volterra --method rk4
expect 2 "expected a SYSTEM" -- ode
expect 2 "unexpected argument 'harmonic'" -- ode lotka-volterra harmonic
expect 1 "CVODE failed at t = 5.8.*CV_TOO_MUCH_WORK" -- ode lotka-volterra --max-steps 5
expect 1 "CVODE failed at t = 0.70.*NaN or Inf \(first at t = 0.70" -- ode exp-decay --param k=-1000 --t 0:100:3
expect 1 "accuracy 1e-13 is below what double precision allows" -- ode lotka-volterra --accuracy 1e-13
expect 1 "cannot create" -- ode lotka-volterra -o "$tmp/no/dir/lv.csv"

# exp-decay against its exact solution 2.385 exp(-0.7 t), computed by awk
"$uat" ode exp-decay --t 0:5:11 -o "$tmp/decay.csv" >/dev/null && ok || bad "ode exp-decay"
[ "$(head -n 1 "$tmp/decay.csv")" = "t,y" ] && ok || bad "ode header: $(head -n 1 "$tmp/decay.csv")"
worst=$(awk -F, 'NR > 1 { e = ($2 - 2.385 * exp(-0.7 * $1)) / (2.385 * exp(-0.7 * $1));
                          if (e < 0) e = -e; if (e > m) m = e } END { printf "%.3g", m }' "$tmp/decay.csv")
awk -v w="$worst" 'BEGIN { exit !(w < 1e-8) }' && ok || bad "exp-decay error $worst"
[ "$(wc -l <"$tmp/decay.csv")" -eq 12 ] && ok || bad "exp-decay rows"

# reports: key = value on stdout when the trajectory goes to a file
out=$("$uat" ode lotka-volterra -o "$tmp/lv.csv" --stats --invariant --error-estimate)
steps=$(sed -n 's/^steps = //p' <<<"$out"); evals=$(sed -n 's/^rhs_evals = //p' <<<"$out")
# every step evaluates the right-hand side at least once
[ -n "$steps" ] && [ "$steps" -gt 0 ] && [ "$evals" -ge "$steps" ] && ok || bad "stats: $out"
grep -qE '^invariant_drift = [0-9.]+e-(09|1[0-9])$' <<<"$out" && ok || bad "invariant: $out"
grep -qE '^error_estimate = [0-9.]+e-' <<<"$out" && ok || bad "estimate: $out"
# the error estimate against the true error, on the harmonic oscillator whose solution is exact:
# x = cos 2t, v = -2 sin 2t; the normwise relative error max|y - exact| / max|exact| (measured
# 8.7e-10 against the estimate 1.5e-9) must be within a factor 4 of the estimate
est=$("$uat" ode harmonic -o "$tmp/h.csv" --error-estimate | sed -n 's/^error_estimate = //p')
awk -F, -v est="$est" 'NR > 1 { d = $2 - cos(2 * $1); if (d < 0) d = -d; e = $3 + 2 * sin(2 * $1); if (e < 0) e = -e
  if (e > d) d = e; if (d > m) m = d; s = cos(2 * $1); if (s < 0) s = -s; t = 2 * sin(2 * $1); if (t < 0) t = -t
  if (s > M) M = s; if (t > M) M = t } END { r = m / M; exit !(est > 0 && r < 4 * est && est < 4 * r) }' "$tmp/h.csv" &&
  ok || bad "error estimate $est against the exact solution"
out=$("$uat" ode lotka-volterra --t 0:15:151 --accuracy 1e-9 -o "$tmp/lv.csv")
grep -q '^rtol_used = ' <<<"$out" && ok || bad "accuracy: $out"
out=$("$uat" ode lotka-volterra --t 0:15:301 --derivatives "$tmp/d.csv" -o "$tmp/lv.csv")
grep -q '^fd4_error = ' <<<"$out" && ok || bad "derivatives: $out"
head -n 1 "$tmp/d.csv" | grep -q '^t,x,y,f_x,f_y,fd2_x,fd2_y,fd4_x,fd4_y$' && ok || bad "derivatives header"
if command -v gnuplot >/dev/null; then
  "$uat" ode van-der-pol --plot "$tmp/vdp.png" -o "$tmp/vdp.csv" && ok || bad "ode --plot"
  [ "$(head -c 4 "$tmp/vdp.png" | od -An -c | tr -d ' ')" = "211PNG" ] && ok || bad "not a PNG"
  [ -s "$tmp/vdp.gp" ] && [ -s "$tmp/vdp_data.csv" ] && ok || bad "plot script and data"
fi

# sym: derivatives, simplification, evaluation to 17 digits, Jacobians, errors with columns
expect 0 '^alpha - beta\*y$' -- sym diff 'alpha*x - beta*x*y' x
expect 0 '^x\^2 \+ x - 2$' -- sym simplify 'x*x + 0*y + 2*x - x + 3 - 5'
expect 0 '^0.30000000000000004$' -- sym eval '0.1 + 0.2'
expect 0 '^1$' -- sym eval 'sin(x)^2 + cos(x)^2' x=0.3
expect 0 '^\\frac\{1\}\{x\}$' -- sym diff 'log(x)' x --latex
expect 0 "^dx'/dy = -beta\*x$" -- sym jacobian --rhs 'x = alpha*x - beta*x*y' --rhs 'y = delta*x*y - gamma*y'
expect 0 '\\alpha - \\beta \\cdot y & -\\beta \\cdot x' -- sym jacobian --rhs 'x = alpha*x - beta*x*y' --rhs 'y = delta*x*y - gamma*y' --latex
expect 1 "'sin\(x': 1:6: expected '\)' after argument of sin" -- sym diff 'sin(x' x
# expand, substitute, d/dt along a system, equilibria in symbols
expect 0 '^x\^5 \+ 5\*x\^4 \+ 10\*x\^3 \+ 10\*x\^2 \+ 5\*x \+ 1$' -- sym expand '(x + 1)^5'
expect 0 '^0$' -- sym subs 'delta*x*y - gamma*y' x=gamma/delta y=alpha/beta
expect 0 '^0$' -- sym ddt 'delta*x - gamma*log(x) + beta*y - alpha*log(y)' --rhs 'x = alpha*x - beta*x*y' --rhs 'y = delta*x*y - gamma*y'
expect 0 '^x = gamma/delta, y = alpha/beta$' -- sym equilibria --rhs 'x = alpha*x - beta*x*y' --rhs 'y = delta*x*y - gamma*y'
expect 0 '^x = -sqrt\(rho\*beta - beta\), y = -sqrt\(rho\*beta - beta\), z = rho - 1$' -- sym equilibria --rhs 'x = sigma*(y - x)' --rhs 'y = x*(rho - z) - y' --rhs 'z = x*y - beta*z'
expect 0 '^unsolved: -x\^8 \+ 1 = 0$' -- sym equilibria --rhs 'x = x^3 - y' --rhs 'y = x - y^3'
expect 2 'subs: expected NAME=EXPR' -- sym subs 'x + 1' x
expect 1 "1:3: expected a number" -- sym subs 'x + 1' 'x=2*'
expect 2 'equilibria: expected --rhs' -- sym equilibria
expect 1 "1:3: unknown variable 'b'" -- sym eval 'a*b' a=2
expect 2 "eval: expected NAME=VALUE, found 'a'" -- sym eval 'a' a
expect 2 "unknown action 'integrate'" -- sym integrate x
expect 1 "equation 2 'y = delta\*x\*': 1:13: expected a number" -- sym jacobian --rhs 'x = x' --rhs 'y = delta*x*'

# ode from equations: the same numbers as the built-in system; equilibria and their kinds
lv_rhs=(--rhs 'x = alpha*x - beta*x*y' --rhs 'y = delta*x*y - gamma*y' --param alpha=1.5,beta=1,delta=1,gamma=3)
"$uat" ode "${lv_rhs[@]}" --y0 10,5 --t 0:15:31 -o "$tmp/lv_expr.csv" && ok || bad "ode --rhs"
"$uat" ode lotka-volterra --t 0:15:31 -o "$tmp/lv_builtin.csv" && ok || bad "ode builtin"
worst=$(paste -d, "$tmp/lv_expr.csv" "$tmp/lv_builtin.csv" | awk -F, 'NR > 1 {
  for (i = 2; i <= 3; i++) { d = $i - $(i + 3); if (d < 0) d = -d; s = $(i + 3); if (s < 0) s = -s;
    if (d / s > m) m = d / s } } END { printf "%.3g", m }')
awk -v w="$worst" 'BEGIN { exit !(w < 1e-10) }' && ok || bad "rhs vs builtin: $worst"
expect 2 "parameter 'gamma' has no value: give --param gamma=VALUE" -- ode --rhs 'x = alpha*x - beta*x*y' --rhs 'y = delta*x*y - gamma*y' --param alpha=1.5,beta=1,delta=1 --y0 10,5
expect 2 "expected --y0 with 2 values" -- ode "${lv_rhs[@]}"
expect 0 "x = 3, y = 1.5: center; eigenvalues 0 \+ 2.121320344i" -- ode "${lv_rhs[@]}" --equilibria --box 0:10,0:10
expect 0 "x = 0, y = 0: saddle; eigenvalues 1.5, -3" -- ode lotka-volterra --equilibria
expect 0 "theta = 0, omega = 0: stable spiral" -- ode pendulum --param c=0.5 --equilibria --box -4:4,-2:2
expect 0 "theta = -3.14159265.*saddle" -- ode pendulum --param c=0.5 --equilibria --box -4:4,-2:2
expect 0 "x = 0, y = 0: unstable spiral" -- ode van-der-pol --equilibria
expect 2 "box: expected 2 ranges LO:HI" -- ode lotka-volterra --equilibria --box 0:1

# gradcheck: passes a correct network, reports kinks, fails with exit 1 above --tol
expect 0 '^max_rel_error=[0-9.]+e-(09|1[0-9])$' -- gradcheck --layers 1,16,16,1 --act tanh --seed 3
expect 0 '^2,weights,256,' -- gradcheck --layers 1,16,16,1 --act tanh --format csv
expect 0 'crossed a ReLU kink' -- gradcheck --layers 2,8,1 --act relu --points 64
expect 1 '^max_rel_error=' -- gradcheck --layers 1,16,16,1 --act tanh --method forward --tol 1e-12
expect 0 '^max_rel_error=' -- gradcheck --model "$tmp/xor.txt" --data "$tmp/xor_in.csv"
expect 2 'expected either --model M or --layers L' -- gradcheck
expect 2 "--loss: expected one of mse, half-mse, bce, ce, found 'l1'" -- gradcheck --layers 1,4,1 --loss l1
printf '1,2,3,4\n' >"$tmp/wider.csv"
expect 1 'expected 2 input columns \(and optionally 1 targets\), found 4' -- gradcheck --model "$tmp/xor.txt" --data "$tmp/wider.csv"

# One number cannot corrupt memory: sizes beyond uat/limits.h are refused before anything is
# allocated, with a message (each of these once wrote past a buffer).
expect 2 'expected widths' -- fit --target 'sin(x)' --hidden 3,18446744073709551615 --max-iter 1
expect 2 'expected widths' -- gradcheck --layers 1,3,18446744073709551615,1
expect 2 'from 0 to 16777216' -- xor --config torch --seeds 0 --hidden 4611686018427387904
expect 2 'COUNT at most 268435456' -- ode harmonic --t 0:1:2305843009213693952
expect 2 'at most 16777216 seeds' -- xor --config torch --seeds 0:2305843009213693951
expect 2 'at most 16777216 seeds' -- xor --config torch --seeds 0:18446744073709551615
expect 2 'points' -- gradcheck --layers 1,2,1 --points 2305843009213693952
expect 2 'from 1 to 1000000000000' -- xor --epochs 9223372036854775808
expect 0 'stop = target' -- fit --target 'sin(x)' --max-iter 2305843009213693952 --target-rmse 0.1 --plot "$tmp/huge.png"
# depth 40 runs (the spec's hidden layers are sized from the input); 2000 is over the limit
printf '[experiment]\nname = deep\n[target sin]\nspec = sin(x)\ntrain = 32\n[sweep]\nwidths = 4\ndepths = 40\ntrainers = adam\nseeds = 0\n[train]\nmax_iter = 5\n' >"$tmp/deep.ini"
expect 0 '1 runs \(0 not ok\)' -- sweep "$tmp/deep.ini" -o "$tmp/deep" --no-progress
if grep -q "^0,sin,4,40,tanh,adam,0," "$tmp/deep/runs.csv"; then ok; else bad "depth 40 row missing"; fi
printf '[experiment]\nname = deeper\n[target sin]\nspec = sin(x)\n[sweep]\nwidths = 4\ndepths = 2000\nseeds = 0\n' >"$tmp/deeper.ini"
expect 1 'deeper.ini:7: expected integers from 1 to 1023' -- sweep "$tmp/deeper.ini" -o "$tmp/deeper"
printf '[experiment]\nname = roll\n[target f]\nspec = ode:harmonic:field\nrollout = 0:1:2305843009213693952\n[sweep]\nwidths = 4\n' >"$tmp/roll.ini"
expect 1 'roll.ini:5: rollout' -- sweep "$tmp/roll.ini" -o "$tmp/roll"
printf '[experiment]\nname = big\n[target sin]\nspec = sin(x)\n[sweep]\nwidths = 2\nseeds = 18446744073709551615\n[train]\nmax_iter = 2\n' >"$tmp/big.ini"
expect 0 'big: 1 runs' -- sweep "$tmp/big.ini" -o "$tmp/big" --no-progress

# A write that fails is an error (exit 3) that says so, for every command's standard output.
for args in "sym diff sin(x) x" "--version" "xor --seeds 0:3"; do
  # shellcheck disable=SC2086
  out=$("$uat" $args 2>&1 >/dev/full)
  status=$?
  if [ "$status" -eq 3 ] && grep -q 'cannot write to standard output' <<<"$out"; then ok; else bad "uat $args >/dev/full: exit $status: $out"; fi
done
# An experiment's name is a folder name, never a path out of results/.
printf '[experiment]\nname = ../../escaped\n[target sin]\nspec = sin(x)\n' >"$tmp/esc.ini"
expect 1 "esc.ini:2: name: expected a file name" -- sweep "$tmp/esc.ini"

# Values that are numbers but not usable ones are refused with a message.
expect 2 "--lr: unexpected value 'inf'" -- fit --target 'sin(x)' --lr inf
expect 2 "--init: expected RULE" -- xor --config torch --seeds 0 --init normal:nan:nan
expect 2 "HI - LO, overflows" -- fit --target 'sin(x)' --domain x=-1e308:1e308 --max-iter 5
rhs17=()
for i in $(seq 1 17); do rhs17+=(--rhs "x$i = 1"); done
expect 2 "--rhs: at most 16" -- ode "${rhs17[@]}"

# Expressions whose derivative would be enormous are refused before it is built (a product of
# 9000 factors once took more than 8 GB).
prod=$(printf 'x'; for _ in $(seq 1 9000); do printf '*x'; done)
expect 1 "above 1000000 nodes" -- sym diff "$prod" x
sinprod=$(printf 'sin(x)'; for _ in $(seq 1 9361); do printf '*sin(x)'; done)
expect 2 "would exceed 1000000 nodes" -- fit --target "$sinprod" --max-iter 2

# A value that is not a real number is said to be so, not printed as -nan.
expect 1 "is not a real number there" -- sym eval 'log(-1)'
expect 0 '^0.69314718055994529$' -- sym eval 'log(2)'

# Unknown options: one line, with the closest valid option; a missing value is named.
expect 2 "unknown option '--bost': did you mean --boost?" -- fit --bost 2
expect 2 "--max-iter needs a value" -- fit --max-iter
expect 2 "did you mean --seeds?" -- xor --sed 3
expect 2 "did you mean --rhs?" -- ode --rhz x

expect 2 "--trainer is an option of uat fit" -- eval --model m.txt --target 'sin(x)' --trainer lm

# Every trainer of the table is reachable by name from the command line and from an
# experiment file (the list comes from the table itself: uat fit --list-trainers).
# (the perceptron rule needs a network without hidden layers: tested on its own below)
trainers=$("$uat" fit --list-trainers | awk 'NR > 1 && $1 != "perceptron" && $1 != "lms" { print $1 }')
[ "$(wc -w <<<"$trainers")" -ge 7 ] && ok || bad "--list-trainers lists $trainers"
for tr in $trainers; do
  expect 0 "^trainer = $tr\$" -- fit --target 'sin(x)' --hidden 4 --train 24 --test 51 --trainer "$tr" --max-iter 3
done
printf '[experiment]\nname = all\n[target s]\nspec = sin(x)\ntrain = 24\n[sweep]\nwidths = 3\ntrainers = %s\nseeds = 0\n[train]\nmax_iter = 3\ntest = 51\n' \
  "$(tr '\n' ',' <<<"$trainers" | sed 's/,$//')" >"$tmp/all.ini"
expect 0 "all: $(wc -w <<<"$trainers") runs \\(0 not ok\\)" -- sweep "$tmp/all.ini" -o "$tmp/all" --no-progress
expect 2 "expected one of adam, sgd, rprop, lbfgs, bfgs, lm, varpro, perceptron, lms" -- fit --target x --trainer newton
# the perceptron rule: converges on AND (linearly separable), never on XOR, refuses hidden layers
expect 0 '^solved = yes$' -- fit --target bool:0001 --layers 2,1 --out-act step --trainer perceptron
expect 0 '^stop = iterations$' -- fit --target bool:0110 --layers 2,1 --out-act step --trainer perceptron --max-iter 50
expect 1 'perceptron needs a network without hidden layers' -- fit --target bool:0110 --hidden 2 --trainer perceptron
# losses: cross-entropy on XOR's logit against MSE, everything else fixed; LMS; bias-free layers
expect 0 'loss bce, momentum lr 0.02' -- xor --config torch --loss bce --seeds 0:9 --no-progress
expect 0 'loss mse, adam lr 0.05' -- xor --config torch --optimizer adam --lr 0.05 --seeds 0:9 --no-progress
expect 2 'numpy-post follows the post' -- xor --config numpy-post --loss bce
expect 2 'XOR.s network has one output: use bce' -- xor --config torch --loss ce
expect 0 '^loss = bce$' -- fit --target bool:0110 --hidden 4 --out-act sigmoid --loss bce --lr 0.05 --max-iter 500
expect 1 'loss ce needs --out-act softmax or identity, not sigmoid' -- fit --target bool:0110 --hidden 4 --out-act sigmoid --loss ce
expect 1 'lm has its own error measure' -- fit --target x --hidden 4 --trainer lm --loss bce
expect 0 '^test_rmse = [0-9.]+e-1[0-9]$' -- fit --target '2*x+1' --layers 1,1 --trainer lms --lr 0.1 --max-iter 200 --train 16
expect 0 '^test_rmse = 1.0000' -- fit --target '2*x+1' --layers 1,1 --no-bias --trainer lbfgs
# uat logic: 14 of the 16 two-input functions are separable, XOR is not
logic=$("$uat" logic --seeds 0:9 --epochs 200 --max-inputs 3 -f csv --no-progress)
[ "$(sed -n '2,17p' <<<"$logic" | grep -c ',yes,')" = 14 ] && ok || bad "logic: separable count: $logic"
grep -q '^xor,2,0110,no,' <<<"$logic" && ok || bad "logic: xor row: $logic"
grep -q '^parity-3,3,01101001,no,' <<<"$logic" && ok || bad "logic: parity-3 row: $logic"
expect 2 '--widths: expected an integer from 0 to 16' -- logic --widths 17
# uat adapt: the Adaline follows the ramp, the frozen copy does not; LMS's misadjustment
adapt=$("$uat" adapt --target '(1 + 0.01*t)*x' --hidden 0 --lr 0.1 -f csv)
[ "$(wc -l <<<"$adapt")" = 41 ] && ok || bad "adapt csv rows: $adapt"
tail -1 <<<"$adapt" | awk -F, '{ exit !($2 < 0.01 && $3 > 0.5) }' && ok || bad "adapt: last window: $(tail -1 <<<"$adapt")"
expect 0 '^misadjustment_theory = 0.043478$' -- adapt --misadjustment --steps 100000
expect 2 'expected --target EXPR or --misadjustment' -- adapt
expect 2 '--window: expected an integer from 1' -- adapt --target x --window 0
expect 2 'adapt: expected steps >= window' -- adapt --target x --steps 10 --window 20
expect 1 'diverged at step' -- adapt --target 'sin(x)' --lr 1e300
# training without gradients: CMA-ES and the GA as trainers of fit and xor, --tune
expect 0 '^solved = yes$' -- fit --target bool:0110 --hidden 2 --act sigmoid --trainer cmaes --max-iter 300
expect 0 'trainer ga, 100 iterations' -- xor --config torch --trainer ga --epochs 100 --seeds 0:4 --no-progress
expect 0 '^stop = ' -- fit --target x --hidden 2 --trainer ga --tune ga_selection=rank --tune ga_population=10 --max-iter 5
expect 2 "ga_selection: expected one of sss, tournament, rank, found 'best'" -- fit --target x --trainer ga --tune ga_selection=best
expect 2 "no tuning value 'sigma'" -- fit --target x --trainer cmaes --tune sigma=1
expect 2 '--tune: expected KEY=VALUE' -- fit --target x --tune cmaes_sigma0
expect 2 '--tune: needs --trainer' -- xor --tune ga_population=10
expect 2 'numpy-post follows the post.s loop' -- xor --config numpy-post --trainer cmaes
# uat control: CMA-ES balances the cart-pole (Euler for speed); a saved policy is evaluated
expect 0 '^solved = yes$' -- control cartpole --integrator euler -o "$tmp/cp.txt"
expect 0 '^mean_return = [0-9.]+$' -- control cartpole --policy "$tmp/cp.txt" --episodes 10
expect 2 'expected one environment, cartpole or pendulum' -- control
expect 2 "control: expected cartpole or pendulum, found 'acrobot'" -- control acrobot
expect 2 "--trainer: expected one of cmaes, ga, reinforce, found 'ppo'" -- control cartpole --trainer ppo
expect 1 'a pendulum policy has 3 and 1' -- control pendulum --policy "$tmp/cp.txt"
expect 0 '^return = ' -- ode cartpole --policy "$tmp/cp.txt" -o "$tmp/cp_episode.csv"
[ "$(head -1 "$tmp/cp_episode.csv")" = "t,x,v,theta,omega" ] && ok || bad "ode --policy csv header"
expect 2 '--policy: for the control systems' -- ode lorenz --policy "$tmp/cp.txt"
# a gradient-free trainer's loss plot holds the best and the generation's mean
"$uat" fit --target x --hidden 2 --trainer ga --max-iter 20 --plot "$tmp/ga.png" >/dev/null 2>&1
[ "$(head -1 "$tmp/ga_loss_data.csv")" = "x,best so far,mean of the generation" ] && ok || bad "ga loss plot data"
# uat extract logic: the XOR network as a formula, checked; bad input
"$uat" xor --config torch --seeds 0 --save-model "$tmp/xor_m.txt" --no-progress >/dev/null 2>&1
expect 0 '^logic = \(not x1 and x2\) or \(x1 and not x2\)$' -- extract logic --model "$tmp/xor_m.txt"
expect 0 '^logic = x1 or x2$' -- extract logic --model "$tmp/xor_m.txt" --dont-care 3
expect 2 "expected 'logic' or 'sindy', found 'rules'" -- extract rules
# uat extract sindy: Lotka-Volterra from ground truth and from noisy differences; errors
expect 0 '^x = 1\.49999999999999[0-9]*\*x - 1\*x\*y$' -- extract sindy --ode lotka-volterra
expect 0 '^y = -3\*y \+ 1\*x\*y$' -- extract sindy --ode lotka-volterra --digits 6
expect 0 '^rollout_error = [0-9.]+e-1[0-9]' -- extract sindy --ode lotka-volterra
expect 0 '<- chosen' -- extract sindy --ode lotka-volterra --derivatives fd --noise 0.01 --cv --pareto "$tmp/pareto.csv"
[ "$(head -1 "$tmp/pareto.csv")" = "threshold,terms,validation_error" ] && [ -s "$tmp/pareto.svg" ] && ok || bad "sindy --pareto csv and plot"
expect 0 '^z = -2\.66666[0-9]*\*z \+ 1\.0000000000000[0-9]*\*x\*y$' -- extract sindy --ode lorenz --library poly:2 --t 0:2:401
expect 2 'sindy: expected --ode SYSTEM or --model M' -- extract sindy
# the printed equations are what uat ode --rhs reads
mapfile -t eqs < <("$uat" extract sindy --ode lotka-volterra 2>/dev/null | grep -E '^[xy] = ')
expect 0 '^t,x,y$' -- ode --rhs "${eqs[0]}" --rhs "${eqs[1]}" --y0 10,5 --t 0:1:2
expect 1 "library item 'cubic': expected poly:D, trig or exp" -- extract sindy --ode harmonic --library cubic
expect 1 "term 'x\*': 1:3: expected" -- extract sindy --ode harmonic --term 'x*'
expect 1 "no system 'lotka'" -- extract sindy --ode lotka
expect 1 '--dont-care: expected row numbers below 4' -- extract logic --model "$tmp/xor_m.txt" --dont-care 9
# uat ode --model: a learned Lotka-Volterra field as an ODE, its equilibria beside the system's
"$uat" fit --target ode:lotka-volterra:field --hidden 16 --trainer lm --max-iter 60 -o "$tmp/lvf.txt" >/dev/null
expect 0 '^# equilibria of learned lotka-volterra' -- ode lotka-volterra --model "$tmp/lvf.txt" --equilibria
expect 0 '^t,x,y$' -- ode lotka-volterra --model "$tmp/lvf.txt" --t 0:1:3
expect 1 'the network must map 3 states to 3, not 2 to 2' -- ode lorenz --model "$tmp/lvf.txt"
# uat memory: recall holds at a low load and collapses at a high one
mem=$("$uat" memory --units 100 --loads 0.05:0.25:2 --seeds 2 -f csv)
awk -F, 'NR == 2 { exit !($6 >= 0.95) }' <<<"$mem" && ok || bad "memory at load 0.05: $mem"
awk -F, 'NR == 3 { exit !($6 < 0.5) }' <<<"$mem" && ok || bad "memory at load 0.25: $mem"
expect 2 '--loads: expected A:B:K' -- memory --loads 0.5
# decision surfaces: the data (201 x 201 grid, then the training points) and, with gnuplot, PNGs
"$uat" xor --config torch --seeds 3 --plot "$tmp/xs.png" --no-progress >/dev/null && ok || bad "xor --plot"
[ "$(grep -c '^[-0-9]' "$tmp/xs_data.csv")" = $((201 * 201 + 4)) ] && ok || bad "xor surface data"
tail -4 "$tmp/xs_data.csv" | awk -F, '{ s += $3 } END { exit s != 2 }' && ok || bad "xor surface points"
expect 2 '--plot: expected one --config and one seed' -- xor --config torch --seeds 0:3 --plot "$tmp/x.png"
"$uat" fit --target data:"$here/../../examples/data/iris.csv" --x petal_length,petal_width --hidden 4 \
  --out-act softmax --loss ce --lr 0.01 --max-iter 100 --plot "$tmp/iris.png" >/dev/null && ok || bad "fit --plot iris"
[ "$(tail -n +$((201 * 202 + 3)) "$tmp/iris_data.csv" | grep -c .)" = 120 ] && ok || bad "iris surface points"
if command -v gnuplot >/dev/null; then
  [ "$(head -c 4 "$tmp/xs.png" | od -An -c | tr -d ' ')" = "211PNG" ] && ok || bad "xor surface not a PNG"
  [ -s "$tmp/iris.png" ] && ok || bad "iris surface PNG"
fi

# Provenance: a model file records its target, domain, trainer, seed and uat version; eval
# uses the training domain unless told otherwise, and reproduces fit's test RMSE exactly.
fit_rmse=$("$uat" fit --target 'sin(x)' --domain 0:1 --hidden 4 --trainer lm --max-iter 30 -o "$tmp/prov.txt" | grep '^test_rmse')
for line in 'target sin\(x\)' 'domain x=0:1' 'trainer lm' 'seed 0' 'uat [0-9.]+ [0-9a-f]+'; do
  grep -qE "^$line" "$tmp/prov.txt" && ok || bad "model file lacks '$line'"
done
expect 0 'on x in \[0, 1\]' -- eval --model "$tmp/prov.txt"
[ "$("$uat" eval --model "$tmp/prov.txt" | grep '^test_rmse')" = "$fit_rmse" ] && ok || bad "eval does not reproduce fit's $fit_rmse"
expect 0 'on x in \[-1, 1\]' -- eval --model "$tmp/prov.txt" --target 'cos(x)'
expect 0 'on x in \[0, 0.5\]' -- eval --model "$tmp/prov.txt" --domain 0:0.5

# One prefix per message (a library's "fit: ..." is not repeated after "uat fit: ")
expect 1 '^uat fit: fewer residuals than parameters$' -- fit --target 'sin(x)' --hidden 4 --train 2 --trainer lm --max-iter 3
# invalid choices are answered with the valid ones
expect 2 "--points: expected one of grid, chebyshev, random, trajectory, found 'foo'" -- fit --target x --points foo
expect 2 "--init: expected one of zero, const, normal" -- fit --target x --init foo
expect 2 "--method: expected one of central, richardson, forward" -- gradcheck --layers 1,2,1 --method foo

# A plot's script names its files relative to its own folder: a copied folder re-plots.
if command -v gnuplot >/dev/null; then
  mkdir -p "$tmp/plots"
  "$uat" fit --target 'sin(x)' --hidden 4 --max-iter 20 --plot "$tmp/plots/p.png" >/dev/null
  cp -r "$tmp/plots" "$tmp/plots_copy" && rm -f "$tmp/plots_copy/"*.png
  (cd "$tmp/plots_copy" && gnuplot p.gp && gnuplot p_loss.gp) && [ -s "$tmp/plots_copy/p.png" ] &&
    [ -s "$tmp/plots_copy/p_loss.png" ] && ok || bad "a copied plot folder does not re-plot"
fi

# Single-layer models: a linear fit, and one sigmoid neuron on XOR (never all four rows)
expect 0 '^layers = 1,1$' -- fit --target '2*x + 1' --layers 1,1 --trainer lm --max-iter 20
expect 0 '^solved = no$' -- fit --target bool:0110 --layers 2,1 --out-act sigmoid --trainer lbfgs --max-iter 300
expect 2 "--out-act: expected one of identity" -- fit --target x --out-act swish

# uat fit --target ode-data: (neural ODEs): a fit from generated data written to CSV and read
# back, the hybrid form, errors
lvp='alpha=1.3,beta=0.9,delta=1.8,gamma=0.8'
expect 0 '^trajectory_error = [0-9.]+e-0[4-9]' -- fit --target ode-data:lotka-volterra -p "$lvp" --y0 2,1.5 --times 0:3:31 --max-iter 30 --data-out "$tmp/lv-obs.csv" -o "$tmp/lv-node.model"
expect 0 '^params = 42$' -- fit --target "ode-data:$tmp/lv-obs.csv" --max-iter 2
expect 1 "ode-data: targets are fitted by .uat fit. alone" -- eval --model "$tmp/lv-node.model"
expect 0 '^3,' -- ode lotka-volterra --model "$tmp/lv-node.model" --t 0:3:4
expect 0 'observations of x, y on' -- fit --target "ode-data:$tmp/lv-obs.csv" --max-iter 2
cut -d, -f1-3 "$tmp/lv-obs.csv" >"$tmp/lv-obs-only.csv"
expect 0 'against the data: no truth' -- fit --target "ode-data:$tmp/lv-obs-only.csv" --max-iter 2
expect 0 '^learned_part_error = [0-9.]+e-0[3-9]' -- fit --target ode-data:lotka-volterra -p "$lvp" --y0 2,1.5 --times 0:3:31 --known 'alpha*x; -gamma*y' --max-iter 40 --seed 1
expect 0 '^segments = 3$' -- fit --target ode-data:lotka-volterra --times 0:3:16 --segments 3 --max-iter 2
expect 0 '^sindy.y = -0\.8000[0-9]*\*y \+ 1\.800[0-9]*\*x\*y$' -- fit --target ode-data:lotka-volterra -p "$lvp" --y0 2,1.5 --times 0:3:31 --seed 1 --sindy poly:2
expect 2 "--sindy-threshold: expected a number >= 0" -- fit --target ode-data:lotka-volterra --sindy poly:2 --sindy-threshold x
expect 0 'noise 0.05 relative, seed 2' -- fit --target ode-data:lotka-volterra --times 0:3:11 --noise 0.05 --noise-kind relative --seed 2 --max-iter 2
expect 2 "--noise-kind: expected mean or relative" -- fit --target ode-data:lotka-volterra --noise-kind proportional
expect 0 '^polish = 3$' -- fit --target ode-data:lotka-volterra --times 0:3:16 --segments 3 --max-iter 2 --polish 3
expect 0 '^method = bdf$' -- fit --target ode-data:lotka-volterra --times 0:3:16 --method bdf --max-iter 2
expect 2 "--method: expected adams or bdf" -- fit --target ode-data:lotka-volterra --method rk4
expect 0 '^gradient = adjoint$' -- fit --target ode-data:exp-decay --times 0:2:11 --trainer lbfgs --gradient adjoint --max-iter 3
expect 2 "--known: expected 2 expressions separated by ';'" -- fit --target ode-data:lotka-volterra --known 'alpha*x'
expect 2 "--known: 'kappa' has no value" -- fit --target ode-data:lotka-volterra --known 'kappa*x; 0'
expect 2 "--param zeta: not a parameter" -- fit --target ode-data:lotka-volterra -p zeta=1
expect 2 "ode-data:nosuch: expected a file FILE.csv or a system" -- fit --target ode-data:nosuch
expect 2 "the adjoint gradient is for single shooting" -- fit --target ode-data:lotka-volterra --segments 2 --trainer adam --gradient adjoint --adam-steps 2
expect 2 "--times: expected A:B:N" -- fit --target ode-data:lotka-volterra --times 3:0:10
printf 't,x\n0,1\n1,2\n0.5,3\n' >"$tmp/bad-times.csv"
expect 2 "data row 3: time 0.5 does not increase" -- fit --target "ode-data:$tmp/bad-times.csv"
printf 't,x\n0,1\n1,2x\n2,3\n' >"$tmp/bad-num.csv"
expect 2 "bad-num.csv:3:" -- fit --target "ode-data:$tmp/bad-num.csv"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
