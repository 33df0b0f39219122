r"""Identities in one variable, checked after fixing every other symbol.

A closed form x(t; c) found by the solver is often too large to differentiate and
decide as it stands, but its residual is an exponential-polynomial identity in t
whose coefficients are algebraic in the constants c.  :func:`pointwise_zero`
draws random rationals for c (by their assumptions, or from a ``sampler``),
builds the expressions to check at that point — differentiating *after* the
substitution, which keeps them small — and decides each one with
:func:`~exactflow.symbolic.proof.zero.is_identically_zero` in the remaining variables.
Zero at every drawn point is the Schwartz–Zippel test in c (an exact test in t);
the result carries the weakest method used (``exact-rational`` when every point
was decided exactly, else ``mpmath-50``).

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t")
>>> k, x0 = sp.symbols("k x0", positive=True)
>>> x = x0 * sp.exp(-k * t)
>>> check = pointwise_zero(lambda v: [sp.diff(x.xreplace(v), t)
...                                   + (k * x).xreplace(v)], (k, x0), points=2)
>>> check.is_zero, check.method
(True, 'exact-rational')
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from math import gcd

import sympy as sp

from .zero import ZeroCheck, is_identically_zero

__all__ = ["rational_point", "pointwise_zero", "exp_degree"]


def rational_point(symbols: Iterable[sp.Symbol], rng: random.Random,
                   small: bool = True) -> dict[sp.Symbol, sp.Rational]:
    """Random rationals for ``symbols``, by sign assumptions.

    ``small`` draws numerators 1…6 over denominators 1…3 (so that exponents such
    as e^{δt/2}, δ a polynomial in the constants, stay low-degree polynomials in
    one new variable); otherwise up to 10⁶.
    """
    out = {}
    for s in symbols:
        if small:
            value = Fraction(rng.randint(1, 6), rng.randint(1, 3))
        else:
            value = Fraction(rng.randint(1, 10**6), rng.randint(1, 10**6))
        if not (s.is_positive or s.is_nonnegative) and rng.random() < 0.5:
            value = -value
        if s.is_nonpositive or s.is_negative:
            value = -abs(value)
        out[s] = sp.Rational(value.numerator, value.denominator)
    return out


_ORDER = ("symbolic", "exact-rational")
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth)


def exp_degree(expr: sp.Expr) -> int:
    """The largest power of a new variable that the exact stages would create.

    :func:`~exactflow.symbolic.proof.zero.algebraize` writes e^{q·m} (q rational, m a
    monomial) as Y_m^{q·L_m}, L_m the common denominator of the q's of m; at
    rational constants q can have a large numerator (e^{−9715t/576}), and the
    exact stages then expand polynomials of that degree.
    """
    expr = sp.sympify(expr).replace(
        lambda e: isinstance(e, _HYPERBOLIC) or (
            hasattr(e, "_eval_rewrite_as_exp")
            and type(e).__module__.startswith("exactflow")),
        lambda e: e._eval_rewrite_as_exp(*e.args))
    by_mono: dict[sp.Expr, list[sp.Rational]] = {}
    for atom in expr.atoms(sp.exp):
        for term in sp.Add.make_args(sp.expand(atom.args[0])):
            coeff, mono = term.as_coeff_Mul()
            if not mono.is_number:
                by_mono.setdefault(mono, []).append(sp.Rational(coeff))
    worst = 0
    for coeffs in by_mono.values():
        den = 1
        for q in coeffs:
            den = den * q.q // gcd(den, q.q)
        worst = max(worst, *(abs(q * den) for q in coeffs))
    return int(worst)


def pointwise_zero(build: Callable[[dict], Sequence[sp.Expr]],
                   symbols: Iterable[sp.Symbol], *, points: int = 2, seed: int = 0,
                   sampler: Callable[[random.Random], dict] | None = None,
                   inner_points: int = 2, max_ops: int = 4000,
                   max_degree: int = 64, tries: int = 16,
                   preview: Callable[[dict], Sequence[sp.Expr]] | None = None,
                   ) -> ZeroCheck:
    """Check that ``build(values)`` is a list of zeros at random ``values``.

    Parameters
    ----------
    build : callable
        ``build({symbol: Rational}) -> [expr, ...]``; each expression may still
        depend on other symbols (typically the time t).
    symbols : iterable of Symbol
        The symbols to fix (the order fixes the draw).
    points : int
        Number of random points.
    sampler : callable, optional
        ``sampler(rng) -> {symbol: value}`` for points inside a domain.
    inner_points, max_ops
        Passed to :func:`is_identically_zero` for the remaining variables.
    max_degree : int
        Above this :func:`exp_degree` a point is checked by the mpmath stage
        only (reported as such); up to ``tries`` draws are made per point to
        find one below it.
    preview : callable, optional
        ``preview(values) -> [expr, ...]``, cheaper expressions (e.g. the closed
        form itself, before differentiating) whose exponential degree is also
        required to be at most ``max_degree``: a draw above it is redrawn without
        calling ``build`` (not on the last try).

    Returns
    -------
    ZeroCheck
        ``method`` is ``exact-rational`` when each point was decided exactly,
        else the weakest method used (``mpmath-50``).
    """
    rng = random.Random(seed)
    symbols = tuple(symbols)
    methods, worst = set(), 0.0
    for _ in range(points):
        for attempt in range(tries):  # prefer a point of low exponential degree
            values = sampler(rng) if sampler is not None else rational_point(
                symbols, rng)
            values = {s: sp.nsimplify(v) for s, v in values.items()}
            if preview is not None and attempt < tries - 1 and any(
                    exp_degree(e) > max_degree for e in preview(values)):
                continue
            exprs = build(values)
            if all(exp_degree(e) <= max_degree for e in exprs):
                break
        for expr in exprs:
            exact = exp_degree(expr) <= max_degree
            check = is_identically_zero(expr, points=inner_points, max_ops=max_ops,
                                        exact=exact)
            if not check.is_zero:
                return ZeroCheck(False, check.method, check.max_abs,
                                 f"non-zero at {values}")
            methods.add(check.method)
            worst = max(worst, check.max_abs)
    exact = methods <= set(_ORDER)
    method = "exact-rational" if exact else sorted(methods - set(_ORDER))[-1]
    return ZeroCheck(True, method, worst,
                     f"zero at {points} random points of {len(symbols)} constants")
