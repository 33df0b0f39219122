"""Deciding whether an expression is identically zero.

The decision runs three stages and reports which one settled it:

``"symbolic"``
    A proof.  Hyperbolic functions are written as exponentials, every radical
    ``b**(p/q)`` becomes a new symbol ``R`` with the relation ``R**q = b``, every
    ``exp`` becomes a power of one new symbol per exponent direction (so
    ``exp(D*t)`` and ``exp(D*t/2)`` share one), the result is put over a common
    denominator and its numerator is reduced modulo the radical relations.  A zero
    remainder proves the identity (for every choice of the radicals' branches).
``"exact-rational"``
    The same algebraic form, with random exact rationals substituted for every
    symbol and exponential; the radical relations are then reduced in exact
    arithmetic.  Zero at every point is the Schwartz–Zippel test: a non-zero
    rational function vanishes at random rational points with negligible
    probability.
``"mpmath-50"``
    Numerical evidence: the expression evaluated with 50 significant digits at
    random points, every value below ``1e-40`` relative to the size of its terms.

A non-zero value at any exact point is a witness that the expression is not zero.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import mpmath
import sympy as sp

from ..spec.functions import MPMATH_NAMESPACE

__all__ = ["ZeroCheck", "is_identically_zero", "algebraize"]

_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth)


@dataclass(frozen=True)
class ZeroCheck:
    """Outcome of :func:`is_identically_zero`.

    ``is_zero`` is True when the expression was proven or checked to vanish and
    False when a point was found where it does not; ``method`` names the stage
    that decided; ``max_abs`` is the largest residual seen (0 for exact stages).
    """

    is_zero: bool
    method: str
    max_abs: float = 0.0
    detail: str = ""

    def __bool__(self) -> bool:
        return self.is_zero


@dataclass(frozen=True)
class _Algebraic:
    expr: sp.Expr
    radicals: tuple[tuple[sp.Symbol, int, sp.Expr], ...]  # (R, q, base): R**q = base
    exponentials: tuple[sp.Symbol, ...]


@functools.lru_cache(maxsize=4096)
def _factor(base: sp.Expr) -> sp.Expr | None:
    """``sp.factor(base)`` (None for a radicand of more than 200 operations, left
    as it is), remembered: the same radicand recurs in every component of a
    residual and under several exponents (√b, 1/√b, b^{3/2})."""
    if sp.count_ops(base) > 200:
        return None
    return sp.factor(base)


def algebraize(expr: sp.Expr) -> _Algebraic:
    """Rewrite ``expr`` as a rational function of symbols, radicals and exponentials."""
    expr = sp.sympify(expr)
    # hyperbolic functions and the entire helpers (phi1, intexp) as exponentials;
    # an identity of the exp form at generic points extends to removable points
    expr = expr.replace(
        lambda e: (
            isinstance(e, _HYPERBOLIC)
            or hasattr(e, "_eval_rewrite_as_exp")
            and type(e).__module__.startswith("exactflow")
        ),
        lambda e: e._eval_rewrite_as_exp(*e.args),  # this node only, not x**2
    )

    def is_radical(e: sp.Expr) -> bool:
        return e.is_Pow and e.exp.is_Rational and e.exp.q != 1 and not e.base.is_number

    def factored(e: sp.Pow) -> sp.Expr:
        # sqrt((x**2 + 1)**2) -> x**2 + 1 when SymPy can see the sign
        base = _factor(e.base)
        return e if base is None else sp.Pow(base, e.exp)

    expr = expr.replace(is_radical, factored)
    radicals: dict[sp.Expr, tuple[sp.Symbol, int]] = {}
    # |x| = (x**2)**(1/2): an identity proven for both roots holds for |x|
    for atom in sorted(expr.atoms(sp.Abs), key=sp.default_sort_key):
        if not any(is_radical(x) for x in atom.args[0].atoms(sp.Pow)):
            r = sp.Dummy(f"R{len(radicals)}", positive=True)
            radicals[atom.args[0] ** 2] = (r, 2)
            expr = expr.xreplace({atom: r})
    # one symbol R per radicand b, with R**Q = b for Q the lcm of the roots taken,
    # innermost radicands first so that equal radicands are recognised as equal
    while True:
        atoms = [e for e in expr.atoms(sp.Pow) if is_radical(e)]
        inner = [
            e for e in atoms if not any(is_radical(x) for x in e.base.atoms(sp.Pow))
        ]
        if not inner:
            break
        by_base: dict[sp.Expr, list[sp.Pow]] = {}
        for e in inner:
            by_base.setdefault(e.base, []).append(e)
        mapping = {}
        for base, pows in by_base.items():
            Q = lcm(*(int(e.exp.q) for e in pows))
            if base in radicals:
                r, q_seen = radicals[base]
                if q_seen != Q:  # rare: √(x²) beside x**(2/3); leave to numerics
                    raise ValueError("radicand with two root orders")
            else:
                r = sp.Dummy(f"R{len(radicals)}", positive=True)
                radicals[base] = (r, Q)
            for e in pows:
                mapping[e] = r ** int(e.exp * Q)
        expr = expr.xreplace(mapping)
    # exponentials: one new symbol per exponent direction (monomial)
    directions: dict[sp.Expr, list[sp.Rational]] = {}
    exp_atoms = set(expr.atoms(sp.exp))
    for base in radicals:
        exp_atoms |= base.atoms(sp.exp)
    split: dict[sp.exp, list[tuple[sp.Expr, sp.Expr]]] = {}
    for atom in exp_atoms:
        parts = []
        for term in sp.Add.make_args(sp.expand(atom.args[0])):
            coeff, mono = term.as_coeff_Mul()
            parts.append((coeff, mono))
            if not mono.is_number:
                directions.setdefault(mono, []).append(sp.Rational(coeff))
        split[atom] = parts
    ys: dict[sp.Expr, tuple[sp.Symbol, int]] = {}
    for i, (mono, coeffs) in enumerate(sorted(directions.items(), key=str)):
        den = lcm(*(int(sp.Rational(c).q) for c in coeffs))
        ys[mono] = (sp.Dummy(f"Y{i}", positive=True), den)

    def replace_exp(atom: sp.exp) -> sp.Expr:
        out = sp.Integer(1)
        for coeff, mono in split[atom]:
            if mono.is_number:
                out *= sp.exp(coeff * mono)
            else:
                y, den = ys[mono]
                out *= y ** int(sp.Rational(coeff) * den)
        return out

    mapping = {atom: replace_exp(atom) for atom in exp_atoms}
    expr = expr.xreplace(mapping)
    rels = tuple((r, q, base.xreplace(mapping)) for base, (r, q) in radicals.items())
    return _Algebraic(expr, rels, tuple(y for y, _ in ys.values()))


def _reduce(num: sp.Expr, radicals) -> bool:
    """True when the polynomial ``num`` vanishes modulo the radical relations."""
    num = sp.expand(num)
    if num == 0:
        return True
    live = [r for r in radicals if num.has(r[0])]
    if not live:
        return False
    # eliminate a radical that no other live relation's base mentions
    for cand in live:
        if not any(o is not cand and o[2].has(cand[0]) for o in radicals):
            break
    r, q, base = cand
    rest = [o for o in radicals if o is not cand]
    terms = _powers_of(num, r)
    # r^k = r^(k mod q) · base^(k div q); with base = bn/bd, each coefficient of
    # r^j is multiplied by bd^M (M the largest k div q): polynomial, and zero iff
    # it was (bd ≠ 0 generically).  No together(): on large sums its sign
    # heuristics (polynomial roots) dominated the whole check.
    bn, bd = sp.fraction(sp.together(base))
    top = max(k // q for k in terms)
    coeffs = [sp.Integer(0)] * q
    for k, c in terms.items():
        coeffs[k % q] += c * bn ** (k // q) * bd ** (top - k // q)
    return all(_reduce(c, rest) for c in coeffs)


def _powers_of(num: sp.Expr, r: sp.Symbol) -> dict[int, sp.Expr]:
    """{k: coefficient of r^k} of the expanded polynomial ``num`` (no Poly: its
    EX-domain zero tests call simplify on every coefficient)."""
    out: dict[int, list[sp.Expr]] = {}
    for term in sp.Add.make_args(num):
        c, rp = term.as_independent(r, as_Add=False)
        if rp == 1:
            k = 0
        elif rp == r:
            k = 1
        elif rp.is_Pow and rp.base == r and rp.exp.is_Integer and rp.exp > 0:
            k = int(rp.exp)
        else:
            raise ValueError(f"not a polynomial in {r}: {term}")
        out.setdefault(k, []).append(c)
    return {k: sp.Add(*cs) for k, cs in out.items()}


def _sample(sym: sp.Symbol, rng: random.Random) -> Fraction:
    num = rng.randint(1, 10**6)
    value = Fraction(num, rng.randint(1, 10**6))
    value = min(max(value, Fraction(1, 20)), Fraction(5))
    if sym.is_positive or sym.is_nonnegative:
        return value
    return value if rng.random() < 0.5 else -value


def is_identically_zero(
    expr: sp.Expr,
    *,
    points: int = 4,
    dps: int = 50,
    seed: int = 0,
    max_ops: int = 20000,
    sampler=None,
    exact: bool = True,
) -> ZeroCheck:
    """Decide whether ``expr`` vanishes identically; see the module docstring.

    Parameters
    ----------
    expr : sympy.Expr
        The expression.
    points : int
        Random points for the exact-rational and mpmath stages.
    dps : int
        Working precision (decimal digits) of the mpmath stage.
    seed : int
        Seed of the point generator (results are reproducible).
    max_ops : int
        Skip the symbolic stage for expressions larger than this many operations.
    sampler : callable, optional
        ``sampler(rng) -> {symbol: value}`` drawing points inside the domain of
        the expression; by default symbols are drawn by their assumptions.
    exact : bool
        Run the symbolic and exact-rational stages (default).  ``False`` goes
        straight to the mpmath stage, for expressions known to be outside the
        algebraic reach of the first two (e.g. with Piecewise, Max, log).
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return ZeroCheck(True, "symbolic", 0.0, "trivially zero")
    if expr.is_number and expr.is_zero is False:
        return ZeroCheck(False, "symbolic", float(abs(expr.evalf())), "non-zero number")
    alg = None
    rng = random.Random(seed)
    free = sorted(expr.free_symbols, key=str)
    if not exact:
        return _numeric(expr, free, points, dps, rng, sampler)
    try:
        alg = algebraize(expr)
        if sp.count_ops(alg.expr) <= max_ops:
            num, _ = sp.fraction(sp.together(alg.expr))
            if _reduce(num, alg.radicals):
                return ZeroCheck(True, "symbolic", 0.0, "numerator reduces to 0")
    except (sp.PolynomialError, NotImplementedError, TypeError, ValueError):
        alg = None
    if alg is not None:
        # unknown functions are treated as further indeterminates: an identity
        # that holds for every value of f(x) holds for the actual one
        every = sp.Tuple(alg.expr, *(b for _, _, b in alg.radicals))
        funcs = sorted(every.atoms(sp.Function) - every.atoms(sp.exp), key=str)
        witness = False
        for _ in range(points):
            if sampler is not None:
                drawn = sampler(rng)
                values = {s: sp.Rational(drawn[s]) for s in free}
            else:
                values = {s: sp.Rational(_sample(s, rng)) for s in free}
            values.update({f: sp.Rational(_sample(sp.Dummy(), rng)) for f in funcs})
            values.update({y: sp.Rational(_sample(y, rng)) for y in alg.exponentials})
            point = alg.expr.xreplace(values)
            rels = [(r, q, b.xreplace(values)) for r, q, b in alg.radicals]
            # radicals of perfect powers (|x| = √(x²) at a rational x) are rational
            # there: substitute the root, the tower test assumes irrational roots
            while True:
                exact = {
                    r: root
                    for r, q, b in rels
                    if b.is_Rational and b > 0 and (root := sp.root(b, q)).is_Rational
                }
                if not exact:
                    break
                point = point.xreplace(exact)
                rels = [(r, q, b.xreplace(exact)) for r, q, b in rels if r not in exact]
            num, _ = sp.fraction(sp.together(point))
            try:
                zero = _reduce(num, rels)
            except (sp.PolynomialError, ValueError):
                witness = None  # not a polynomial in its radicals: numerics decide
                break
            if not zero:
                witness = True
                break
        if witness is False:
            return ZeroCheck(
                True, "exact-rational", 0.0, f"zero at {points} random rational points"
            )
    return _numeric(expr, free, points, dps, rng, sampler)


