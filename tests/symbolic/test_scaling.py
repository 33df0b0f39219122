"""Rescaling symmetries, Noether charges and invariant monomials (scaling.py).

References are independent of the code under test: invariance is checked by
substituting θ_i → c^{k_i} θ_i into the loss, the symmetry counts by hand, the
charges by d/dt along the flow and against docs/math/single_neuron.md §2's δ, the
invariant
monomials by brute-force enumeration.
"""

from __future__ import annotations

import itertools
import random
import runpy
from pathlib import Path

import pytest
import sympy as sp

from exactflow.derivations import diagonal_linear, single_neuron
from exactflow.symbolic import Model, ParamGroup, gradient_flow, time_derivative
from exactflow.symbolic.laws.scaling import (
    ScalingSymmetry,
    invariant_monomials,
    noether_charge,
    scaling_symmetries,
)

ROOT = Path(__file__).resolve().parents[2]
c = sp.Symbol("c", positive=True)
eta = sp.Symbol("eta", positive=True)


def chain3() -> Model:
    return runpy.run_path(str(ROOT / "examples" / "chain3.py"))["model"]()


def uv_model(d: int) -> Model:
    """Diagonal linear net β = x⊙y (the u⊙v parametrisation), whitened."""
    x = sp.symbols(f"x0:{d}", real=True)
    y = sp.symbols(f"y0:{d}", real=True)
    bs = sp.symbols(f"b0:{d}", real=True)
    ex, ey = sp.symbols("eta_x eta_y", positive=True)
    loss = sum((bi - xi * yi) ** 2 for bi, xi, yi in zip(bs, x, y)) / 2
    return Model("uv", (ParamGroup("x", x, ex, (d,)), ParamGroup("y", y, ey, (d,))),
                 (ex, ey) + bs, loss)


def no_symmetry() -> Model:
    a, b = sp.symbols("a b", real=True)
    return Model("plain", (ParamGroup("a", (a,), eta), ParamGroup("b", (b,), eta)),
                 (eta,), (a - 1) ** 2 / 2 + (b - 2) ** 2 / 2)


def power_model() -> Model:
    a, b = sp.symbols("a b", real=True)
    e, s, y = sp.symbols("e s y", real=True)
    return Model("power", (ParamGroup("a", (a,), eta), ParamGroup("b", (b,), eta),
                           ParamGroup("e", (e,), eta)),
                 (eta, s, y), (s - a * b**2) ** 2 / 2 + (y - e) ** 2 / 2)


def invariant(loss, sym: ScalingSymmetry) -> bool:
    return sp.simplify(loss.xreplace(sym.act(c)) - loss) == 0


def vector(sym, model):
    return sp.Matrix([[sym.exponents[x] for x in model.symbols]])


MODELS = {
    "single_neuron_2": lambda: single_neuron.model(2, whitened=True),
    "single_neuron_3": lambda: single_neuron.model(3, whitened=True),
    "single_neuron_general": lambda: single_neuron.model(2),
    "uv_3": lambda: uv_model(3),
    "chain3": chain3,
    "power": power_model,
}
# number of independent rescalings, counted by hand
HAND_COUNT = {"single_neuron_2": 1, "single_neuron_3": 1, "single_neuron_general": 1,
              "uv_3": 3, "chain3": 2, "power": 1}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_symmetries_leave_the_loss_invariant_and_are_counted(name):
    model = MODELS[name]()
    syms = scaling_symmetries(model)
    assert len(syms) == HAND_COUNT[name]
    basis = sp.Matrix.vstack(*(vector(s, model) for s in syms))
    assert basis.rank() == len(syms)
    for sym in syms:
        assert all(isinstance(k, int) for k in sym.exponents.values())
        first = next(k for k in vector(sym, model) if k)
        assert first > 0  # the documented sign convention
        assert invariant(model.loss, sym)
    # the basis spans: a random integer combination is again a symmetry
    rng = random.Random(1)
    combo = [rng.randint(-3, 3) for _ in syms]
    mixed = ScalingSymmetry({x: sum(w * s.exponents[x] for w, s in zip(combo, syms))
                             for x in model.symbols})
    assert invariant(model.loss, mixed)


