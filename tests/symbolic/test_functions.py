"""The named entire functions print correctly inside larger expressions."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from exactflow.symbolic.spec.functions import MPMATH_NAMESPACE, intexp, logz, phi1

k, t = sp.symbols("k t", real=True)

# powers and quotients make an unparenthesised product print wrongly
SHAPES = [intexp(k, t) ** 2, 1 / intexp(k, t), intexp(k, t) ** -3 * phi1(k) ** 2]


@pytest.mark.parametrize("expr", SHAPES, ids=str)
@pytest.mark.parametrize("modules", ["numpy", "mpmath"])
def test_printed_forms_keep_precedence(expr, modules):
    point = {k: sp.Rational(-3, 7), t: sp.Rational(5, 2)}
    exact = sp.N(expr.rewrite(sp.exp).subs(point), 30)
    namespace = [MPMATH_NAMESPACE, "mpmath"] if modules == "mpmath" else "numpy"
    f = sp.lambdify((k, t), expr, modules=namespace)
    got = f(*(mpmath.mpf(float(v)) if modules == "mpmath" else np.float64(float(v))
              for v in point.values()))
    assert abs(float(got) - float(exact)) <= 1e-13 * abs(float(exact))


def test_logz_evaluates_numerically_like_log_and_is_minus_infinity_at_zero():
    """logz(x).evalf(n) is log x to n digits (50-digit mpmath reference) for
    x > 0, −∞ at 0, and stays unevaluated where it has no real value (x < 0)
    or the argument is not a number; so Max/Min can compare it."""
    for x in (sp.Rational(3, 7), sp.Integer(10)**-300, sp.Rational(10**40, 3),
              sp.sqrt(2) * sp.pi):
        got = logz(x).evalf(40)
        with mpmath.workdps(50):
            ref = mpmath.log(mpmath.mpf(sp.N(x, 60)))
            assert abs(mpmath.mpf(got) - ref) <= mpmath.mpf(10)**-38 * max(1, abs(ref))
    assert logz(sp.Integer(0)).evalf() == -sp.oo
    assert logz(sp.Integer(-2)).evalf() == logz(sp.Integer(-2))
    y = sp.Symbol("y")
    assert logz(y).evalf() == logz(y)
    assert sp.Max(logz(sp.Rational(1, 2)), -1) == logz(sp.Rational(1, 2))
