#!/usr/bin/env python3
"""lbfgs_scipy.py MODEL DATA MAXITER M [CHECKPOINTS] — SciPy's L-BFGS-B on the same least-squares
fit as bench_lbfgs: the one-hidden-layer tanh network of the uat model file MODEL (its
parameters are the start), the MSE over the x,y rows of the CSV file DATA, history M, MAXITER
iterations, no bounds (then L-BFGS-B is plain L-BFGS with a More-Thuente line search).
Prints `iterations evaluations rmse` and the RMSE at each checkpoint iteration."""
import sys

import numpy as np
from scipy.optimize import minimize


def read_model(path):
    sizes, params, reading = None, [], False
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key = line.split()[0]
            if key == "sizes":
                sizes = [int(v) for v in line.split()[1:]]
            elif key == "params":
                reading = True
            elif key == "end":
                reading = False
            elif reading:
                params.append(float(line))
    return sizes, np.array(params)


def main():
    model, data, maxiter, m = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    checkpoints = [int(v) for v in sys.argv[5].split(",")] if len(sys.argv) > 5 else []
    sizes, theta0 = read_model(model)
    assert len(sizes) == 3 and sizes[0] == 1 and sizes[2] == 1, "a 1-H-1 network"
    h = sizes[1]
    xy = np.loadtxt(data, delimiter=",", skiprows=1)
    x, y = xy[:, 0], xy[:, 1]
    n = len(x)

    def loss(theta):
        w1, b1 = theta[:h], theta[h:2 * h]
        w2, b2 = theta[2 * h:3 * h], theta[3 * h]
        a = np.tanh(np.outer(x, w1) + b1)          # n x h
        r = a @ w2 + b2 - y                        # n
        f = np.mean(r * r)
        dy = 2.0 * r / n
        da = np.outer(dy, w2) * (1.0 - a * a)      # n x h
        g = np.concatenate([da.T @ x, da.sum(0), a.T @ dy, [dy.sum()]])
        return f, g

    seen = {}

    def callback(theta):
        seen[len(seen) + 1] = np.sqrt(loss(theta)[0])

    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", callback=callback,
                   options=dict(maxcor=m, maxiter=maxiter, maxfun=10**9, maxls=20,
                                gtol=0.0, ftol=0.0))
    print(res.nit, res.nfev, "%.6e" % np.sqrt(res.fun))
    print(" ".join("%d:%.6e" % (k, seen[k]) for k in checkpoints if k in seen))


if __name__ == "__main__":
    main()
