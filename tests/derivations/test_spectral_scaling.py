"""spectral_scaling: the derived parametrisation, the table as limits, ‖·‖_*.

References are independent of the code under test: the parametrisation is
compared with the formulas written out here, the table with the μP table by
``sympy.limit`` of ratios taken here, the Lanczos norm with LAPACK's SVD, the
layer model with a NumPy forward pass, and the flow with finite differences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import exactflow
from exactflow.derivations import spectral_scaling as ss

n, d_in, d_out = ss.n, ss.d_in, ss.d_out


# ------------------------------------------------------------ parametrisation


@pytest.mark.parametrize("fan_in, fan_out", [(32, 1024), (1024, 1024), (1024, 10),
                                              (3072, 256), (1, 512), (7, 3)])
def test_parametrization_numbers(fan_in, fan_out):
    std = min(1.0, math.sqrt(fan_out / fan_in)) / math.sqrt(fan_in)
    sgd = ss.parametrization(fan_in, fan_out, "sgd")
    adam = ss.parametrization(fan_in, fan_out, "adam")
    assert set(sgd) == {"init_std", "lr"}
    assert float(sgd["init_std"]) == pytest.approx(std, rel=1e-15)
    assert float(sgd["lr"]) == pytest.approx(fan_out / fan_in, rel=1e-15)
    assert float(adam["lr"]) == pytest.approx(1 / fan_in, rel=1e-15)
    sp_ = ss.parametrization(fan_in, fan_out, "adam", kind="sp")
    ntk = ss.parametrization(fan_in, fan_out, "sgd", kind="ntk")
    assert float(sp_["init_std"]) == pytest.approx(fan_in ** -0.5)
    assert float(sp_["lr"]) == 1
    assert float(ntk["lr"]) == pytest.approx(1 / fan_in)
    assert float(ss.parametrization(fan_in, fan_out, "adam", "ntk")["lr"]) == \
        pytest.approx(fan_in ** -0.5)


def test_parametrization_symbolic():
    p = ss.parametrization(d_in, n, "sgd")
    assert p["lr"] == n / d_in
    want = sp.Min(1, sp.sqrt(n / d_in)) / sp.sqrt(d_in)
    assert sp.simplify(p["init_std"] - want) == 0


@pytest.mark.parametrize("args, exc, word", [
    ((0, 4), ValueError, "fan_in"), ((4, -1), ValueError, "fan_out"),
    ((sp.Symbol("m"), 4), ValueError, "fan_in"), (("x y", 4), TypeError, "fan_in"),
    ((4, 4, "rmsprop"), ValueError, "optimizer"),
    ((4, 4, "sgd", "mf"), ValueError, "kind"),
])
def test_parametrization_bad_input(args, exc, word):
    with pytest.raises(exc, match=word):
        ss.parametrization(*args)


def test_exact_init_std_solves_the_condition_and_bounds_the_form():
    exact_of = sp.lambdify((ss.n_in, ss.n_out),
                           ss.exact_init_std(ss.n_in, ss.n_out), modules=[math])
    rng = np.random.default_rng(0)
    for fi, fo in rng.integers(1, 10**6, size=(500, 2)).tolist():
        exact = exact_of(fi, fo)
        assert exact * (math.sqrt(fo) + math.sqrt(fi)) == pytest.approx(
            math.sqrt(fo / fi), rel=1e-12)
        form = min(1.0, math.sqrt(fo / fi)) / math.sqrt(fi)
        assert 0.5 <= exact / form < 1.0


# --------------------------------------------------------------------- table


def test_table_equals_the_mup_table_as_limits():
    # the μP table (Θ classes, d_in and d_out fixed), written out here
    want = {"input": (1 / d_in, n, 1), "hidden": (1 / n, 1, 1 / n),
            "output": (1 / n**2, 1 / n, 1 / n)}
    sgd = ss.table(["input", "hidden", "output"], optimizer="sgd")
    adam = ss.table(["input", "hidden", "output"], optimizer="adam")
    for layer, (var, lr_sgd, lr_adam) in want.items():
        for got, ref in ((sgd["mup", layer]["init_var"], var),
                         (sgd["mup", layer]["lr"], lr_sgd),
                         (adam["mup", layer]["lr"], lr_adam)):
            r = sp.limit(got / ref, n, sp.oo)
            assert r.is_finite and r.is_positive, (layer, got, ref)


def test_table_columns_differ_where_the_parametrisations_do():
    adam = ss.table(["hidden", "output"], optimizer="adam")
    # SP keeps the output variance Θ(1/n), μP Θ(1/n²): their ratio diverges
    r = sp.limit(adam["sp", "output"]["init_var"] / adam["mup", "output"]["init_var"],
                 n, sp.oo)
    assert r == sp.oo
    assert sp.limit(adam["sp", "hidden"]["lr"] / adam["mup", "hidden"]["lr"], n,
                    sp.oo) == sp.oo
    assert adam.exponent("mup", "output", "init_var") == -2
    assert adam.exponent("ntk", "hidden") == sp.Rational(-1, 2)


def test_table_renders():
    t = ss.table(["input", "hidden", "output", "bias"], optimizer="sgd")
    text, md, tex = str(t), t.markdown(), t.latex()
    assert "Θ(n/d_in)" in text and "μP sgd lr" in text
    assert md.count("\n") == 6 and md.startswith("| layer |")
    assert r"\Theta" in tex and tex.strip().endswith(r"\end{tabular}")


@pytest.mark.parametrize("call, exc, word", [
    (lambda: ss.table("input"), TypeError, "layers"),
    (lambda: ss.table(["nope"]), ValueError, "layers"),
    (lambda: ss.table(["input"], optimizer="lion"), ValueError, "optimizer"),
    (lambda: ss.table(["input"], kinds=("mf",)), ValueError, "kinds"),
])
def test_table_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_leading_term_and_same_order():
    assert ss.leading_term(3 * n**2 + n) == 3 * n**2
    assert ss.leading_term(sp.Min(1, 5 / n) * n) == 5
    assert ss.leading_term(sp.Max(n, sp.sqrt(n)) / d_in) == n / d_in
    with pytest.raises(ValueError, match="power of n"):
        ss.leading_term(n * sp.log(n))
    assert ss.same_order(2 * n + 1, n) and not ss.same_order(n, n**2)


# ------------------------------------------------------------- numeric layer


def _lapack(A):
    """‖A‖_* from LAPACK: √λ_max of the small side's Gram matrix."""
    gram = A.T @ A if A.shape[1] <= A.shape[0] else A @ A.T
    return float(np.sqrt(np.linalg.eigvalsh(gram)[-1]))