def _numeric(expr, free, points, dps, rng, sampler) -> ZeroCheck:
    terms = sp.Add.make_args(expr)
    modules = [MPMATH_NAMESPACE, "mpmath"]
    with mpmath.workdps(dps):
        f = sp.lambdify(free, expr, modules=modules, cse=True)
        parts = [sp.lambdify(free, t, modules=modules, cse=True) for t in terms]
        worst = mpmath.mpf(0)
        for _ in range(points):
            if sampler is not None:
                point = sampler(rng)
                args = [mpmath.mpf(point[s]) if s in point else None for s in free]
                if any(a is None for a in args):
                    missing = [str(s) for s, a in zip(free, args) if a is None]
                    raise ValueError(f"sampler did not give values for {missing}")
            else:
                args = [
                    mpmath.mpf(v.numerator) / v.denominator
                    for v in (_sample(s, rng) for s in free)
                ]
            value = f(*args)
            scale = max([mpmath.mpf(1)] + [abs(p(*args)) for p in parts])
            err = abs(value) / scale
            worst = max(worst, err)
            if err > mpmath.mpf(10) ** (-(dps - 10)):
                return ZeroCheck(
                    False, f"mpmath-{dps}", float(abs(value)), "non-zero at a point"
                )
    return ZeroCheck(
        True, f"mpmath-{dps}", float(worst), f"below 1e-{dps - 10} at {points} points"
    )
