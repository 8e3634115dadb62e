"""Symbols over systems (uat/poly.h): dV/dt along a system and equilibria in symbols."""
import ctypes

from . import _lib as L
from ._lib import P, Error, c_size, c_str, c_void
from .expr import Expr


class _Equilibria(ctypes.Structure):
    _fields_ = [("n", c_size), ("n_solutions", c_size), ("values", P(c_void)),
                ("complete", ctypes.c_int), ("n_unsolved", c_size), ("unsolved", P(c_str))]


_ddt = L.fn("uat_expr_time_derivative", c_void, c_void, c_size, P(c_str), P(c_void), P(Error))
_eq = L.fn("uat_expr_equilibria", ctypes.c_int, c_size, P(c_str), P(c_void), P(_Equilibria),
           P(Error))
_eq_free = L.fn("uat_sym_equilibria_free", None, P(_Equilibria))
_copy = L.fn("uat_expr_copy", c_void, c_void)


def _system(rhs):
    """{"x": "alpha*x - beta*x*y", ...} into names and Exprs."""
    names = list(rhs)
    return names, [Expr._of(rhs[n]) for n in names]


def ddt(V, rhs):
    """dV/dt along x' = rhs (a dict state -> expression), simplified."""
    names, exprs = _system(rhs)
    cn = (c_str * len(names))(*[L.enc(n) for n in names])
    ce = (c_void * len(exprs))(*[e._ptr for e in exprs])
    err = Error()
    ptr = _ddt(Expr._of(V)._ptr, len(names), cn, ce, ctypes.byref(err))
    if not ptr:
        raise L.UatError(err.status, err.msg.decode())
    return Expr(_ptr=ptr)


def equilibria(rhs):
    """Equilibria in symbols: a list of dicts state -> Expr (None: any value), and the
    equations of branches left unsolved."""
    names, exprs = _system(rhs)
    cn = (c_str * len(names))(*[L.enc(n) for n in names])
    ce = (c_void * len(exprs))(*[e._ptr for e in exprs])
    q, err = _Equilibria(), Error()
    L.check(_eq(len(names), cn, ce, ctypes.byref(q), ctypes.byref(err)), err)
    sols = []
    for k in range(q.n_solutions):
        row = {}
        for i, n in enumerate(names):
            v = q.values[k * q.n + i]
            row[n] = Expr(_ptr=_copy(v)) if v else None
        sols.append(row)
    unsolved = [q.unsolved[i].decode() for i in range(q.n_unsolved)]
    _eq_free(ctypes.byref(q))
    return sols, unsolved
