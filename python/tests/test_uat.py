"""The Python package against the command line (bit for bit: model files, reports, ODE
outputs), against NumPy and finite differences, its errors, and its memory over 10,000
create/free cycles. Run: /usr/bin/python3 -m pytest python/tests (UAT needs the built
libraries: the repository's build/ or an installed uat; UAT_EXE names the uat program)."""
import math
import os
import resource
import subprocess
import tracemalloc

import numpy as np
import pytest

import uat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UAT = os.environ.get("UAT_EXE", os.path.join(ROOT, "build", "uat"))


def cli(*args, cwd=None):
    p = subprocess.run([UAT, *args], capture_output=True, text=True, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def same_report(py, text):
    want = uat.parse_report(text)
    want.pop("seconds", None)
    got = {k: v for k, v in py.items() if k != "seconds"}
    assert got == want


# ---- expressions --------------------------------------------------------------------------

def test_expressions_against_cli_and_numpy():
    e = uat.Expr("sin(x)*exp(-x^2)")
    rc, out, _ = cli("sym", "diff", "sin(x)*exp(-x^2)", "x")
    assert str(e.diff("x")) == out.strip()
    x = np.linspace(-2, 2, 101)
    assert np.max(np.abs(e(x=x) - np.sin(x) * np.exp(-x * x))) <= 1e-15
    assert str(uat.Expr("(x + 1)^5").expand()) == "x^5 + 5*x^4 + 10*x^3 + 10*x^2 + 5*x + 1"
    assert str(uat.Expr("alpha*x - beta*x*y").subs(x="gamma/delta", y="alpha/beta")) == "0"
    assert uat.Expr("alpha/beta").latex() == r"\frac{\alpha}{\beta}"
    v = uat.sym.ddt("delta*x - gamma*log(x) + beta*y - alpha*log(y)",
                    {"x": "alpha*x - beta*x*y", "y": "delta*x*y - gamma*y"})
    assert str(v) == "0"
    sols, unsolved = uat.sym.equilibria({"x": "alpha*x - beta*x*y", "y": "delta*x*y - gamma*y"})
    assert [(str(s["x"]), str(s["y"])) for s in sols] == [("0", "0"), ("gamma/delta", "alpha/beta")]
    assert unsolved == []


def test_expression_errors_carry_uat_messages():
    with pytest.raises(uat.UatError) as e:
        uat.Expr("sin(x")
    rc, _, err = cli("sym", "diff", "sin(x", "x")
    assert rc == 1 and str(e.value) in err
    assert str(e.value) == "1:6: expected ')' after argument of sin"
    with pytest.raises(uat.UatError, match="unknown variable 'y'"):
        uat.Expr("x*y")(x=1.0)


# ---- ODEs ---------------------------------------------------------------------------------

def test_ode_solutions_equal_the_cli(tmp_path):
    t = np.linspace(0, 15, 31)
    s = uat.solve("lotka-volterra", t)
    rc, _, _ = cli("ode", "lotka-volterra", "--t", "0:15:31", "-o", str(tmp_path / "lv.csv"))
    ref = np.genfromtxt(tmp_path / "lv.csv", delimiter=",", names=True)
    assert rc == 0
    np.testing.assert_array_equal(s["x"], ref["x"])
    np.testing.assert_array_equal(s["y"], ref["y"])
    assert s.stats["steps"] > 0
    # a system written as equations; harmonic oscillator against its exact solution
    h = uat.solve(["x = v", "v = -omega^2*x"], t, params={"omega": 2.0}, y0=[1.0, 0.0],
                  rtol=1e-12, atol=1e-14, estimate=True)
    assert np.max(np.abs(h["x"] - np.cos(2 * t))) < 1e-9
    assert h.error_estimate < 1e-9
    with pytest.raises(uat.UatError, match="parameter 'omega' has no value"):
        uat.solve(["x = v", "v = -omega^2*x"], t, y0=[1.0, 0.0])
    assert "lorenz" in uat.catalogue()


# ---- networks -----------------------------------------------------------------------------

def forward_numpy(net, x):
    th, sizes, k = net.theta, net.sizes, 0
    a = x
    for l in range(len(sizes) - 1):
        n_in, n_out = sizes[l], sizes[l + 1]
        W = th[k:k + n_in * n_out].reshape(n_out, n_in)
        k += n_in * n_out
        b = th[k:k + n_out]
        k += n_out
        z = a @ W.T + b
        a = np.tanh(z) if l < len(sizes) - 2 else z
    return a


def test_network_predict_gradient_jacobian():
    net = uat.Network([2, 8, 8, 3], act="tanh").init("torch", seed=3)
    x = np.random.default_rng(0).uniform(-1, 1, (300, 2))
    t = np.random.default_rng(1).uniform(-1, 1, (300, 3))
    np.testing.assert_allclose(net.predict(x), forward_numpy(net, x), rtol=0, atol=1e-14)
    loss, g = net.gradient(x, t)
    assert abs(loss - np.mean((forward_numpy(net, x) - t) ** 2)) < 1e-14
    th = net.theta  # a view: perturbing it changes the network
    for i in (0, 17, th.size - 1):
        h, keep = 1e-6, th[i]
        th[i] = keep + h
        lp = np.mean((forward_numpy(net, x) - t) ** 2)
        th[i] = keep - h
        lm = np.mean((forward_numpy(net, x) - t) ** 2)
        th[i] = keep
        assert abs((lp - lm) / (2 * h) - g[i]) < 1e-8 * max(1.0, abs(g[i]))
    J = net.jacobian(x[:4])
    for j in range(2):
        d = np.zeros(2)
        d[j] = 1e-6
        fd = (forward_numpy(net, x[:4] + d) - forward_numpy(net, x[:4] - d)) / 2e-6
        np.testing.assert_allclose(J[:, :, j], fd, rtol=0, atol=1e-8)
    check = net.gradcheck(x[:20], t[:20])
    assert check["max_rel_err"] < 1e-7 and check["jacobian_max_rel_err"] < 1e-7


def test_save_load_round_trip(tmp_path):
    net = uat.Network([1, 4, 1]).init("xavier", seed=1)
    net.save(tmp_path / "m.txt")
    back = uat.Network.load(tmp_path / "m.txt")
    np.testing.assert_array_equal(back.theta, net.theta)
    assert back.activations == ["tanh", "identity"]
    with pytest.raises(uat.UatError):
        uat.Network.load(tmp_path / "missing.txt")


# ---- fits: bit for bit the command's ------------------------------------------------------

CASES = [
    (dict(target="sin(x)", domain={"x": (-math.pi, math.pi)}, layers=[1, 32, 1],
          trainer="varpro", seed=1),
     ["--target", "sin(x)", "--domain", "x=-pi:pi", "--layers", "1,32,1", "--trainer", "varpro",
      "--seed", "1"]),
    (dict(target="exp(x)", hidden=8, trainer="adam", max_iter=300, lr=0.01),
     ["--target", "exp(x)", "--hidden", "8", "--trainer", "adam", "--max-iter", "300", "--lr",
      "0.01"]),
    (dict(target="ode:lotka-volterra:field", hidden=16, trainer="lm", max_iter=50),
     ["--target", "ode:lotka-volterra:field", "--hidden", "16", "--trainer", "lm", "--max-iter",
      "50"]),
    (dict(target="bool:0110", hidden=2, trainer="cmaes", max_iter=50, tune={"cmaes_sigma0": 1}),
     ["--target", "bool:0110", "--hidden", "2", "--trainer", "cmaes", "--max-iter", "50",
      "--tune", "cmaes_sigma0=1"]),
    (dict(target="ode-data:lotka-volterra", param="alpha=1.3,beta=0.9,delta=1.8,gamma=0.8",
          y0="2,1.5", times="0:3:16", known="alpha*x; -gamma*y", noise=0.05, max_iter=20,
          seed=1),
     ["--target", "ode-data:lotka-volterra", "-p", "alpha=1.3,beta=0.9,delta=1.8,gamma=0.8",
      "--y0", "2,1.5", "--times", "0:3:16", "--known", "alpha*x; -gamma*y", "--noise", "0.05",
      "--max-iter", "20", "--seed", "1"]),
    (dict(target="data:" + os.path.join(ROOT, "examples", "data", "iris.csv"), hidden=4,
          out_act="softmax", loss="ce", trainer="lbfgs", max_iter=30),
     ["--target", "data:" + os.path.join(ROOT, "examples", "data", "iris.csv"), "--hidden", "4",
      "--out-act", "softmax", "--loss", "ce", "--trainer", "lbfgs", "--max-iter", "30"]),
]


@pytest.mark.parametrize("kw,args", CASES)
def test_fit_equals_cli(tmp_path, kw, args):
    model, report = uat.fit(**kw)
    model.save(tmp_path / "py.txt")
    rc, out, err = cli("fit", *args, "-o", str(tmp_path / "cli.txt"))
    assert rc == 0, err
    same_report(report, out)
    assert (tmp_path / "py.txt").read_bytes() == (tmp_path / "cli.txt").read_bytes()


def test_fit_errors_carry_uat_messages():
    with pytest.raises(uat.UatError) as e:
        uat.fit(target="sin(x)", trainer="newton")
    rc, _, err = cli("fit", "--target", "sin(x)", "--trainer", "newton")
    assert rc != 0 and str(e.value) in err
    with pytest.raises(uat.UatError) as e:
        uat.fit(target="sin(x", hidden=4)
    rc, _, err = cli("fit", "--target", "sin(x", "--hidden", "4")
    assert str(e.value) in err and "1:6" in str(e.value)


def test_evaluate_equals_cli_eval(tmp_path):
    model, _ = uat.fit(target="sin(x)", domain="x=-pi:pi", hidden=16, trainer="varpro", seed=2)
    model.save(tmp_path / "m.txt")
    got = uat.evaluate(model, "sin(x)", domain="x=pi:4")
    rc, out, _ = cli("eval", "--model", str(tmp_path / "m.txt"), "--domain", "x=pi:4")
    want = uat.parse_report(out)
    want.pop("model")
    assert got == want


# ---- sweeps -------------------------------------------------------------------------------

def test_sweep_dict_equals_cli_file(tmp_path):
    exp = {"experiment": {"name": "pysweep", "description": "two widths"},
           "target sin": {"spec": "sin(x)", "domain": "x=-pi:pi"},
           "sweep": {"widths": [4, 8], "trainers": "varpro", "seeds": "0:1"},
           "train": {"max_iter": 50}}
    res = uat.sweep(exp, out=tmp_path / "py")
    (tmp_path / "e.ini").write_text(uat.network._ini(exp))
    rc, out, err = cli("sweep", str(tmp_path / "e.ini"), "-o", str(tmp_path / "cli"),
                       "--no-progress")
    assert rc == 0, err
    ref = uat.read_runs(tmp_path / "cli" / "runs.csv")
    assert res.n_runs == 4 and res.n_bad == 0 and len(res.runs) == 4
    for name in ref.dtype.names:
        if name != "seconds":
            np.testing.assert_array_equal(res.runs[name], ref[name], err_msg=name)


# ---- memory -------------------------------------------------------------------------------

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def cycle():
    net = uat.Network([2, 16, 1]).init("torch", seed=1)
    net.predict(np.zeros((4, 2)))
    net.close()
    e = uat.Expr("alpha*x - beta*x*y").diff("x")
    str(e)
    s = uat.System(["x = -k*x"])
    s.close()


def test_no_leak_over_10000_cycles():
    for _ in range(500):  # warm up allocator pools
        cycle()
    tracemalloc.start()
    before = rss_kib()
    for _ in range(10000):
        cycle()
    grown = rss_kib() - before
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert grown < 2048, f"resident memory grew by {grown} KiB over 10000 cycles"
    assert current < 1 << 20
