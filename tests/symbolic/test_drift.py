"""Conservation laws under gradient descent: exact one-step changes.

See docs/math/conservation_laws.md §3.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from exactflow.derivations import single_neuron as sn
from exactflow.derivations import zoo
from exactflow.symbolic.laws.conservation import discover_laws
from exactflow.symbolic.laws.drift import gd_drift, gd_iterates
from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.spec.model import Model, ParamGroup

from .laws_cases import same_span, uv_laws

MODELS = {
    "single_neuron": lambda: sn.model(2),
    "uv": lambda: zoo.two_layer_linear(2, 2, 2, samples=2),
    "deep": lambda: zoo.deep_linear((2, 2, 2, 1)),
    "relu_bias": lambda: zoo.two_layer_relu(2, 2, bias=True),
    "leaky_relu": lambda: zoo.two_layer_relu(2, 2, activation="leaky_relu"),
    "diagonal_pm": lambda: zoo.diagonal_net(2, "pm", shared_rate=True),
    "homogeneous": lambda: zoo.homogeneous_neuron(3),
}


def _start(model, seed):
    rng = random.Random(seed)
    values = {s: sp.Rational(rng.randint(-9, 9), rng.randint(1, 9))
              for s in model.symbols + model.consts}
    for r in set(model.rates.values()):
        values[r] = sp.Rational(rng.randint(1, 9), rng.randint(10, 30))
    return values


@pytest.mark.parametrize("name", sorted(MODELS))
def test_changes_match_exact_rational_iterates(name):
    model = MODELS[name]()
    drift = gd_drift(discover_laws(model))
    start = _start(model, 3)
    fixed = {s: v for s, v in start.items() if s not in model.symbols}
    iterates = gd_iterates(model, start, 3)
    for before, after in zip(iterates, iterates[1:]):
        actual = tuple(q.xreplace({**fixed, **after}) - q.xreplace({**fixed, **before})
                       for q in drift.laws.laws)
        assert drift.predicted({**fixed, **before}) == actual
        if "relu" not in name:  # (inactive ReLU units may not move)
            assert any(actual)  # GD really does break the laws


@pytest.mark.parametrize("name", sorted(MODELS))
def test_change_is_second_order_and_nothing_is_conserved_exactly(name):
    model = MODELS[name]()
    drift = gd_drift(discover_laws(model))
    assert all(r.run().passed for r in drift.claims())  # first order ≡ 0
    # orders in ε of η → εη, at a random rational point (generic w.h.p.) where
    # every change is non-zero (ReLU units must be active)
    eps = sp.Symbol("eps", positive=True)
    for seed in range(5, 40):
        at = _start(model, seed)
        at.update({r: eps * at[r] for r in set(model.rates.values())})
        if all(sp.expand(c.xreplace(at)) != 0 for c in drift.changes):
            break

    def order(expr):
        series = sp.Poly(sp.expand(expr.xreplace(at)), eps)
        return min(k for (k,), _ in series.terms())

    for law, change in zip(drift.laws.laws, drift.changes):
        # relative to the law's own rate weight, the change is exactly O(η²)
        assert order(change) == order(law) + 2
    assert drift.conserved == ()


def test_single_neuron_matches_math_formula():
    model = sn.model(2)
    drift = gd_drift(discover_laws(model))
    a, w = sn.a, sp.Matrix(sn.symbols(2)["w"])
    sxx = sp.Matrix([[sp.Symbol("sigma_xx00", real=True),
                      sp.Symbol("sigma_xx01", real=True)],
                     [sp.Symbol("sigma_xx01", real=True),
                      sp.Symbol("sigma_xx11", real=True)]])
    g = sxx * (a * w) - sp.Matrix(sn.symbols(2)["sigma_xy"])  # ∇_β L
    ea, ew = sn.eta_a, sn.eta_w
    formula = ea * ew * (ea * (w.T * g)[0] ** 2 - ew * a**2 * (g.T * g)[0])
    assert is_identically_zero(drift.changes[0] - formula)


def test_uv_matches_math_matrix_formula():
    # A^T W x with W = Vᵀ, A = Uᵀ: Δ' − Δ = η_uη_v(η_u W G Gᵀ Wᵀ − η_v A Gᵀ G Aᵀ)
    model = zoo.two_layer_linear(2, 2, 2, samples=1)
    laws = discover_laws(model)
    U = sp.Matrix(2, 2, model.group("u").symbols)
    V = sp.Matrix(2, 2, model.group("v").symbols)
    eu, ev = model.group("u").rate, model.group("v").rate
    G = sp.zeros(2, 2)  # ∇_β L, β = V Uᵀ (d × c)
    for s in range(1):
        xs = sp.Matrix([sp.Symbol(f"xs{s}_{j}", real=True) for j in range(2)])
        ys = sp.Matrix([sp.Symbol(f"ys{s}_{c}", real=True) for c in range(2)])
        G += xs * (U * V.T * xs - ys).T
    W, A = V.T, U.T
    change = eu * ev * (eu * W * G * G.T * W.T - ev * A * G.T * G * A.T)
    drift = gd_drift(laws)
    entries = {sp.expand(q): (k, j) for q, (k, j) in
               zip(uv_laws(model), [(0, 0), (0, 1), (1, 1)])}
    for q, predicted in zip(laws.laws, drift.changes):
        k, j = entries[q]
        assert is_identically_zero(predicted - change[k, j])


def test_linear_laws_are_conserved_exactly_by_gd():
    a, b, x, xs, ys = sp.symbols("a b x xs ys", real=True)
    ea, eb = sp.symbols("eta_a eta_b", positive=True)
    model = Model("toy", (ParamGroup("a", (a,), ea), ParamGroup("b", (b,), eb)),
                  (ea, eb, xs, ys), (ys - (a + b) ** 2 * xs) ** 2 / 2, (x,),
                  (a + b) ** 2 * x)
    laws = discover_laws(model, degree=2)
    assert same_span(laws.laws, [eb * a - ea * b, (eb * a - ea * b) ** 2], (a, b),
                     (ea, eb))
    # a linear law is exact under GD, and so is every function of it
    drift = gd_drift(laws)
    assert same_span(drift.conserved, laws.laws, (a, b), (ea, eb))
    assert drift.changes == (0, 0)


def test_gd_iterates_errors():
    with pytest.raises(ValueError, match="missing"):
        gd_iterates(sn.model(1), {}, 1)
    model = zoo.homogeneous_neuron(1, "tanh")
    with pytest.raises(ValueError, match="not rational"):
        gd_iterates(model, _start(model, 0), 1)


def test_quadratic_law_changes_by_itself_at_the_step():
    # Q homogeneous quadratic and ∇Q·Δθ = 0: Q(θ + Δθ) − Q(θ) = Q(Δθ)
    model = zoo.two_layer_linear(2, 2, 2)
    drift = gd_drift(discover_laws(model))
    at_step = dict(zip(model.symbols, drift.steps))
    for law, change in zip(drift.laws.laws, drift.in_steps):
        assert sp.expand(change - law.xreplace(at_step)) == 0
