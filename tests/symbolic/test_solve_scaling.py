"""reduce_flow(..., coordinates="invariant"): the single neuron in function space
(docs/math/single_neuron.md §2, §6), the u⊙v diagonal net, chain3, and the quadratic
radical."""

from __future__ import annotations

import random
import runpy
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from exactflow.derivations import single_neuron as sn
from exactflow.symbolic import gradient_flow, time_derivative
from exactflow.symbolic.laws.scaling import invariant_setup
from exactflow.symbolic.solve.reduce import (
    ReductionError,
    change_variables,
    reduce_flow,
)
from exactflow.symbolic.solve.variables import _root

from .test_scaling import uv_model

ROOT = Path(__file__).resolve().parents[2]
ea, ew = sn.eta_a, sn.eta_w


def _math_rhs(beta, delta, s):
    """Eq. (3)–(4) of docs/math/single_neuron.md §6 on the slice, β* = (s, 0):
    β̇ = M(β* − β)."""
    beta = sp.Matrix(beta)
    nb2 = (beta.T * beta)[0, 0]
    kappa = sp.sqrt(delta**2 + 4 * ea * ew * nb2)
    M = (kappa + delta) / 2 * sp.eye(2) + (kappa - delta) / 2 * beta * beta.T / nb2
    return M * (sp.Matrix([s, 0]) - beta)


def _single_neuron(d):
    flow = gradient_flow(sn.model(d, whitened=True))
    return flow, reduce_flow(flow, coordinates="invariant")


@pytest.mark.parametrize("d", [2, 3])
def test_single_neuron_invariant_reduction_is_function_space_flow(d):
    flow, sys_ = _single_neuron(d)
    sl = sys_.slice
    a, u, r = sl.state
    p1, p2 = sys_.coords
    # the invariant coordinates are β = a w written on the slice
    assert {sys_.definitions[p1], sys_.definitions[p2]} == {a * u, a * r}
    if sys_.definitions[p1] != a * u:
        p1, p2 = p2, p1
    (c,) = sys_.constants
    # the Noether constant is δ/(η_aη_w), δ of docs/math/single_neuron.md §2
    assert sp.simplify(sys_.constants[c] * ea * ew - sn.delta(d)) == 0
    assert sp.simplify(time_derivative(flow, sys_.constants[c])) == 0
    ref = _math_rhs([p1, p2], ea * ew * c, sl.s)
    got = sys_.equations
    # exact evaluation at random rational points (√ of a rational is canonical)
    rng = random.Random(d)
    for _ in range(4):
        pt = {x: sp.Rational(rng.randint(-9, 9), rng.randint(1, 5))
              for x in (p1, p2, c)}
        pt.update({ea: sp.Rational(rng.randint(1, 9), rng.randint(1, 4)),
                   ew: sp.Rational(rng.randint(1, 9), rng.randint(1, 4)),
                   sl.s: sp.Rational(rng.randint(1, 9), rng.randint(1, 4))})
        if pt[p1] == pt[p2] == 0:
            pt[p1] = sp.Integer(1)
        for z, i in ((p1, 0), (p2, 1)):
            assert sp.radsimp(got[z].xreplace(pt) - ref[i].xreplace(pt)) == 0
    # and symbolically
    for z, i in ((p1, 0), (p2, 1)):
        assert sp.simplify(got[z] - ref[i]) == 0
    heads = [h for h, _ in sys_.steps]
    assert heads[:2] == ["Symmetry reduction", "Rescaling symmetry"]
    text = dict(sys_.steps)["Rescaling symmetry"]
    assert "(a, w) → (c·a, w/c)" in text and f"=: {c}" in text
    assert "p_1 = a*u" in text and "p_2 = a*r" in text
    assert "larger root" in dict(sys_.steps)["Change of variables"]


def test_single_neuron_balanced_and_given_delta():
    flow = gradient_flow(sn.model(2, whitened=True))
    sys_ = reduce_flow(flow, coordinates="invariant",
                       values={sp.Symbol("delta_1", real=True): 0})
    p1, p2 = sys_.coords
    ref = _math_rhs([p1, p2], 0, sys_.slice.s)
    for z, i in ((p1, 0), (p2, 1)):
        assert sp.simplify(sys_.equations[z] - ref[i]) == 0
    # a given δ proportional to the charge: no second constant
    dl = sp.Symbol("delta", real=True)
    sys_ = reduce_flow(flow, coordinates="invariant", conserved={dl: sn.delta(2)})
    assert set(sys_.constants) == {dl}
    assert "already given" in dict(sys_.steps)["Rescaling symmetry"]
    ref = _math_rhs([p1, p2], dl, sys_.slice.s)
    for z, i in ((p1, 0), (p2, 1)):
        assert sp.simplify(sys_.equations[z] - ref[i]) == 0


