"""Symbolic expressions (uat/expr.h, uat/poly.h): parse, differentiate, simplify, expand,
substitute, print as text and LaTeX, and evaluate on NumPy arrays through uat's compiled
programs."""
import ctypes

import numpy as np

from . import _lib as L
from ._lib import P, Error, c_dbl, c_size, c_str, c_void

_parse = L.fn("uat_expr_parse", ctypes.c_int, c_str, P(c_void), P(Error))
_free = L.fn("uat_expr_free", None, c_void)
_copy = L.fn("uat_expr_copy", c_void, c_void)
_diff = L.fn("uat_expr_diff", c_void, c_void, c_str)
_simplify = L.fn("uat_expr_simplify_full", c_void, c_void, P(Error))
_expand = L.fn("uat_expr_expand", c_void, c_void, P(Error))
_subs = L.fn("uat_expr_substitute", c_void, c_void, c_size, P(c_str), P(c_void), P(Error))
_print = L.fn("uat_expr_print", c_size, c_void, ctypes.c_char_p, c_size)
_latex = L.fn("uat_expr_latex", c_size, c_void, ctypes.c_char_p, c_size)
_vars = L.fn("uat_expr_variables", c_size, c_void, P(c_str), c_size)
_compile = L.fn("uat_expr_compile", ctypes.c_int, c_void, c_size, P(c_str), P(c_void), P(Error))
_prog_free = L.fn("uat_expr_program_free", None, c_void)
_eval_many = L.fn("uat_expr_program_eval_many", None, c_void, c_size, P(c_dbl), c_size, P(c_dbl))


class Expr(L.Owned):
    """An expression tree owned by uat: Expr("alpha*x - beta*x*y"). Raises UatError with uat's
    `1:COL: expected ...` message on malformed text."""

    _owned = (("_ptr", _free),)

    def __init__(self, text=None, _ptr=None):
        if _ptr is None:
            err, ptr = Error(), c_void()
            L.check(_parse(L.enc(text), ctypes.byref(ptr), ctypes.byref(err)), err)
            _ptr = ptr.value
        if not _ptr:
            raise L.UatError(2, "out of memory (or an expression above the size limit)")
        self._ptr = _ptr

    @staticmethod
    def _of(value):
        return value if isinstance(value, Expr) else Expr(str(value))


    def _text(self, printer):
        n = printer(self._ptr, None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        printer(self._ptr, buf, n + 1)
        return buf.value.decode()

    def __str__(self):
        return self._text(_print)

    def __repr__(self):
        return f"Expr({str(self)!r})"

    def latex(self):
        return self._text(_latex)

    def diff(self, var):
        return Expr(_ptr=_diff(self._ptr, L.enc(var)))

    def _op(self, f):
        err = Error()
        ptr = f(self._ptr, ctypes.byref(err))
        if not ptr:
            raise L.UatError(err.status, err.msg.decode())
        return Expr(_ptr=ptr)

    def simplify(self):
        """uat sym simplify: the smaller of simplification and expansion."""
        return self._op(_simplify)

    def expand(self):
        return self._op(_expand)

    def subs(self, **values):
        """Names replaced by expressions (Expr, text or numbers), all at once, simplified."""
        vals = [Expr._of(v) for v in values.values()]
        names = (c_str * len(vals))(*[L.enc(k) for k in values])
        ptrs = (c_void * len(vals))(*[v._ptr for v in vals])
        err = Error()
        ptr = _subs(self._ptr, len(vals), names, ptrs, ctypes.byref(err))
        if not ptr:
            raise L.UatError(err.status, err.msg.decode())
        return Expr(_ptr=ptr)

    def variables(self):
        n = _vars(self._ptr, None, 0)
        names = (c_str * max(n, 1))()
        _vars(self._ptr, names, n)
        return [names[i].decode() for i in range(n)]

    def __call__(self, **values):
        """The value at NumPy arrays (broadcast together) of every variable: uat's compiled
        program, evaluated point by point."""
        names = self.variables()
        missing = [n for n in names if n not in values]
        if missing:
            raise L.UatError(8, f"unknown variable '{missing[0]}' (give it as {missing[0]}=VALUE)")
        arrays = np.broadcast_arrays(*[np.asarray(values[n], dtype=np.float64) for n in names]) \
            if names else [np.zeros(())]
        shape = arrays[0].shape
        pts = np.ascontiguousarray(np.stack([a.reshape(-1) for a in arrays], axis=1)) if names \
            else np.zeros((1, 1))
        cnames = (c_str * max(len(names), 1))(*[L.enc(n) for n in names])
        prog, err = c_void(), Error()
        L.check(_compile(self._ptr, len(names), cnames, ctypes.byref(prog), ctypes.byref(err)), err)
        out = np.empty(pts.shape[0])
        _eval_many(prog, pts.shape[0], pts.ctypes.data_as(P(c_dbl)), pts.shape[1],
                   out.ctypes.data_as(P(c_dbl)))
        _prog_free(prog)
        return out.reshape(shape) if shape else float(out[0])


def parse(text):
    return Expr(text)
