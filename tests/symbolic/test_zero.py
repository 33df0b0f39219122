"""The identically-zero decision: proofs, exact tests, numeric evidence, witnesses."""

from __future__ import annotations

import sympy as sp

from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.spec.functions import intexp, phi1

x, y, t = sp.symbols("x y t", real=True)
s = sp.Symbol("s", positive=True)
D = sp.sqrt(x**2 + 4 * s**2)


def test_polynomial_identity_is_proven_symbolically():
    check = is_identically_zero(
        (x + y) ** 3 - x**3 - 3 * x**2 * y - 3 * x * y**2 - y**3
    )
    assert check.is_zero and check.method == "symbolic"


def test_hyperbolic_and_radical_identity_is_proven_symbolically():
    expr = sp.diff(sp.sinh(D * t / 2) / D, t) - sp.cosh(D * t / 2) / 2
    assert is_identically_zero(expr).method == "symbolic"
    expr = sp.cosh(D * t) ** 2 - sp.sinh(D * t) ** 2 - 1
    assert is_identically_zero(expr).method == "symbolic"


def test_radical_relations_are_used():
    # √(x² + 4s²)² − x² − 4s² has its radical squared: 0 by the relation R² = b
    expr = D**3 - D * (x**2 + 4 * s**2)
    assert is_identically_zero(expr).method == "symbolic"


def test_entire_helpers_are_expanded():
    assert is_identically_zero(sp.diff(intexp(-x, t), t) - sp.exp(-x * t)).is_zero
    assert is_identically_zero(t * phi1(x * t) - intexp(x, t)).is_zero


def test_non_zero_expressions_are_refuted():
    assert not is_identically_zero(x**2 - x).is_zero
    assert not is_identically_zero(sp.exp(x) - 1 - x).is_zero
    # √(x²) is |x|, not x
    assert not is_identically_zero(sp.sqrt(x**2) - x).is_zero


def test_identity_outside_algebra_falls_back_to_mpmath():
    check = is_identically_zero(
        sp.gamma(x + 1) - x * sp.gamma(x), sampler=lambda rng: {x: rng.uniform(0.5, 3)}
    )
    assert check.is_zero and check.method == "mpmath-50"
    assert check.max_abs < 1e-40
    assert not is_identically_zero(
        sp.gamma(x + 1) - sp.gamma(x), sampler=lambda rng: {x: rng.uniform(0.5, 3)}
    )


def test_exact_rational_stage_when_expansion_is_skipped():
    expr = (x + y) ** 6 - sp.expand((x + y) ** 6)
    check = is_identically_zero(expr, max_ops=0)
    assert check.is_zero and check.method == "exact-rational"
    assert not is_identically_zero(expr + x * 1e-30, max_ops=0).is_zero


def test_abs_of_a_rational_point_is_handled_exactly():
    # |y| appears as the radical √(y²); at rational points it is rational
    expr = sp.Abs(y) ** 2 - y**2
    assert is_identically_zero(expr).is_zero
