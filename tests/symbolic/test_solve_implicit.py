"""The implicit solution t(β) of a separable flow with a √quadratic speed (Euler's
substitution), checked along a DOP853 trajectory of the raw parameter ODE."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import exactflow
from exactflow.cli_solve import solve_model
from exactflow.symbolic.solve import init_symbol


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
    for k, tk in enumerate(times):
        bk = sol.y[0, k] ** 2 - sol.y[1, k] ** 2
        if abs(bk - target) < 1e-9:  # converged: t(β) is ill-conditioned there
            continue
        got = complex(t_of(bk, b0, u0 * v0, target, 0.7))
        assert abs(got.imag) < 1e-12 and got.real == pytest.approx(tk, rel=1e-8)
