r"""Stable rewrites: the forms a closed form is written in versus the forms it is
evaluated in.

Each rule replaces a pattern that loses accuracy or overflows in floating
point by an equal expression that does not; :func:`stable_rewrites` applies all
of them, bottom-up, once per distinct node (closed forms are DAGs whose trees
may have 10^5 nodes).  ``expm1``/``log1p`` are left to SymPy's ``optims_c99``,
run later by :func:`exactflow.codegen.passes.prepare`.

- ``intexp(k, t)`` → ``t·φ₁(k t)``: the 0/0 at k = 0;
- ``(exp(x) − 1)/x`` → ``φ₁(x)``: cancellation near 0, 0/0 at 0;
- ``sinh(x)/x`` → ``(φ₁(x) + φ₁(−x))/2``: 0/0 at 0;
- ``(cosh(x) − 1)/x²`` → ``(φ₁(x/2) + φ₁(−x/2))²/8``: cancellation, 0/0 at 0;
- ``(a eˣ + b)/(c eˣ + d)`` → ``(a e^{x−m} + b e^{−m})/(c e^{x−m} + d e^{−m})``
  with ``m = max(x, 0)``: inf/inf = NaN for x ≫ 1 (growth-ratio).

φ₁(x) = (eˣ − 1)/x is printed as ``expm1(x)/x`` with the point x = 0 patched;
φ₁(x) + φ₁(−x) = 2 sinh(x)/x is a sum of two positive terms, so it has no
cancellation.  The denominators may be numeric multiples of the argument
(``(exp(2y) − 1)/y = 2 φ₁(2y)``).
"""

from __future__ import annotations

import itertools

import sympy as sp

from ..symbolic.spec.functions import intexp, phi1

__all__ = ["RULES", "factor_growth", "remove_singularities", "stable_rewrites"]

#: Larger denominators are left alone by the growth rule (expansion cost).
_MAX_GROWTH_OPS = 60
#: Subsets of denominator factors tried per product (2^k grows fast).
_MAX_DENOMINATOR_FACTORS = 6


def _split(mul: sp.Mul) -> tuple[list[sp.Expr], list[sp.Expr]]:
    """Numerator factors and denominator factors (as positive powers)."""
    num, den = [], []
    for f in mul.args:
        if f.is_Pow and f.exp.is_Integer and f.exp < 0:
            den.extend([f.base] * int(-f.exp))
        else:
            num.append(f)
    return num, den


