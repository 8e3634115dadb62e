"""uat from Python: the universal approximation toolkit's C libraries through ctypes, NumPy
arrays in and out.

    import math, uat
    model, report = uat.fit(target="sin(x)", domain={"x": (-math.pi, math.pi)},
                            layers=[1, 32, 1], trainer="varpro", seed=1)
    model.predict([0.5])            # array([[0.47942554]])
    report["test_rmse"]

Errors raise uat.UatError with uat's own message. docs/python.md."""
from ._lib import UatError, path as library_path
from .expr import Expr, parse
from .network import Network, SweepResults, evaluate, fit, parse_report, read_runs, sweep
from .ode import Solution, System, catalogue, solve
from . import sym

__all__ = ["UatError", "Expr", "parse", "Network", "fit", "evaluate", "sweep", "SweepResults",
           "read_runs", "parse_report", "System", "Solution", "catalogue", "solve", "sym",
           "library_path"]
