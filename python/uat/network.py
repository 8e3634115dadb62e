"""Networks (uat/mlp.h), fits with every trainer and target (uat/fitjob.h, the options of
`uat fit`), error reports (`uat eval`), gradient checks (uat/gradcheck.h) and sweeps
(uat/sweep.h)."""
import ctypes
import os
import tempfile

import numpy as np

from . import _lib as L
from ._lib import P, Error, c_dbl, c_size, c_str, c_void


class _Mlp(ctypes.Structure):
    _fields_ = [("n_layers", c_size), ("sizes", P(c_size)), ("act", P(ctypes.c_int)),
                ("n_params", c_size), ("theta", P(c_dbl)), ("offset", P(c_size)),
                ("no_bias", ctypes.c_int)]


class _InitSpec(ctypes.Structure):
    _fields_ = [("weights", ctypes.c_int), ("wa", c_dbl), ("wb", c_dbl), ("biases", ctypes.c_int),
                ("ba", c_dbl), ("bb", c_dbl)]


class _GroupCheck(ctypes.Structure):
    _fields_ = [("count", c_size), ("worst", c_size), ("max_abs_err", c_dbl),
                ("max_rel_err", c_dbl), ("kinks", c_size)]


class _Check(ctypes.Structure):
    _fields_ = [("n_layers", c_size), ("weights", _GroupCheck * 64), ("biases", _GroupCheck * 64),
                ("max_rel_err", c_dbl), ("worst", c_size), ("kinks", c_size),
                ("jacobian_max_rel_err", c_dbl), ("jacobian_count", c_size)]


class _GcParams(ctypes.Structure):
    _fields_ = [("method", ctypes.c_int), ("h_rel", c_dbl), ("floor", c_dbl), ("floor_rel", c_dbl)]


_alloc = L.fn("uat_mlp_alloc", P(_Mlp), c_size, P(c_size), P(ctypes.c_int))
_free = L.fn("uat_mlp_free", None, P(_Mlp))
_act_parse = L.fn("uat_activation_parse", ctypes.c_int, c_str, P(ctypes.c_int))
_act_name = L.fn("uat_activation_name", c_str, ctypes.c_int)
_loss_parse = L.fn("uat_loss_parse", ctypes.c_int, c_str, P(ctypes.c_int))
_loss_eval = L.fn("uat_loss_eval_rows", c_dbl, ctypes.c_int, c_size, c_size, P(c_dbl), P(c_dbl),
                  P(c_dbl))
_ws_alloc = L.fn("uat_mlp_workspace_alloc", c_void, P(_Mlp), c_size)
_ws_free = L.fn("uat_mlp_workspace_free", None, c_void)
_forward = L.fn("uat_mlp_forward", P(c_dbl), P(_Mlp), c_void, c_size, P(c_dbl))
_backward = L.fn("uat_mlp_backward", ctypes.c_int, P(_Mlp), c_void, P(c_dbl), P(c_dbl), P(c_dbl))
_predict = L.fn("uat_mlp_predict", ctypes.c_int, P(_Mlp), c_void, c_size, P(c_dbl), P(c_dbl))
_jacobian = L.fn("uat_mlp_input_jacobian", ctypes.c_int, P(_Mlp), c_void, P(c_dbl), P(c_dbl))
_load = L.fn("uat_mlp_load", ctypes.c_int, c_str, P(P(_Mlp)), P(Error))
_save = L.fn("uat_mlp_save", ctypes.c_int, c_str, P(_Mlp), P(Error))
_init_torch = L.fn("uat_init_spec_torch", _InitSpec)
_init_rule = L.fn("uat_init_rule_parse", ctypes.c_int, c_str, P(ctypes.c_int))
_init = L.fn("uat_mlp_init", ctypes.c_int, P(_Mlp), P(_InitSpec), c_void)
_rng_alloc = L.fn("uat_rng_alloc", c_void, ctypes.c_ulong)
_rng_free = L.fn("gsl_rng_free", None, c_void)
_gc_defaults = L.fn("uat_gradcheck_default_params", _GcParams)
_gradcheck = L.fn("uat_mlp_gradcheck", ctypes.c_int, P(_Mlp), c_size, P(c_dbl), P(c_dbl),
                  ctypes.c_int, P(_GcParams), P(c_dbl), P(_Check), P(Error))
