"""The solver on scalar chains: re-derivations (Saxe et al. 2014, see
docs/math/deep_linear_modes.md)
and the new three-layer result with three rates and unbalanced initialisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from exactflow import load_model as load_model_file
from exactflow.symbolic import Model, ParamGroup, gradient_flow
from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.solve import solve, t
from exactflow.symbolic.solve.quadrature import quadrature_time
from exactflow.symbolic.solve.reduce import ReductionError, reduce_flow

ROOT = Path(__file__).resolve().parents[2]
a, b, c = sp.symbols("a b c", real=True)
ea, eb, ec = sp.symbols("eta_a eta_b eta_c", positive=True)
s = sp.Symbol("s", positive=True)
d1, d2 = sp.symbols("delta1 delta2", real=True)
up = sp.Symbol("u", positive=True)


def chain2() -> Model:
    return Model("chain2", (ParamGroup("a", (a,), ea), ParamGroup("b", (b,), eb)),
                 (ea, eb, s), (s - b * a) ** 2 / 2)


def test_depth2_balanced_sigmoid_equals_saxe():
    flow = gradient_flow(chain2())
    sys_ = reduce_flow(flow, {up: a * b}, {d1: a**2 / ea - b**2 / eb}, {d1: 0})
    assert sp.simplify(sys_.rhs[0] - 2 * sp.sqrt(ea * eb) * up * (s - up)) == 0
    res = solve(sys_, flow, "chain2")
    assert res.structure == "riccati" and res.verified
    # docs/math/deep_linear_modes.md, overflow-safe orientation, τ = 1/η with η =
    # √(η_aη_b)
    u0 = sp.Symbol("u_init", positive=True)
    saxe = s * u0 / (u0 + (s - u0) * sp.exp(-2 * s * sp.sqrt(ea * eb) * t))
    assert is_identically_zero(res.reduced_solution[up] - saxe).is_zero


def test_depth3_balanced_quadrature_equals_saxe():
    model = load_model_file(str(ROOT / "examples" / "chain3.py"))
    flow = gradient_flow(model)
    sys_ = reduce_flow(flow, {up: a * b * c},
                       {d1: a**2 / ea - b**2 / eb, d2: b**2 / eb - c**2 / ec},
                       {d1: 0, d2: 0})
    res = solve(sys_, flow, "chain3_balanced")
    assert res.structure == "separable"
    # Saxe (docs/math/deep_linear_modes.md), N_l − 1 = 3 equal rates η = 1/τ: τu̇ =
    # 3u^{4/3}(s − u)
    eta = sp.Symbol("eta", positive=True)
    F = sys_.rhs[0].subs({ea: eta, eb: eta, ec: eta})
    assert is_identically_zero(F - 3 * eta * up ** sp.Rational(4, 3) * (s - up))
    tq, var = res.quadrature
    # the learning time is t(u) = ∫ du / F(u): its derivative is 1/F
    assert var == up
    assert is_identically_zero(sp.diff(tq, up) - 1 / sys_.rhs[0]).is_zero


def test_balanced_needs_a_root_and_says_so():
    flow = gradient_flow(chain2())
    u = sp.Symbol("u", real=True)
    sys_ = reduce_flow(flow, {u: a * b}, {d1: a**2 / ea - b**2 / eb})
    assert sys_.rhs[0].has(sp.sqrt(d1**2 * ea * eb + 4 * u**2))
    with pytest.raises(ReductionError):
        reduce_flow(flow, {u: a}, {d1: a**2 / ea + b**2 / eb})  # not conserved


def test_chain3_unbalanced_time_course_matches_dop853():
    scipy = pytest.importorskip("scipy.integrate")
    model = load_model_file(str(ROOT / "examples" / "chain3.py"))
    import runpy

    spec = runpy.run_path(str(ROOT / "examples" / "chain3.py"))["REDUCTION"]
    flow = gradient_flow(model)
    sys_ = reduce_flow(flow, spec["coordinates"], spec["conserved"])
    res = solve(sys_, flow, "chain3")
    assert res.structure == "curve-quadrature"
    # exact: u̇ = (s − u) η_b g'(B) on the curve u² = g(B)
    B = sp.Symbol("B", nonnegative=True)
    g = ea * ec * B * (B / eb + d1) * (B / eb - d2)
    u = sp.Symbol("u", real=True)
    assert is_identically_zero(sys_.rhs[0] - (s - u) * eb * sp.diff(g, B)).is_zero
    assert is_identically_zero(sys_.constraints[0] - (u**2 - g)).is_zero
    rates = {ea: 1.0, eb: 0.5, ec: 2.0, s: 1.5}
    a0, b0, c0 = 0.9, 0.2, -0.3  # unbalanced, u crosses 0 on its way to s
    rhs = sp.lambdify((a, b, c), [e.subs(rates) for e in flow.rhs])
    sol = scipy.solve_ivp(lambda _, y: rhs(*y), (0, 6), [a0, b0, c0],
                          method="DOP853", rtol=1e-12, atol=1e-13, dense_output=True)
    # beyond t ≈ 4, u is within 1e-4 of s and t(u) amplifies the integrator's
    # error in u by 1/((s − u)F'): compare where the problem is well conditioned
    times = np.linspace(0.2, 3.5, 8)
    A, Bw, C = sol.sol(times)
    us = A * Bw * C
    assert np.all(np.diff(us) > 0)  # u is monotone: a valid time variable
    values = {**rates, d1: a0**2 / 1.0 - b0**2 / 0.5, d2: b0**2 / 0.5 - c0**2 / 2.0}
    tq = quadrature_time(res, us, values, {u: a0 * b0 * c0, B: b0**2})
    assert np.max(np.abs(tq - times)) < 1e-9