def test_single_neuron_invariant_reduction_matches_dop853():
    integrate = pytest.importorskip("scipy.integrate")
    flow, sys_ = _single_neuron(2)
    sl = sys_.slice
    (c,) = sys_.constants
    p = sys_.coords
    bstar = np.array([0.6, -1.1])
    rates = {ea: 0.7, ew: 1.9}
    consts = {sl.s: float(np.linalg.norm(bstar)), **rates}
    num_theta = sp.lambdify(
        [flow.model.symbols], [f.xreplace({**rates, **dict(zip(
            sn.symbols(2)["beta_star"], bstar))}) for f in flow.rhs], "numpy")
    for a0, w0 in ((0.3, [1.2, 0.4]), (-1.4, [0.2, -0.3]), (0.05, [-0.5, 0.9])):
        theta0 = [a0, *w0]
        delta0 = float((sys_.constants[c]).xreplace(
            {**dict(zip(flow.model.symbols, theta0)), **rates}))
        rhs = sp.lambdify([p], [f.xreplace({**consts, c: delta0}) for f in sys_.rhs],
                          "numpy")
        e1 = bstar / np.linalg.norm(bstar)

        def to_p(th):
            a, w = th[0], np.asarray(th[1:])
            u = w @ e1
            return [a * u, a * np.linalg.norm(w - u * e1)]

        times = [0.5, 2.0]
        full = integrate.solve_ivp(lambda t, y: num_theta(y), (0, 2.0), theta0,
                                   method="DOP853", t_eval=times, rtol=1e-12,
                                   atol=1e-13)
        red = integrate.solve_ivp(lambda t, y: rhs(y), (0, 2.0), to_p(theta0),
                                  method="DOP853", t_eval=times, rtol=1e-12,
                                  atol=1e-13)
        for k in range(len(times)):
            np.testing.assert_allclose(red.y[:, k], to_p(full.y[:, k]), rtol=1e-7,
                                       atol=1e-8)


def test_uv_diagonal_net_reduces_per_coordinate():
    m = uv_model(2)
    flow = gradient_flow(m)
    sys_ = reduce_flow(flow, coordinates="invariant")
    ex, ey = sp.symbols("eta_x eta_y", positive=True)
    x, y, bs = m.symbols[:2], m.symbols[2:], sp.symbols("b0:2", real=True)
    assert sys_.slice is None and len(sys_.constants) == 2
    for i, z in enumerate(sys_.coords):
        assert sys_.definitions[z] == x[i] * y[i]
        (ci,) = [k for k, q in sys_.constants.items() if q.has(x[i])]
        # by hand: ż = (η_x y² + η_y x²)(b − xy), and with δ_i = x²/η_x − y²/η_y
        # (η_x y² + η_y x²)² = (η_xη_y δ_i)² + 4η_xη_y (xy)²
        q = sys_.constants[ci]
        assert sp.simplify(q - (x[i] ** 2 / ex - y[i] ** 2 / ey)) == 0
        speed = sp.sqrt((ex * ey * ci) ** 2 + 4 * ex * ey * z**2)
        assert sp.simplify(sys_.equations[z] - speed * (bs[i] - z)) == 0


def test_chain3_invariant_does_not_close_and_says_so():
    model = runpy.run_path(str(ROOT / "examples" / "chain3.py"))["model"]()
    flow = gradient_flow(model)
    a, b, c = model.symbols
    e = sp.symbols("eta_a eta_b eta_c", positive=True)
    d1 = a**2 / e[0] - b**2 / e[1]
    d2 = b**2 / e[1] - c**2 / e[2]
    setup = invariant_setup(flow, None, model.symbols, flow.rhs, {}, set())
    assert list(setup.coordinates.values()) == [a * b * c]
    # the charges span the same space as δ₁, δ₂ (examples/chain3.py)
    basis = [a**2, b**2, c**2]

    def row(q):
        return [sp.expand(q).coeff(x) for x in basis]

    charges = list(setup.charges.values())
    assert len(charges) == 2
    M = sp.Matrix([row(q) for q in charges])
    assert M.rank() == 2 and sp.Matrix([row(q) for q in charges + [d1, d2]]).rank() == 2
    with pytest.raises(ReductionError) as err:
        reduce_flow(flow, coordinates="invariant")
    msg = str(err.value)
    assert "p_1 = a*b*c" in msg and "do not close" in msg
    assert "a**2*b**2*eta_c + a**2*c**2*eta_b + b**2*c**2*eta_a" in msg
    # with δ₁, δ₂ given, no charge is added twice, and it still does not close
    dd = sp.symbols("delta1 delta2", real=True)
    setup = invariant_setup(flow, None, model.symbols, flow.rhs,
                            {dd[0]: d1, dd[1]: d2}, set())
    assert setup.charges == {}
    with pytest.raises(ReductionError, match="do not close"):
        reduce_flow(flow, coordinates="invariant", conserved=dict(zip(dd, (d1, d2))))


def test_quadratic_radical_in_change_of_variables():
    # ż = (2a² + b²)(s − z), z = ab, on a² − b² = δ: Y = 2a² + b² ≥ 0 satisfies
    # Y² − δY − 2δ² − 9z² = 0 (not a binomial), so Y = (δ + 3√(δ² + 4z²))/2
    a, b, s, z, dl = sp.symbols("a b s z delta", real=True)
    rhs = (b * (s - a * b), 2 * a * (s - a * b))
    (got,), _, notes = change_variables((a, b), rhs, {z: a * b}, [a**2 - b**2 - dl])
    assert "larger root" in notes[0]
    rng = random.Random(3)
    for _ in range(5):
        av, bv, sv = (sp.Rational(rng.randint(-9, 9), rng.randint(1, 4))
                      for _ in range(3))
        pt = {z: av * bv, dl: av**2 - bv**2, s: sv}
        assert sp.radsimp(got.xreplace(pt) - (2 * av**2 + bv**2) * (sv - av * bv)) == 0


def test_root_accepts_only_a_decidable_sign():
    Y, x = sp.symbols("Y x", real=True)
    value, _ = _root(Y**2 - Y - 2, Y, "f")  # roots 2, −1
    assert value == 2
    assert _root(Y**2 - 3 * Y + 2, Y, "f") is None  # roots 1, 2: product > 0
    value, _ = _root(Y**2 - (x**2 + 1), Y, "f")  # the binomial case
    assert value == sp.sqrt(x**2 + 1)
