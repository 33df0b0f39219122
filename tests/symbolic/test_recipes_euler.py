"""Antiderivatives through Euler's substitution, against mpmath quadrature."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from exactflow.symbolic.solve.recipes import antiderivative

v = sp.Symbol("v", real=True)
Q = sp.Symbol("Q", real=True)
ea, eb, s = sp.symbols("eta_a eta_b s", positive=True)

CASES = [
    (1 / sp.sqrt(v**2 + 1), {}, (-2, 3)),
    # the two-layer chain in function space: dv / ((s − v)√(Q² + 4η_aη_b v²))
    (1 / ((s - v) * sp.sqrt(Q**2 + 4 * ea * eb * v**2)),
     {Q: sp.Rational(3, 4), ea: sp.Rational(1, 2), eb: 2, s: sp.Rational(3, 2)},
     (-1, 1)),
    (v / sp.sqrt(v**2 + 2 * v + 3), {}, (0, 4)),
    (1 / ((v + 2) ** 2 * sp.sqrt(v**2 + 1)), {}, (0, 5)),
]


@pytest.mark.parametrize("integrand, values, interval", CASES)
def test_euler_antiderivative_matches_quadrature(integrand, values, interval):
    T = antiderivative(integrand, v)
    assert T is not None
    assert not T.has(sp.Integral)
    f = sp.lambdify(v, integrand.xreplace(values), "mpmath")
    F = sp.lambdify(v, T.xreplace(values), "mpmath")
    a, b = interval
    with mpmath.workdps(30):
        want = mpmath.quad(f, [a, b])
        got = F(mpmath.mpf(b)) - F(mpmath.mpf(a))
        assert abs(mpmath.im(got)) < mpmath.mpf(10) ** -25  # real: log|·|
        assert abs(mpmath.re(got) - want) < mpmath.mpf(10) ** -20 * (1 + abs(want))