def test_single_neuron_symmetry_is_the_known_one():
    for d in (2, 3):
        model = single_neuron.model(d, whitened=True)
        (sym,) = scaling_symmetries(model)
        # docs/math/single_neuron.md §1: (a, w) → (a/c, c w), up to the orientation of c
        hand = sp.Matrix([[-1] + [1] * d])
        assert vector(sym, model) in (hand, -hand)
        assert sym.describe() == "(a, w) → (c·a, w/c)"


def test_uv_symmetries_are_one_per_coordinate():
    model = uv_model(3)
    syms = scaling_symmetries(model)
    for i, sym in enumerate(syms):
        support = {x.name for x, k in sym.exponents.items() if k}
        assert support == {f"x{i}", f"y{i}"}
        assert sym.describe() == f"(x{i}, y{i}) → (c·x{i}, y{i}/c)"


def test_chain3_symmetries_span_the_plane_sum_zero():
    model = chain3()
    syms = scaling_symmetries(model)
    # by hand: θ ∂L/∂θ = (k_a + k_b + k_c) abc ∂_f L, so the plane k_a+k_b+k_c = 0
    for sym in syms:
        assert sum(sym.exponents.values()) == 0
    assert "λ" in syms[0].describe()  # a parameter is called c: the text uses λ


def test_no_symmetry():
    assert scaling_symmetries(no_symmetry()) == ()
    # β = u⊙u − v⊙v (the catalog's diagonal net) has only sign symmetries
    assert scaling_symmetries(diagonal_linear.model(2)) == ()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_noether_charges_are_conserved(name):
    model = MODELS[name]()
    flow = gradient_flow(model)
    for sym in scaling_symmetries(model):
        q = noether_charge(sym, model)
        assert sp.simplify(time_derivative(flow, q)) == 0


def test_single_neuron_charge_is_delta_over_rates():
    # docs/math/single_neuron.md §2: δ = η_w a² − η_a‖w‖²
    for d in (2, 3):
        model = single_neuron.model(d, whitened=True)
        (sym,) = scaling_symmetries(model)
        q = noether_charge(sym, model)
        ea, ew = single_neuron.eta_a, single_neuron.eta_w
        assert sp.simplify(q * ea * ew - single_neuron.delta(d)) == 0


def _brute_force_hilbert(symbols, syms, max_degree):
    """Invariant monomials by substitution, then the irreducible ones."""
    inv = []
    for deg in range(1, max_degree + 1):
        for combo in itertools.combinations_with_replacement(symbols, deg):
            mono = sp.Mul(*combo)
            if all(sp.simplify(mono.xreplace(s.act(c)) - mono) == 0 for s in syms):
                inv.append(mono)
    invs = set(inv)
    return {m for m in inv
            if not any(sp.cancel(m / g) in invs for g in inv
                       if g != m and sp.cancel(m / g).is_polynomial(*symbols)
                       and sp.fraction(sp.cancel(m / g))[1] == 1)}


@pytest.mark.parametrize("name", ["single_neuron_3", "uv_3", "chain3", "power"])
def test_invariant_monomials_are_the_hilbert_basis(name):
    model = MODELS[name]()
    syms = scaling_symmetries(model)
    gens = invariant_monomials(model, syms, max_degree=4)
    assert len(set(gens)) == len(gens)
    assert set(gens) == _brute_force_hilbert(model.symbols, syms, 4)


def test_invariant_monomials_known_cases():
    m = single_neuron.model(3, whitened=True)
    a, w = single_neuron.a, single_neuron.symbols(3)["w"]
    assert set(invariant_monomials(m, scaling_symmetries(m))) == {a * x for x in w}
    m = chain3()
    a, b, cc = m.symbols
    assert invariant_monomials(m, scaling_symmetries(m)) == (a * b * cc,)
    # an untouched symbol is itself an invariant; a b² needs degree 3
    m = power_model()
    a, b, e = m.symbols
    assert set(invariant_monomials(m, scaling_symmetries(m))) == {e, a * b**2}
    assert set(invariant_monomials(m, scaling_symmetries(m), max_degree=2)) == {e}
    m = no_symmetry()
    assert invariant_monomials(m, ()) == m.symbols


def test_invariant_monomials_scale_to_ten_symbols():
    m = uv_model(5)
    gens = invariant_monomials(m, scaling_symmetries(m), max_degree=6)
    x, y = m.symbols[:5], m.symbols[5:]
    assert set(gens) == {xi * yi for xi, yi in zip(x, y)}
