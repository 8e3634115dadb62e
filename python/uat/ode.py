"""ODE ground truth (uat/ode.h): catalogue systems and systems written as equations, solved by
CVODE, with statistics and an error estimate; the time derivative of a function along a system
and its equilibria in symbols live in uat.expr / uat.sym."""
import ctypes

import numpy as np

from . import _lib as L
from ._lib import P, Error, c_dbl, c_size, c_str, c_void


class _System(ctypes.Structure):
    _fields_ = [("name", c_str), ("equations", c_str), ("dim", c_size),
                ("state_names", P(c_str)), ("n_params", c_size), ("param_names", P(c_str)),
                ("param_defaults", P(c_dbl)), ("y0_default", P(c_dbl)),
                ("t0_default", c_dbl), ("t1_default", c_dbl), ("rhs", c_void), ("jac", c_void),
                ("invariant", c_void), ("invariant_text", c_str), ("exact", c_void),
                ("ctx", c_void)]


class _Params(ctypes.Structure):
    _fields_ = [("method", ctypes.c_int), ("output", ctypes.c_int), ("rtol", c_dbl),
                ("atol", c_dbl), ("max_steps", ctypes.c_long), ("use_jacobian", ctypes.c_int)]


class _Trajectory(ctypes.Structure):
    _fields_ = [("n", c_size), ("dim", c_size), ("cap", c_size), ("t", P(c_dbl)),
                ("y", P(c_dbl))]


class _Stats(ctypes.Structure):
    _fields_ = [("steps", ctypes.c_long), ("rhs_evals", ctypes.c_long),
                ("lin_rhs_evals", ctypes.c_long), ("jac_evals", ctypes.c_long),
                ("err_test_fails", ctypes.c_long), ("nonlin_iters", ctypes.c_long),
                ("nonlin_conv_fails", ctypes.c_long), ("last_order", ctypes.c_int),
                ("last_step", c_dbl), ("t_reached", c_dbl)]


_count = L.fn("uat_ode_catalogue_count", c_size)
_get = L.fn("uat_ode_catalogue_get", P(_System), c_size)
_find = L.fn("uat_ode_catalogue_find", P(_System), c_str)
_defaults = L.fn("uat_ode_default_params", _Params)
_solve = L.fn("uat_ode_solve", ctypes.c_int, P(_System), P(c_dbl), P(c_dbl), c_size, P(c_dbl),
              P(_Params), P(P(_Trajectory)), P(_Stats), P(Error))
_solve_est = L.fn("uat_ode_solve_estimate", ctypes.c_int, P(_System), P(c_dbl), P(c_dbl), c_size,
                  P(c_dbl), P(_Params), P(P(_Trajectory)), P(c_dbl), P(_Stats), P(Error))
_traj_free = L.fn("uat_ode_trajectory_free", None, P(_Trajectory))
_es_alloc = L.fn("uat_ode_expr_system_alloc", ctypes.c_int, c_size, P(c_str), P(c_void), P(Error))
_es_free = L.fn("uat_ode_expr_system_free", None, c_void)
_es_get = L.fn("uat_ode_expr_system_get", P(_System), c_void)

METHODS = {"adams": 0, "bdf": 1}


def catalogue():
    """The built-in systems' names."""
    return [_get(i).contents.name.decode() for i in range(_count())]


class System(L.Owned):
    """A catalogue system (System("lotka-volterra")) or one written as equations
    (System(["x = alpha*x - beta*x*y", "y = delta*x*y - gamma*y"]))."""

    _owned = (("_es", _es_free),)

    def __init__(self, spec):
        self._es = None
        if isinstance(spec, str):
            ptr = _find(L.enc(spec))
            if not ptr:
                raise L.UatError(8, f"unknown system '{spec}' (uat ode --list)")
        else:
            eqs = (c_str * len(spec))(*[L.enc(e) for e in spec])
            es, err = c_void(), Error()
            L.check(_es_alloc(len(spec), eqs, ctypes.byref(es), ctypes.byref(err)), err)
            self._es = es.value
            ptr = _es_get(self._es)
        self._ptr = ptr
        s = ptr.contents
        self.name = s.name.decode() if s.name else None
        self.states = [s.state_names[i].decode() for i in range(s.dim)]
        self.params = [s.param_names[i].decode() for i in range(s.n_params)]
        self.param_defaults = {self.params[i]: s.param_defaults[i] for i in range(s.n_params)
                               if s.param_defaults and s.param_defaults[i] == s.param_defaults[i]}
        # (equations' parameters have NaN defaults: they must be given)
        self.y0 = [s.y0_default[i] for i in range(s.dim)] if s.y0_default else None
        self.span = (s.t0_default, s.t1_default)


    def _param_array(self, params):
        values = dict(self.param_defaults)
        values.update(params or {})
        for k in values:
            if k not in self.params:
                raise L.UatError(1, f"{self.name or 'the system'} has no parameter '{k}' "
                                    f"(it has {', '.join(self.params)})")
        for k in self.params:
            if k not in values:
                raise L.UatError(1, f"parameter '{k}' has no value: give params={{'{k}': VALUE}}")
        return np.array([values[k] for k in self.params], dtype=np.float64)


class Solution:
    """t (n), y (n x dim), stats (dict of CVODE's counters) and error_estimate (or None)."""

    def __init__(self, t, y, states, stats, estimate):
        self.t, self.y, self.states, self.stats, self.error_estimate = t, y, states, stats, estimate

    def __getitem__(self, name):
        return self.y[:, self.states.index(name)]


def solve(system, t, params=None, y0=None, rtol=None, atol=None, method=None,
          use_jacobian=True, estimate=False):
    """Solve with CVODE at the times t (an array, increasing); system a System, a catalogue name
    or a list of equations. With estimate=True the solve is repeated at a tighter tolerance
    and the normwise relative difference returned as error_estimate."""
    sys = system if isinstance(system, System) else System(system)
    times = np.ascontiguousarray(t, dtype=np.float64)
    p = sys._param_array(params)
    if y0 is None:
        if sys.y0 is None:
            raise L.UatError(1, "give y0 (one value per state)")
        y0 = sys.y0
    y0 = np.ascontiguousarray(y0, dtype=np.float64)
    if y0.shape != (len(sys.states),):
        raise L.UatError(1, f"y0: expected {len(sys.states)} values, found {y0.size}")
    prm = _defaults()
    if rtol is not None:
        prm.rtol = rtol
    if atol is not None:
        prm.atol = atol
    if method is not None:
        prm.method = METHODS[method]
    prm.use_jacobian = int(bool(use_jacobian))
    out, stats, err = P(_Trajectory)(), _Stats(), Error()
    dp = P(c_dbl)
    args = (sys._ptr, p.ctypes.data_as(dp) if p.size else None, y0.ctypes.data_as(dp),
            times.size, times.ctypes.data_as(dp), ctypes.byref(prm), ctypes.byref(out))
    est = c_dbl(float("nan"))
    if estimate:
        st = _solve_est(*args, ctypes.byref(est), ctypes.byref(stats), ctypes.byref(err))
    else:
        st = _solve(*args, ctypes.byref(stats), ctypes.byref(err))
    L.check(st, err)
    tr = out.contents
    tt = np.ctypeslib.as_array(tr.t, shape=(tr.n,)).copy()
    yy = np.ctypeslib.as_array(tr.y, shape=(tr.n, tr.dim)).copy()
    _traj_free(out)
    sd = {k: getattr(stats, k) for k, _ in _Stats._fields_}
    return Solution(tt, yy, sys.states, sd, est.value if estimate else None)