def _numeric_ratio(a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
    ratio = sp.cancel(a / b)
    return ratio if ratio.is_number and ratio != 0 else None


def _match_denominator(power_of_arg: sp.Expr, den: list[sp.Expr]):
    """``(q, rest)`` with ``power_of_arg = q·Π chosen`` and ``rest`` the others."""
    if not den or len(den) > _MAX_DENOMINATOR_FACTORS:
        return None
    for size in range(1, len(den) + 1):
        for chosen in itertools.combinations(range(len(den)), size):
            product = sp.Mul(*(den[i] for i in chosen))
            q = _numeric_ratio(power_of_arg, product)
            if q is not None:
                rest = [den[i] for i in range(len(den)) if i not in chosen]
                return q, rest
    return None


def _minus_one_term(add: sp.Expr, head) -> sp.Expr | None:
    """``x`` when ``add`` is ``head(x) − 1``, else None."""
    if not add.is_Add or len(add.args) != 2 or sp.S.NegativeOne not in add.args:
        return None
    (other,) = [a for a in add.args if a != sp.S.NegativeOne]
    return other.args[0] if isinstance(other, head) else None


def _expm1_ratio(x: sp.Expr) -> sp.Expr:
    return phi1(x) * x


def _sinh_ratio(x: sp.Expr) -> sp.Expr:
    return (phi1(x) + phi1(-x)) / 2 * x


def _coshm1_ratio(x: sp.Expr) -> sp.Expr:
    return (phi1(x / 2) + phi1(-x / 2)) ** 2 / 8 * x**2


def _ratio_rules(mul: sp.Mul) -> sp.Expr | None:
    """The removable-singularity rules on one product, or None."""
    num, den = _split(mul)
    if not den:
        return None
    for i, f in enumerate(num):
        base, n = (f.base, f.exp) if f.is_Pow and f.exp.is_Integer else (f, 1)
        if n < 1:
            continue
        for x, power, build in _candidates(base):
            found = _match_denominator(x ** (power * n), den)
            if found is None:
                continue
            q, rest = found
            # f/(x^(power n)/q) = q·(build(x)/x^power)^n
            others = num[:i] + num[i + 1:]
            value = q * sp.expand_mul(build(x) / x**power) ** n
            return sp.Mul(*others, value) / sp.Mul(*rest)
    return None


def _candidates(f: sp.Expr):
    x = _minus_one_term(f, sp.exp)
    if x is not None:
        yield x, 1, _expm1_ratio
    if isinstance(f, sp.sinh):
        yield f.args[0], 1, _sinh_ratio
    x = _minus_one_term(f, sp.cosh)
    if x is not None:
        yield x, 2, _coshm1_ratio


def _linear_in(expr: sp.Expr, e: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(a, b)`` with ``expr = a·e + b`` and a, b free of ``e``, else None."""
    z = sp.Dummy("z")
    ez = sp.expand(expr.xreplace({e: z}))
    if not ez.is_polynomial(z):
        return None
    a, b = ez.coeff(z, 1), ez.coeff(z, 0)
    if sp.expand(ez - a * z - b) != 0 or a.has(z) or b.has(z) or a == 0:
        return None
    return a, b


def _growth_rule(mul: sp.Mul) -> sp.Expr | None:
    """``(a eˣ + b)/(c eˣ + d)`` with eˣ factored out where it grows."""
    num, den_pows = [], []
    for f in mul.args:
        if f.is_Pow and f.exp == -1 and f.base.is_Add:
            den_pows.append(f.base)
        else:
            num.append(f)
    adds = [f for f in num if f.is_Add]
    for d in den_pows:
        if sp.count_ops(d) > _MAX_GROWTH_OPS:
            continue
        for e in d.atoms(sp.exp):
            x = e.args[0]
            if x.is_number or x.is_nonpositive or x.has(sp.Max):  # done already
                continue
            cd = _linear_in(d, e)
            if cd is None or any(n.has(e) for n in num if n not in adds):
                continue
            for n in adds:
                ab = _linear_in(n, e)
                if ab is None:
                    continue
                m = sp.Max(x, 0)
                scaled = sp.exp(x - m), sp.exp(-m)
                new_n = ab[0] * scaled[0] + ab[1] * scaled[1]
                new_d = cd[0] * scaled[0] + cd[1] * scaled[1]
                others = [f for f in num if f is not n]
                rest = [b for b in den_pows if b is not d]
                return sp.Mul(*others, new_n) / sp.Mul(new_d, *rest)
    return None


def _singularity_node(e: sp.Basic) -> sp.Basic:
    if isinstance(e, intexp):
        k, t = e.args
        return t * phi1(k * t)
    if e.is_Mul:
        new = _ratio_rules(e)
        if new is not None:
            return new
    return e


def _growth_node(e: sp.Basic) -> sp.Basic:
    if e.is_Mul:
        new = _growth_rule(e)
        if new is not None:
            return new
    return e


#: The rules (for documentation and tests).
RULES = ("intexp", "expm1-ratio", "sinh-ratio", "coshm1-ratio", "growth-ratio")


def _walk(expr: sp.Basic, rule, cache: dict) -> sp.Basic:
    """``rule`` applied bottom-up, once per distinct node, until it is stable."""

    def walk(e: sp.Basic) -> sp.Basic:
        if not e.args:
            return e
        if e not in cache:
            args = [walk(a) for a in e.args]
            if not any(a is not b for a, b in zip(args, e.args)):
                node = e
            elif isinstance(e, (sp.Max, sp.Min, sp.Piecewise)):
                node = e.func(*args, evaluate=False)  # evaluating them is slow
            else:
                node = e.func(*args)
            new = rule(node)
            # a rule may expose another pattern (e.g. intexp → phi1 product)
            cache[e] = walk(new) if new is not node else node
        return cache[e]

    return walk(expr)


def remove_singularities(expr: sp.Expr, cache: dict | None = None) -> sp.Expr:
    """The removable-singularity rules of the table (all but growth-ratio)."""
    return _walk(expr, _singularity_node, {} if cache is None else cache)


def factor_growth(expr: sp.Expr, cache: dict | None = None) -> sp.Expr:
    """The growth-ratio rule.

    Run after SymPy's ``optims_c99``, whose ``expm1`` matcher cancels the
    common factor ``e^{-m}`` again.
    """
    return _walk(expr, _growth_node, {} if cache is None else cache)


def stable_rewrites(expr: sp.Expr) -> sp.Expr:
    """Apply every rule of the table above, bottom-up, once per distinct node.

    Parameters
    ----------
    expr : sympy.Expr
        A closed form (a DAG: shared subexpressions are visited once).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> stable_rewrites(sp.sinh(x) / x)
    phi1(-x)/2 + phi1(x)/2
    >>> stable_rewrites((sp.exp(2 * x) - 1) / x)
    2*phi1(2*x)
    """
    return factor_growth(remove_singularities(expr))