@pytest.mark.parametrize("shape", [(3, 5), (129, 140), (500, 200), (150, 600)])
def test_spectral_norm_against_lapack(shape):
    rng = np.random.default_rng(shape[0])
    A = rng.standard_normal(shape) * rng.uniform(0.1, 10)
    ref = _lapack(A)
    assert ss.spectral_norm(A) == pytest.approx(ref, rel=1e-5)
    assert ss.spectral_norm(A, rtol=1e-8) == pytest.approx(ref, rel=1e-12)
    value, v = ss.spectral_norm(A, return_vector=True)
    assert np.linalg.norm(A @ v) == pytest.approx(ref, rel=1e-4)


@settings(max_examples=10)
@given(st.integers(130, 220), st.integers(130, 220), st.integers(1, 4),
       st.integers(0, 2**32 - 1))
def test_spectral_norm_low_rank_and_warm_start(rows, cols, rank, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))
    assert ss.spectral_norm(A, rtol=1e-9) == pytest.approx(_lapack(A), rel=1e-12)
    _, v = ss.spectral_norm(A, return_vector=True)
    B = A + 1e-3 * rng.standard_normal(A.shape)
    assert ss.spectral_norm(B, rtol=1e-9, v0=v) == pytest.approx(_lapack(B),
                                                                 rel=1e-12)


