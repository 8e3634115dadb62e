#!/usr/bin/python3
"""node_scipy.py - a neural ODE fitted by uat against SciPy on the same data, side by side.

The problem: Lotka-Volterra with the universal-differential-equation paper's parameters, 31
noise-free observations on [0, 3] (written by `uat fit --data-out`), the 2-5-5-5-2 tanh field
(87 weights), the initial state fixed at the first observation. uat: `uat fit --target
ode-data:FILE.csv` (Levenberg-Marquardt, sensitivities of the augmented Adams system). SciPy:
`least_squares` (trust region, '2-point' finite-difference Jacobian) around `solve_ivp` (DOP853,
rtol 1e-10), the network in NumPy, started the way uat starts (PyTorch's uniform
initialisation, inputs standardised, outputs scaled to the slopes). Both report the wall time
at which the trajectory error against the truth first fell below each target. Not a test;
needs SciPy. Usage: bench/node_scipy.py [UAT] [BUDGET_SECONDS]"""
import csv
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

UAT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "build", "uat")
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
TARGETS = [1e-1, 1e-2, 1e-3, 1e-4]
SIZES = [2, 5, 5, 5, 2]


def data(path):
    subprocess.run([UAT, "fit", "--target", "ode-data:lotka-volterra", "-p",
                    "alpha=1.3,beta=0.9,delta=1.8,gamma=0.8", "--y0", "2,1.5", "--times",
                    "0:3:31", "--max-iter", "1", "--data-out", path],
                   check=True, stdout=subprocess.DEVNULL)
    rows = list(csv.reader(open(path)))
    a = np.array([[float(v) for v in r] for r in rows[1:]])
    return a[:, 0], a[:, 1:3], a[:, 3:5]


def uat_runs(path):
    """Seconds and trajectory error of uat fits of increasing length (each from the start)."""
    out = []
    for iters in [5, 10, 20, 40, 80, 160]:
        r = subprocess.run([UAT, "fit", "--target", "ode-data:" + path, "--hidden", "5,5,5",
                            "--fit-y0", "no", "--max-iter", str(iters)],
                           check=True, capture_output=True, text=True).stdout
        kv = dict(line.split(" = ", 1) for line in r.splitlines() if " = " in line)
        out.append((iters, float(kv["seconds"]), float(kv["trajectory_error"].split()[0])))
    return out


def unpack(x):
    layers, k = [], 0
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        W = x[k:k + a * b].reshape(b, a)
        k += a * b
        layers.append((W, x[k:k + b]))
        k += b
    return layers


def field(x):
    layers = unpack(x)

    def f(_t, y):
        h = y
        for i, (W, b) in enumerate(layers):
            h = W @ h + b
            if i < len(layers) - 1:
                h = np.tanh(h)
        return h
    return f


def start(t, obs, rng):
    """PyTorch's initialisation, then uat_node_scale_init's scaling."""
    x = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(a)
        x += [rng.uniform(-bound, bound, a * b), rng.uniform(-bound, bound, b)]
    x = np.concatenate(x)
    layers = unpack(x)
    slopes = np.gradient(obs, t, axis=0)
    W1, b1 = layers[0]
    WL = layers[-1][0]
    for i in range(2):
        mean, sd = obs[:, i].mean(), obs[:, i].std()
        W1[:, i] /= sd
        b1 -= W1[:, i] * mean
        WL[i, :] *= slopes[:, i].std()
    return x


def scipy_run(t, obs, truth):
    reached, t0 = {}, time.perf_counter()
    norm = np.sqrt((truth ** 2).sum())

    def residuals(x):
        if time.perf_counter() - t0 > BUDGET:
            raise TimeoutError
        s = solve_ivp(field(x), (t[0], t[-1]), obs[0], t_eval=t, method="DOP853", rtol=1e-10,
                      atol=1e-12)
        if not s.success:
            return np.full(2 * (len(t) - 1), 1e3)
        y = s.y.T
        e = np.sqrt(((y - truth) ** 2).sum()) / norm
        for target in TARGETS:
            if e < target and target not in reached:
                reached[target] = time.perf_counter() - t0
        return (y[1:] - obs[1:]).ravel()
    x0 = start(t, obs, np.random.default_rng(1))
    try:
        least_squares(residuals, x0, jac="2-point", method="trf", max_nfev=100000)
    except TimeoutError:
        pass
    return reached, time.perf_counter() - t0


def main():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lv.csv")
        t, obs, truth = data(path)
        runs = uat_runs(path)
    reached, spent = scipy_run(t, obs, truth)
    print("neural ODE 2-5-5-5-2 (87 weights) on Lotka-Volterra, 31 noise-free observations on "
          "[0, 3]")
    print("uat fits: " + ", ".join(f"{i} iterations {s:.2f} s -> {e:.2e}" for i, s, e in runs))
    print(f"{'target':>8} {'uat s':>8} {'scipy s':>9} {'ratio':>7}")
    for target in TARGETS:
        u = min((s for _, s, e in runs if e < target), default=None)
        s = reached.get(target)
        ratio = f"{s / u:7.1f}" if u and s else "      -"
        us = f"{u:8.2f}" if u else "       -"
        ss = f"{s:9.2f}" if s else f"  >{spent:5.0f}"
        print(f"{target:8.0e} {us} {ss} {ratio}")


if __name__ == "__main__":
    main()
