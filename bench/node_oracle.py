#!/usr/bin/python3
"""node_oracle.py - how close to the truth noisy data allow: the true Lotka-Volterra model (its
four parameters and the initial state) fitted to the same noisy observations the neural ODE
sees, against uat's network fit. The universal-differential-equation setting: 31 observations
on [0, 3], 5% noise, seeds 1-5; the network 2-5-5-5-2 with ridge 1e-2. The oracle knows the
equations' form; no fit of the data can expect to beat it. A one-off cross-check with SciPy
(`least_squares` around `solve_ivp`, DOP853, rtol 1e-10), not a test.
Usage: bench/node_oracle.py [UAT]"""
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

UAT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "build", "uat")
ARGS = ["--target", "ode-data:lotka-volterra", "-p", "alpha=1.3,beta=0.9,delta=1.8,gamma=0.8",
        "--y0", "2,1.5", "--times", "0:3:31", "--noise", "0.05"]


def oracle(t, obs, truth):
    def solve(p):
        a, b, d, g, x0, y0 = p
        s = solve_ivp(lambda _t, y: [a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - g * y[1]],
                      (t[0], t[-1]), [x0, y0], t_eval=t, method="DOP853", rtol=1e-10, atol=1e-12)
        return s.y.T
    r = least_squares(lambda p: (solve(p) - obs).ravel(), [1, 1, 1, 1, obs[0, 0], obs[0, 1]])
    y = solve(r.x)
    return np.sqrt(((y - truth) ** 2).sum() / (truth ** 2).sum()), r.x[:4]


def main():
    print(f"{'seed':>4} {'oracle':>9} {'network':>9} {'ratio':>6}  oracle's alpha beta delta gamma"
          " (true 1.3 0.9 1.8 0.8)")
    with tempfile.TemporaryDirectory() as d:
        for seed in range(1, 6):
            path = os.path.join(d, f"lv{seed}.csv")
            out = subprocess.run([UAT, "fit"] + ARGS + ["--hidden", "5,5,5", "--ridge", "1e-2",
                                 "--seed", str(seed), "--data-out", path],
                                 check=True, capture_output=True, text=True).stdout
            net = float(next(line.split(" = ")[1] for line in out.splitlines()
                             if line.startswith("trajectory_error")))
            a = np.array([[float(v) for v in r] for r in list(csv.reader(open(path)))[1:]])
            e, p = oracle(a[:, 0], a[:, 1:3], a[:, 3:5])
            print(f"{seed:4d} {e:9.3e} {net:9.3e} {net / e:6.2f}  " +
                  " ".join(f"{v:.3f}" for v in p))


if __name__ == "__main__":
    main()
