#!/usr/bin/python3
"""The flagship study from Python: Lotka-Volterra ground truth from CVODE, networks of widths
4 ... 64 fitted to its trajectory and vector field (the experiment file of scripts/flagship),
the runs read back as a NumPy structured array, the error against width tabulated and, when
matplotlib is installed, plotted. docs/python.md walks through it.

Usage: examples/python/flagship.py [OUT]   (default results/lotka_volterra_py)"""
import os
import sys

here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "python"))  # this checkout's package
import numpy as np  # noqa: E402

import uat  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("results", "lotka_volterra_py")
ini = os.path.join(here, "..", "lotka_volterra.ini")

# 1. Ground truth: CVODE at rtol 1e-12, with its own error estimate.
t = np.linspace(0.0, 15.0, 601)
truth = uat.solve("lotka-volterra", t, rtol=1e-12, atol=1e-14, estimate=True)
print(f"ground truth: {truth.y.shape[0]} times, x(15) = {truth['x'][-1]:.12f}, "
      f"error estimate {truth.error_estimate:.1e}")

# 2. The sweep (30 runs): the same results folder as `uat sweep`.
res = uat.sweep(ini, out=out, resume=True)
runs = res.runs
print(f"sweep: {res.n_runs} runs, {res.n_bad} not ok, in {res.dir}")

# 3. Median test RMSE against width, per target.
print("target      width  median test RMSE  median rollout error")
for target in ("trajectory", "field"):
    for w in sorted(set(runs["width"])):
        sel = runs[(runs["target"] == target) & (runs["width"] == w)]
        roll = np.median(sel["rollout_error"])
        print(f"{target:<11} {w:5d}  {np.median(sel['test_rmse']):16.3e}  "
              + ("-" if np.isnan(roll) else f"{roll:.3e}"))

# 4. One network by hand: the width-64 field, its predictions against the field itself.
model, report = uat.fit(target="ode:lotka-volterra:field", hidden=64, trainer="varpro",
                        max_iter=200, train=400, seed=2)
xy = truth.y[::100]
f = np.column_stack([1.5 * xy[:, 0] - xy[:, 0] * xy[:, 1], xy[:, 0] * xy[:, 1] - 3 * xy[:, 1]])
print(f"width-64 field: test RMSE {report['test_rmse']:.3e}, "
      f"max |network - field| on the orbit {np.max(np.abs(model.predict(xy) - f)):.1e}")

# 5. A plot, when matplotlib is there.
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib not installed: no plot")
else:
    fig, ax = plt.subplots()
    for target in ("trajectory", "field"):
        ws = sorted(set(runs["width"]))
        med = [np.median(runs[(runs["target"] == target) & (runs["width"] == w)]["test_rmse"])
               for w in ws]
        ax.loglog(ws, med, "o-", label=target)
    ax.set_xlabel("width")
    ax.set_ylabel("median test RMSE")
    ax.legend()
    fig.savefig(os.path.join(out, "width_py.png"), dpi=100)
    print(f"plot: {os.path.join(out, 'width_py.png')}")
