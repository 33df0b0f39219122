"""The implicit solution t(β) of a separable flow with a √quadratic speed (Euler's
substitution), checked along a DOP853 trajectory of the raw parameter ODE."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import exactflow
from exactflow import solve as solve_model
from exactflow.symbolic.solve import init_symbol

from .kernel_reference import assert_implicit_time


@pytest.fixture(scope="module")
def diagonal():
    st = exactflow.derivation("diagonal_linear").solve_setup()
    res = solve_model(st.model, st.conserved, st.coordinates, st.values)
    assert res.structure == "separable" and res.verified
    return st, res


@pytest.mark.parametrize("u0, v0, target", [(0.3, 0.1, 1.5), (1.4, 0.2, 0.5),
                                            (0.2, 0.9, 1.0), (0.05, 0.02, -2.0)])
def test_diagonal_implicit_time_matches_dop853(diagonal, u0, v0, target):
    st, res = diagonal
    tz, beta = res.quadrature
    eta = sp.Symbol("eta", positive=True)
    u, v = st.model.symbols
    bstar = next(c for c in st.model.consts if c.name == "beta_star0")
    c = next(iter(st.conserved))
    t_of = sp.lambdify([beta, init_symbol(beta), c, bstar, eta], tz, "mpmath")

    def rhs(_t, y):  # the raw flow: u̇ = 2ηu(β* − β), v̇ = −2ηv(β* − β)
        r = target - (y[0] ** 2 - y[1] ** 2)
        return [2 * 0.7 * y[0] * r, -2 * 0.7 * y[1] * r]

    times = np.array([0.05, 0.3, 1.0, 2.5])
    sol = solve_ivp(rhs, (0, times[-1]), [u0, v0], method="DOP853", t_eval=times,
                    rtol=1e-12, atol=1e-14)
    b0 = u0**2 - v0**2
    assert_implicit_time(lambda b: t_of(b, b0, u0 * v0, target, 0.7),
                         sol.y[0] ** 2 - sol.y[1] ** 2, times, target)


@pytest.mark.parametrize("a0, b0, ea, eb", [(0.3, 0.1, 1.0, 2.0), (1.2, -0.4, 0.5, 1.5),
                                            (0.05, 0.9, 2.0, 0.7)])
def test_two_layer_scalar_invariant_implicit_time(a0, b0, ea, eb):
    """examples/two_layer_scalar.py with --invariant: p = ab, the discovered law
    Q1 = η_b a² − η_a b² as constant, ṗ = √(Q1² + 4η_aη_b p²)(s − p); the implicit
    t(p) at p(t_k) of a DOP853 run of the raw (a, b) ODE returns t_k."""
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "two_layer_scalar.py"
    ns = runpy.run_path(str(path))
    res = solve_model(ns["model"](), None, "invariant")
    assert res.structure == "separable" and res.verified
    tz, p = res.quadrature
    (q1,) = [c for c in res.system.constants if c.name == "Q1"]
    s_ = 1.3
    subs = {ns["eta_a"]: ea, ns["eta_b"]: eb, ns["s"]: s_,
            q1: eb * a0**2 - ea * b0**2, init_symbol(p): a0 * b0}
    t_of = sp.lambdify(p, tz.xreplace(subs), "mpmath")

    def rhs(_t, y):
        r = s_ - y[0] * y[1]
        return [ea * y[1] * r, eb * y[0] * r]

    times = np.array([0.1, 0.5, 1.5, 3.0])
    sol = solve_ivp(rhs, (0, times[-1]), [a0, b0], method="DOP853", t_eval=times,
                    rtol=1e-12, atol=1e-14)
    assert_implicit_time(t_of, sol.y[0] * sol.y[1], times, s_)
