#!/usr/bin/env python3
"""varpro_numpy.py - NumPy/LAPACK prototype of one variable-projection evaluation.

Usage: varpro_numpy.py H [H ...]
For a 1-H-1 tanh network on sin(x), 256 grid points on [-pi, pi]: the truncated SVD of
A = [tanh(w x + b), 1], the optimal linear layer, the residual and Kaufman's reduced Jacobian
J - U (U^T J) - what uat_varpro_eval computes. Prints `H us_per_evaluation` (median of 7 runs
of 200 evaluations). Never part of the tests; bench_core runs it as a peer."""
import statistics
import sys
import time

import numpy as np


def evaluate(w, b, x, y):
    t = np.tanh(np.outer(x, w) + b)                      # n x H
    A = np.hstack([t, np.ones((x.size, 1))])
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    r = int(np.sum(s > 1e-13 * s[0]))
    U, s, Vt = U[:, :r], s[:r], Vt[:r]
    c = Vt.T @ ((U.T @ y) / s)
    f = A @ c - y
    d = (1.0 - t * t) * c[:-1]                            # n x H
    J = np.hstack([d * x[:, None], d])                    # dy/dw, dy/db
    J -= U @ (U.T @ J)
    return f, J


def main():
    n = 256
    x = np.linspace(-np.pi, np.pi, n)
    y = np.sin(x)
    rng = np.random.default_rng(1)
    for arg in sys.argv[1:]:
        H = int(arg)
        w = rng.uniform(-1, 1, H)
        b = rng.uniform(-np.pi, np.pi, H)
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(200):
                evaluate(w, b, x, y)
            times.append((time.perf_counter() - t0) / 200)
        print(f"{H} {1e6 * statistics.median(times):.4g}", flush=True)


if __name__ == "__main__":
    main()