_job_alloc = L.fn("uat_fit_job_alloc", c_void)
_job_free = L.fn("uat_fit_job_free", None, c_void)
_job_set = L.fn("uat_fit_job_set", ctypes.c_int, c_void, c_str, c_str, P(Error))
_job_run = L.fn("uat_fit_job_run", ctypes.c_int, c_void, P(P(_Mlp)), P(Error))
_job_report = L.fn("uat_fit_job_report", c_size, c_void, ctypes.c_char_p, c_size)
_job_save = L.fn("uat_fit_job_save", ctypes.c_int, c_void, P(_Mlp), c_str, P(Error))
_eval_report = L.fn("uat_eval_report", ctypes.c_int, P(_Mlp), c_str, c_str, c_size, ctypes.c_ulong,
                    P(ctypes.c_void_p), P(Error))
_sweep_file = L.fn("uat_sweep_run_file", ctypes.c_int, c_str, c_str, ctypes.c_int, c_size, c_str,
                   P(c_size), P(c_size), P(Error))

_BATCH = 256
dp = P(c_dbl)


def _choice(parse, name, what):
    v = ctypes.c_int()
    if parse(L.enc(name), ctypes.byref(v)) != 0:
        raise L.UatError(1, f"unknown {what} '{name}'")
    return v.value


def _rows(x, width):
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim == 1 and width == 1:
        a = a.reshape(-1, 1)
    elif a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.shape[1] != width:
        raise L.UatError(1, f"expected rows of {width} values, found shape {np.shape(x)}")
    return a


