"""Each stable rewrite removes the overflow or the loss of accuracy it exists for.

For every rule: the naive formula, evaluated as written in float64
(``sympy.lambdify``), is wrong at the delicate points (NaN, inf or a large
relative error), while the generated NumPy kernel of the *same* naive formula
agrees with mpmath at 50 digits to a few ulp there and elsewhere.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from exactflow.codegen import KernelSpec, load
from exactflow.codegen.rewrites import RULES, stable_rewrites
from exactflow.symbolic.spec.functions import intexp, phi1

x, y = sp.symbols("x y", real=True)

# name: (naive expression in x, y; points where float64 fails as written)
CASES = {
    "expm1-ratio": ((sp.exp(x) - 1) / x, [0.0, 1e-12, -3e-9]),
    "expm1-ratio-multiple": ((sp.exp(3 * x) - 1) / x, [0.0, 1e-13]),
    "sinh-ratio": (sp.sinh(x) / x, [0.0]),
    "coshm1-ratio": ((sp.cosh(x) - 1) / x**2, [0.0, 1e-9, -2e-6, 3e-4]),
    "growth-ratio": ((2 * sp.exp(x) + y) / (sp.exp(x) + 3), [800.0, 1e4]),
    "intexp": (intexp(x, y), [0.0]),
}
# ordinary points where the rewritten form must also be accurate
ORDINARY = [-30.0, -2.5, -0.3, 0.7, 1.9, 25.0]


def _mp_value(expr: sp.Expr, xv: float, yv: float) -> mpmath.mpf:
    with mpmath.workdps(50):
        e = expr.rewrite(sp.exp) if expr.has(intexp) else expr
        f = sp.lambdify((x, y), e, modules="mpmath")
        try:
            return f(mpmath.mpf(xv), mpmath.mpf(yv))
        except ZeroDivisionError:  # the removable point: take the limit
            return mpmath.limit(lambda s: f(s, mpmath.mpf(yv)), mpmath.mpf(xv))


def _kernel(name: str, expr: sp.Expr):
    spec = KernelSpec(name.replace("-", "_"), "rewrite_tests", (x, y), (("v", expr),))
    return load(spec, "numpy")


@pytest.mark.parametrize("name", sorted(CASES))
def test_naive_form_fails_and_generated_kernel_does_not(name):
    expr, delicate = CASES[name]
    yv = 0.75
    naive = sp.lambdify((x, y), expr.rewrite(sp.exp) if expr.has(intexp) else expr,
                        modules="numpy")
    kernel = _kernel(name, expr)
    worst_naive = 0.0
    for xv in delicate:
        ref = _mp_value(expr, xv, yv)
        with np.errstate(all="ignore"):
            as_written = float(naive(np.float64(xv), np.float64(yv)))
        err = abs(as_written - ref) / abs(ref) if np.isfinite(as_written) else np.inf
        worst_naive = max(worst_naive, float(err))
        (got,) = kernel(np.array([xv]), np.array([yv]))
        assert np.isfinite(got[0]), (name, xv)
        assert abs(got[0] - ref) <= 4e-15 * abs(ref), (name, xv, got[0], ref)
    assert worst_naive > 1e-7, f"{name}: the naive form was not wrong anywhere"
    for xv in ORDINARY:
        ref = _mp_value(expr, xv, yv)
        (got,) = kernel(np.array([xv]), np.array([yv]))
        assert abs(got[0] - ref) <= 1e-14 * abs(ref), (name, xv, got[0], ref)


def test_rule_table_names_every_case():
    assert {n.replace("-multiple", "") for n in CASES} == set(RULES)


def test_rewrites_give_equal_expressions():
    for expr, _ in CASES.values():
        new = stable_rewrites(expr)
        assert new != expr
        diff = (new - expr).rewrite(sp.exp).subs({x: sp.Rational(3, 7),
                                                  y: sp.Rational(-2, 5)})
        assert abs(sp.N(diff, 50)) < 1e-45


def test_shapes_that_are_not_the_pattern_are_left_alone():
    untouched = [
        (sp.exp(x) - 1) / y,              # denominator is not the argument
        sp.sinh(x) / (x + 1),
        (sp.cosh(x) - 1) / x,             # wrong power: no removable point
        (2 * sp.exp(-x**2) + y) / (sp.exp(-x**2) + 3),  # exponent never grows
        (sp.exp(x) + y) / (sp.exp(y) + 3),             # not one exponential
    ]
    for expr in untouched:
        assert stable_rewrites(expr) == expr, expr


def test_rewrites_reach_inside_larger_expressions_and_powers():
    inner = sp.sinh(x * y) / (x * y)
    expr = sp.sqrt(1 + inner**2) + sp.log(2 + inner)
    new = stable_rewrites(expr)
    assert not new.has(sp.sinh)
    assert new.atoms(phi1) == {phi1(x * y), phi1(-x * y)}
    ratio = (new - expr).subs({x: sp.Rational(1, 3), y: sp.Rational(5, 2)})
    assert abs(sp.N(ratio.rewrite(sp.exp), 50)) < 1e-45
