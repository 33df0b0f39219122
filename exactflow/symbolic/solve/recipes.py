r"""Closed-form recipes used by the solver (:mod:`exactflow.symbolic.solve`).

- :func:`expm`: e^{tK} block by block; a 2×2 block K = m I + N (tr N = 0) gives
  e^{mt}(cosh(Dt/2) I + (2/D) sinh(Dt/2) N) with D² = tr(K)² − 4 det K (or
  e^{mt}(I + tN) when D ≡ 0); larger blocks use SymPy's ``Matrix.exp``.
- :func:`exp_integral`: ∫₀ᵗ of an exponential polynomial, termwise, through the
  entire function ``intexp(k, t) = ∫₀ᵗ e^{kσ} dσ``.
- :func:`riccati`: ẏ = A + B y + C y² with constant A, B, C is linearised by
  y = N/M, (N, M)ᵀ = e^{tH}(y₀, 1)ᵀ, H = [[B, A], [−C, 0]].
- :func:`antiderivative`: ∫ dv/F(v) for rational F, after v = w^L when F has
  fractional powers of v, and for F rational in v and √(pv² + qv + r) (p > 0)
  through Euler's substitution √(pv² + qv + r) = w − √p·v, which makes the
  integrand rational in w; every antiderivative is checked by differentiation.
"""

from __future__ import annotations

from math import lcm

import sympy as sp

from ..proof.zero import is_identically_zero
from ..spec.functions import intexp

__all__ = ["expm", "exp_integral", "riccati", "antiderivative"]


def _blocks(K: sp.Matrix) -> list[list[int]]:
    n = K.shape[0]
    seen, out = set(), []
    for i in range(n):
        if i in seen:
            continue
        stack, comp = [i], []
        while stack:
            j = stack.pop()
            if j in seen:
                continue
            seen.add(j)
            comp.append(j)
            stack += [k for k in range(n) if k not in seen
                      and (K[j, k] != 0 or K[k, j] != 0)]
        out.append(sorted(comp))
    return out