class Network(L.Owned):
    """A dense network owned by uat. Network([1, 32, 1], act="tanh") makes one (parameters
    zero until init()); Network.load(path) reads a model file. theta is a NumPy view of the
    parameters in C memory (no copy): writing to it changes the network."""

    _owned = (("_ws", _ws_free), ("_ptr", _free), ("_job", _job_free))

    def __init__(self, layers=None, act="tanh", out_act="identity", _ptr=None, _job=None):
        if _ptr is None:
            sizes = (c_size * len(layers))(*layers)
            acts = [_choice(_act_parse, act, "activation")] * (len(layers) - 2) + \
                   [_choice(_act_parse, out_act, "activation")]
            _ptr = _alloc(len(layers), sizes, (ctypes.c_int * len(acts))(*acts))
            if not _ptr:
                raise L.UatError(1, f"invalid layer widths {list(layers)}")
        self._ptr, self._ws, self._job = _ptr, None, _job

    @classmethod
    def load(cls, path):
        out, err = P(_Mlp)(), Error()
        L.check(_load(L.enc(os.fspath(path)), ctypes.byref(out), ctypes.byref(err)), err)
        return cls(_ptr=out)


    @property
    def sizes(self):
        m = self._ptr.contents
        return [m.sizes[i] for i in range(m.n_layers + 1)]

    @property
    def activations(self):
        m = self._ptr.contents
        return [_act_name(m.act[i]).decode() for i in range(m.n_layers)]

    @property
    def theta(self):
        m = self._ptr.contents
        return np.ctypeslib.as_array(m.theta, shape=(m.n_params,))

    def init(self, rule="torch", seed=0):
        """Initialise the weights by rule (uat fit --init) and the biases PyTorch's way, from
        a seeded generator."""
        spec = _init_torch()
        if rule != "torch":
            spec.weights = _choice(_init_rule, rule, "initialiser")
        rng = _rng_alloc(seed)
        st = _init(self._ptr, ctypes.byref(spec), rng)
        _rng_free(rng)
        if st != 0:
            raise L.UatError(st, f"initialiser '{rule}' needs parameters (uat fit --help)")
        return self

    def _workspace(self):
        if not self._ws:
            self._ws = _ws_alloc(self._ptr, _BATCH)
        return self._ws

    def predict(self, x):
        """Outputs for rows of x (n x in; a 1-D array is n points of a one-input network)."""
        sizes = self.sizes
        xr = _rows(x, sizes[0])
        y = np.empty((xr.shape[0], sizes[-1]))
        L.check(_predict(self._ptr, self._workspace(), xr.shape[0], xr.ctypes.data_as(dp),
                         y.ctypes.data_as(dp)), Error())
        return y

    def jacobian(self, x):
        """d outputs / d inputs at each row of x: n x out x in."""
        sizes = self.sizes
        xr = _rows(x, sizes[0])
        jac = np.empty((xr.shape[0], sizes[-1], sizes[0]))
        ws = self._workspace()
        for k in range(xr.shape[0]):
            _jacobian(self._ptr, ws, xr[k].ctypes.data_as(dp), jac[k].ctypes.data_as(dp))
        return jac

    def gradient(self, x, t, loss="mse"):
        """(loss, d loss / d theta) over the rows of x against targets t (the mean loss of
        uat/loss.h: mse, half-mse, bce or ce on logits)."""
        sizes = self.sizes
        xr, tr = _rows(x, sizes[0]), _rows(t, sizes[-1])
        kind = _choice(_loss_parse, loss, "loss")
        n, k = xr.shape[0], sizes[-1]
        grad = np.zeros(self.theta.size)
        part = np.empty_like(grad)
        total = 0.0
        ws = self._workspace()
        for s in range(0, n, _BATCH):
            b = min(_BATCH, n - s)
            y = _forward(self._ptr, ws, b, xr[s:].ctypes.data_as(dp))
            dy = np.empty((b, k))
            total += _loss_eval(kind, b, k, y, tr[s:].ctypes.data_as(dp),
                                dy.ctypes.data_as(dp)) * b
            dy *= b / n  # each chunk's gradient is of its own mean
            _backward(self._ptr, ws, dy.ctypes.data_as(dp), part.ctypes.data_as(dp), None)
            grad += part
        return total / n, grad

    def gradcheck(self, x, t, loss="mse"):
        """Backpropagation against finite differences, per layer (uat gradcheck): a dict."""
        sizes = self.sizes
        xr, tr = _rows(x, sizes[0]), _rows(t, sizes[-1])
        prm, out, err = _gc_defaults(), _Check(), Error()
        L.check(_gradcheck(self._ptr, xr.shape[0], xr.ctypes.data_as(dp), tr.ctypes.data_as(dp),
                           _choice(_loss_parse, loss, "loss"), ctypes.byref(prm), None,
                           ctypes.byref(out), ctypes.byref(err)), err)
        layers = [{"weights_max_rel_err": out.weights[i].max_rel_err,
                   "biases_max_rel_err": out.biases[i].max_rel_err} for i in range(out.n_layers)]
        return {"max_rel_err": out.max_rel_err, "kinks": out.kinks,
                "jacobian_max_rel_err": out.jacobian_max_rel_err, "layers": layers}

    def save(self, path):
        """Write a model file; a network from fit() records its provenance exactly as
        `uat fit -o` does."""
        err = Error()
        if self._job:
            L.check(_job_save(self._job, self._ptr, L.enc(os.fspath(path)), ctypes.byref(err)), err)
        else:
            L.check(_save(L.enc(os.fspath(path)), self._ptr, ctypes.byref(err)), err)


def _value(text):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def parse_report(text):
    """`key = value` lines into a dict (numbers as int or float)."""
    out = {}
    for line in text.splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            out[k.strip()] = _value(v.strip())
    return out


def _domain(domain):
    if domain is None or isinstance(domain, str):
        return domain
    return ",".join(f"{k}={float(lo)!r}:{float(hi)!r}" for k, (lo, hi) in domain.items())


