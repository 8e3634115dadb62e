#!/usr/bin/python3
"""python_overhead.py - what a call from Python adds to uat's C work (issue: < 50 us).

Side by side in one run, each repeated: uat.solve against the same uat_ode_solve called through
bare ctypes with its arguments prepared once, and uat.fit against the fit job's C calls
(uat_fit_job_alloc/set/run/report/free) made through bare ctypes. The difference per call is the
package's overhead (argument conversion, NumPy arrays, report parsing). Prints microseconds per
call and the overhead; machines are noisy, so the minimum of 5 rounds is taken.

Usage: bench/python_overhead.py [ROUNDS]   (UAT_LIB_DIR as for the package; run from the repo)"""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import numpy as np  # noqa: E402

import uat  # noqa: E402
from uat import _lib as L  # noqa: E402
from uat import network as N  # noqa: E402
from uat import ode as O  # noqa: E402


def best(f, n, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        times.append((time.perf_counter() - t0) / n)
    return min(times) * 1e6


def main(argv):
    rounds = int(argv[0]) if argv else 5
    t = np.linspace(0.0, 1.0, 2)
    sysp = O._find(b"harmonic")
    p = np.array([2.0])
    y0 = np.array([1.0, 0.0])
    prm = O._defaults()
    dp = L.P(L.c_dbl)

    def raw_solve():
        out, stats, err = L.P(O._Trajectory)(), O._Stats(), L.Error()
        O._solve(sysp, p.ctypes.data_as(dp), y0.ctypes.data_as(dp), 2, t.ctypes.data_as(dp),
                 ctypes.byref(prm), ctypes.byref(out), ctypes.byref(stats), ctypes.byref(err))
        O._traj_free(out)

    def py_solve():
        uat.solve("harmonic", t)

    opts = [(b"target", b"sin(x)"), (b"hidden", b"4"), (b"trainer", b"adam"), (b"max-iter", b"1"),
            (b"train", b"8"), (b"test", b"2")]

    def raw_fit():
        job, err = N._job_alloc(), L.Error()
        for k, v in opts:
            N._job_set(job, k, v, ctypes.byref(err))
        m = L.P(N._Mlp)()
        N._job_run(job, ctypes.byref(m), ctypes.byref(err))
        buf = ctypes.create_string_buffer(4096)
        N._job_report(job, buf, 4096)
        N._free(m)
        N._job_free(job)

    def py_fit():
        model, report = uat.fit(target="sin(x)", hidden=4, trainer="adam", max_iter=1, train=8,
                                test=2)
        model.close()

    print("call            bare ctypes (us)   uat package (us)   overhead (us)")
    for name, raw, py, n in (("uat.solve", raw_solve, py_solve, 2000),
                             ("uat.fit", raw_fit, py_fit, 300)):
        a, b = best(raw, n, rounds), best(py, n, rounds)
        print(f"{name:<15} {a:16.1f}   {b:16.1f}   {b - a:13.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
