"""The named entire functions print correctly inside larger expressions."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from exactflow.symbolic.spec.functions import MPMATH_NAMESPACE, intexp, phi1

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