def _option(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def fit(target, domain=None, **options):
    """Train as `uat fit` does, with its long options as keywords (dashes as underscores):
    layers=[1, 32, 1] or hidden=32, trainer="varpro", seed=1, act, out_act, loss, no_bias=True,
    boost, target_rmse, max_iter, plateau="K:REL", lr, batch, tune={"cmaes_sigma0": 1},
    points, train, test, init, x, y, test_rows. A target "ode-data:SYSTEM" or
    "ode-data:FILE.csv" fits a neural ODE with that command's options (times="0:3:31", noise,
    param, y0, known, segments, polish, gradient, method, ...: docs/neural-ode.md). Returns
    (Network, report dict): the same model file bytes (Network.save) and report as the
    command."""
    job = _job_alloc()
    err = Error()
    try:
        L.check(_job_set(job, b"target", L.enc(target), ctypes.byref(err)), err)
        if domain is not None:
            L.check(_job_set(job, b"domain", L.enc(_domain(domain)), ctypes.byref(err)), err)
        for key, value in options.items():
            name = key.replace("_", "-")
            if name == "no-bias":
                if value:
                    L.check(_job_set(job, b"no-bias", b"", ctypes.byref(err)), err)
                continue
            if name == "tune":
                items = value.items() if isinstance(value, dict) else (v.split("=", 1) for v in value)
                for k, v in items:
                    L.check(_job_set(job, b"tune", L.enc(f"{k}={v}"), ctypes.byref(err)), err)
                continue
            L.check(_job_set(job, L.enc(name), L.enc(_option(value)), ctypes.byref(err)), err)
        model = P(_Mlp)()
        L.check(_job_run(job, ctypes.byref(model), ctypes.byref(err)), err)
    except Exception:
        _job_free(job)
        raise
    n = _job_report(job, None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    _job_report(job, buf, n + 1)
    return Network(_ptr=model, _job=job), parse_report(buf.value.decode())


def evaluate(network, target, domain=None, test=0, seed=0):
    """The error report of `uat eval` for a network against a target: a dict (test_rmse,
    test_max, the L2 and L-infinity norms per output and of the derivative...)."""
    text, err = ctypes.c_void_p(), Error()
    L.check(_eval_report(network._ptr, L.enc(target), L.enc(_domain(domain)), test, seed,
                         ctypes.byref(text), ctypes.byref(err)), err)
    s = ctypes.string_at(text.value).decode()
    L.free(text)
    return parse_report(s)


def _ini(experiment):
    lines = []
    for section, values in experiment.items():
        lines.append(f"[{section}]")
        for k, v in values.items():
            lines.append(f"{k} = {_option(v)}")
        lines.append("")
    return "\n".join(lines)


class SweepResults:
    """A results folder: .dir, .runs (runs.csv as a NumPy structured array), .dataframe()."""

    def __init__(self, folder, n_runs, n_bad):
        self.dir, self.n_runs, self.n_bad = folder, n_runs, n_bad
        self.runs = read_runs(os.path.join(folder, "runs.csv"))

    def dataframe(self):
        import pandas  # optional
        return pandas.read_csv(os.path.join(self.dir, "runs.csv"))


def read_runs(path):
    """runs.csv into a structured array (text columns as strings, numbers as floats)."""
    return np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")


def sweep(experiment, out=None, resume=False, jobs=1):
    """Run an experiment file (a path) or an experiment given as a dict of sections
    ({"experiment": {"name": ...}, "target sin": {"spec": "sin(x)"}, "sweep": {...}}) as
    `uat sweep` does; returns SweepResults."""
    path, tmp = experiment, None
    if isinstance(experiment, dict):
        tmp = tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False)
        tmp.write(_ini(experiment))
        tmp.close()
        path = tmp.name
    try:
        err, n, bad = Error(), c_size(), c_size()
        L.check(_sweep_file(L.enc(os.fspath(path)), L.enc(out and os.fspath(out)), int(resume),
                            jobs, b"python: uat.sweep", ctypes.byref(n), ctypes.byref(bad),
                            ctypes.byref(err)), err)
    finally:
        if tmp:
            os.unlink(tmp.name)
    name = None
    if out is None:
        with open(path if not tmp else os.devnull) as f:
            for line in f:
                if line.strip().startswith("name"):
                    name = line.split("=", 1)[1].split("#")[0].strip()
        if isinstance(experiment, dict):
            name = experiment["experiment"]["name"]
    folder = os.fspath(out) if out is not None else os.path.join("results", name)
    return SweepResults(folder, n.value, bad.value)