def test_spectral_norm_edge_cases_and_errors():
    assert ss.spectral_norm(np.zeros((300, 200))) == 0.0
    assert ss.spectral_norm(np.eye(1)) == 1.0
    spike = np.zeros((300, 200))
    spike[17, 150] = -3.0  # a Krylov space that closes after one step
    assert ss.spectral_norm(spike) == pytest.approx(3.0, rel=1e-12)
    e = np.zeros(200)
    e[3] = 1.0  # a start vector in the null space
    assert ss.spectral_norm(spike, v0=e) == pytest.approx(3.0, rel=1e-12)
    A = np.random.default_rng(1).standard_normal((200, 150))
    for scale in (1e-250, 1e250):  # no under- or overflow in the squares
        assert ss.spectral_norm(scale * A) / scale == pytest.approx(_lapack(A),
                                                                    rel=1e-6)
    with pytest.raises(ValueError, match="A"):
        ss.spectral_norm(np.ones(3))
    with pytest.raises(ValueError, match="A"):
        ss.spectral_norm(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="rtol"):
        ss.spectral_norm(np.eye(2), rtol=0)
    with pytest.raises(ValueError, match="v0"):
        ss.spectral_norm(np.ones((200, 200)), v0=np.zeros(200))
    with pytest.raises(ValueError, match="maxiter"):
        ss.spectral_norm(np.random.default_rng(0).standard_normal((400, 400)),
                         rtol=1e-14, maxiter=3)


def test_scales_kernel_equals_the_parametrisation():
    rng = np.random.default_rng(3)
    fi, fo = rng.integers(1, 5000, 64), rng.integers(1, 5000, 64)
    s = ss.scales(fi, fo)
    for i in range(0, 64, 7):
        sgd = ss.parametrization(int(fi[i]), int(fo[i]), "sgd")
        adam = ss.parametrization(int(fi[i]), int(fo[i]), "adam")
        assert s["init_std"][i] == pytest.approx(float(sgd["init_std"]), rel=1e-14)
        assert s["lr_sgd"][i] == pytest.approx(float(sgd["lr"]), rel=1e-14)
        assert s["lr_adam"][i] == pytest.approx(float(adam["lr"]), rel=1e-14)
        assert s["eps_adam"][i] == pytest.approx(1 / fo[i], rel=1e-14)
        assert s["target_norm"][i] == pytest.approx(math.sqrt(fo[i] / fi[i]),
                                                    rel=1e-14)
    with pytest.raises(ValueError, match="fan_in"):
        ss.scales([0, 1], [1, 1])


# ------------------------------------------------------- the layer model


def test_model_forward_and_flow_against_numpy():
    m = ss.model(2, 2)
    rng = np.random.default_rng(5)
    vals = {s: rng.normal() for s in m.symbols + m.inputs}
    W1 = np.array([vals[s] for s in ss.symbols(2, 2)["W1"]]).reshape(2, 2)
    W2 = np.array([vals[s] for s in ss.symbols(2, 2)["W2"]]).reshape(2, 2)
    W3 = np.array([vals[s] for s in ss.symbols(2, 2)["W3"]]).reshape(1, 2)
    x = np.array([vals[s] for s in m.inputs])
    assert float(m.forward.subs(vals)) == pytest.approx((W3 @ W2 @ W1 @ x)[0])
    # the flow is −η ⊙ ∇L: central differences of the loss at a random point
    consts = {c: rng.uniform(0.3, 1.5) for c in m.consts}
    point = {**{s: vals[s] for s in m.symbols}, **consts}
    loss = sp.lambdify(list(point), m.loss)
    f = exactflow.derivation("spectral_scaling").flow
    for s in m.symbols[::3]:
        h = 1e-6
        plus, minus = dict(point), dict(point)
        plus[s] += h
        minus[s] -= h
        fd = (loss(*plus.values()) - loss(*minus.values())) / (2 * h)
        assert float(f.equations[s].subs(point)) == pytest.approx(
            -float(m.rates[s].subs(consts)) * fd, rel=1e-6, abs=1e-9)


def test_own_claims_pass():
    names = ["RMS→RMS operator norm = √(n_in/n_out)‖W‖_*, attained on the top "
             "direction",
             "derived table = μP table (input/hidden/output, init var, SGD and Adam "
             "rates)",
             "‖G‖_* ≈ σ(√n_l + √n_{l−1}) for Gaussian G (within 6 %, below on average)"]
    report = exactflow.derivation("spectral_scaling").verify(names)
    assert report.passed and len(report.results) == 3
    methods = {r.name: r.method for r in report.results}
    assert methods[names[2]].startswith("numeric")