def expm(K: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    """e^{tK} for a constant square matrix K (see the module docstring)."""
    K = sp.Matrix(K)
    n = K.shape[0]
    E = sp.zeros(n, n)
    for comp in _blocks(K):
        Kb = K.extract(comp, comp)
        if len(comp) == 1:
            Eb = sp.Matrix([[sp.exp(Kb[0, 0] * t)]])
        elif len(comp) == 2:
            m = Kb.trace() / 2
            N = Kb - m * sp.eye(2)
            D2 = sp.factor(Kb.trace() ** 2 - 4 * Kb.det())
            if D2 == 0:
                Eb = sp.exp(m * t) * (sp.eye(2) + t * N)
            else:
                D = sp.sqrt(D2)
                Eb = sp.exp(m * t) * (sp.cosh(D * t / 2) * sp.eye(2)
                                      + 2 * sp.sinh(D * t / 2) / D * N)
        else:
            Eb = (Kb * t).exp()
        for a, i in enumerate(comp):
            for b, j in enumerate(comp):
                E[i, j] = Eb[a, b]
    return E


def exp_integral(expr: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """∫₀ᵗ expr dσ for expr a sum of c·e^{kσ} (c, k free of t)."""
    expr = sp.expand(sp.sympify(expr).rewrite(sp.exp))
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        num, den = sp.fraction(term)
        term = sp.powsimp(num * sp.factor(den) ** -1, combine="exp")
        indep, dep = term.as_independent(t, as_Add=False)
        if dep == 1:
            k, c0 = sp.Integer(0), sp.Integer(1)
        elif isinstance(dep, sp.exp):
            arg = sp.expand(dep.args[0])
            k = sp.diff(arg, t)
            c0 = sp.exp(sp.expand(arg - k * t))
            if k.has(t) or c0.has(t):
                raise ValueError(f"not an exponential polynomial in {t}: {term}")
        else:
            raise ValueError(f"not an exponential polynomial in {t}: {term}")
        k = sp.factor(k)
        groups[k] = groups.get(k, 0) + indep * c0
    return sp.Add(*(sp.factor(c) * intexp(k, t) for k, c in groups.items()))


def riccati(A: sp.Expr, B: sp.Expr, C: sp.Expr, y0: sp.Expr, t: sp.Expr
            ) -> sp.Expr:
    """Solution of ẏ = A + B y + C y², y(0) = y₀, as N/M (linearisation)."""
    H = sp.Matrix([[B, A], [-C, 0]])
    NM = expm(H, t) * sp.Matrix([y0, 1])
    return NM[0] / NM[1]


def antiderivative(integrand: sp.Expr, v: sp.Symbol):
    """An antiderivative T(v) of ``integrand`` (checked), or None.

    Handles rational integrands, and integrands rational in v^{1/L} through the
    substitution v = w^L (w > 0).
    """
    integrand = sp.sympify(integrand)
    radical = _quadratic_radical(integrand, v)
    if radical is not None:
        return _euler(integrand, v, radical)
    dens = [p.exp.q for p in integrand.atoms(sp.Pow)
            if p.base == v and p.exp.is_Rational]
    L = lcm(*dens) if dens else 1
    w = sp.Dummy("w", positive=True)
    f = sp.powsimp(sp.expand_power_base(
        (integrand.subs(v, w**L) * L * w ** (L - 1)), force=True), force=True)
    f = sp.cancel(f)
    if not f.is_rational_function(w):
        return None
    T = _ratint(f, w)
    if T is None:
        return None
    check = is_identically_zero(sp.diff(T, w) - f, points=3)
    if not check.is_zero:
        return None
    return T.subs(w, v ** sp.Rational(1, L)) if L > 1 else T.subs(w, v)


def _ratint(f: sp.Expr, w: sp.Symbol):
    """SymPy's ``ratint`` when it gives an elementary antiderivative, else None."""
    from sympy.integrals.rationaltools import ratint

    try:
        T = ratint(f, w)
    except (NotImplementedError, sp.PolynomialError):
        return None
    return None if T.has(sp.RootSum) or T.has(sp.Integral) else T


def _radical_normal(expr: sp.Expr) -> sp.Expr:
    """``expr`` as A + B·√X for each square root √X in turn (denominator
    rationalised, y² = X used), so that e.g. (s² + 4c²)/√(s² + 4c²) becomes
    √(s² + 4c²).  Equal to ``expr`` wherever both are defined."""
    bases = {a.base for a in expr.atoms(sp.Pow)
             if a.exp.is_Rational and a.exp.q == 2 and not a.base.is_number}
    for X in sorted(bases, key=sp.default_sort_key):
        root, y = sp.sqrt(X), sp.Dummy("y")
        e = expr.replace(lambda a: a.is_Pow and a.base == X and a.exp.q == 2,
                         lambda a: y ** (2 * a.exp))
        num, den = sp.fraction(sp.cancel(sp.together(e)))
        if sp.degree(den, y) > 1 or sp.degree(num, y) < 0:
            continue
        d0, d1 = den.coeff(y, 0), den.coeff(y, 1)
        num = sp.rem(sp.expand(num * (d0 - d1 * y)), y**2 - X, y)
        den = sp.expand(d0**2 - d1**2 * X)
        expr = (sp.cancel(num.coeff(y, 0) / den)
                + sp.cancel(num.coeff(y, 1) / den) * root)
    return expr


def _quadratic_radical(integrand: sp.Expr, v: sp.Symbol):
    """The one base B = pv² + qv + r (p > 0) of half-integer powers in
    ``integrand``, or None."""
    bases = {a.base for a in integrand.atoms(sp.Pow)
             if a.base.has(v) and a.exp.is_Rational and a.exp.q == 2}
    if len(bases) != 1:
        return None
    B = bases.pop()
    if not B.is_polynomial(v) or sp.degree(B, v) != 2:
        return None
    p = sp.Poly(B, v).LC()
    return B if sp.sympify(p).is_positive else None


def _euler(integrand: sp.Expr, v: sp.Symbol, B: sp.Expr):
    """∫ integrand dv through √B = w − √p·v (Euler's first substitution)."""
    p, q, r = sp.Poly(B, v).all_coeffs()
    S, w = sp.Dummy("S"), sp.Dummy("w")
    f = integrand.replace(lambda e: e.is_Pow and e.base == B and e.exp.q == 2,
                          lambda e: S ** (2 * e.exp))
    if f.has(B) or not f.is_rational_function(v, S):
        return None
    # √p as a symbol P while integrating: ℚ(P, …)(w) instead of SymPy's slow
    # expression domain; an antiderivative for every P is one at P = √p
    P = sp.Dummy("P", positive=True)
    vw = (w**2 - r) / (q + 2 * P * w)
    g = sp.cancel(f.xreplace({v: vw, S: w - P * vw}) * sp.diff(vw, w))
    if not g.is_rational_function(w):
        return None
    T = _ratint(g, w)
    if T is None:
        return None
    # tidy the log arguments while they are rational in w and P (one radical,
    # the discriminant's), then substitute w = √p·v + √B, P = √p
    T = T.replace(lambda e: isinstance(e, sp.log),
                  lambda e: sp.log(_radical_normal(e.args[0])))
    Tv = T.xreplace({w: P * v + sp.sqrt(B)}).xreplace({P: sp.sqrt(p)})
    check = is_identically_zero(sp.diff(Tv, v) - integrand, points=3)
    if not check.is_zero:
        return None
    # log|g| has the derivative g'/g wherever g ≠ 0 is real: real-valued on
    # both sides of a pole of the integrand
    return Tv.replace(lambda e: isinstance(e, sp.log),
                      lambda e: sp.log(sp.Abs(e.args[0])))
