r"""Time-reparametrised linear: ż = g(z) K z.

g is the polynomial gcd of the components (not a constant) and ż/g is linear
with constant K.  Then z = e^{τK}z₀ and τ̇ = g(e^{τK}z₀), τ(0) = 0, is solved
as a scalar equation: if g(e^{τK}z₀) is a Laurent polynomial of degree ≤ 1 in
y = e^{kτ}, then ẏ = k y g is a Riccati equation.
"""

from __future__ import annotations

import functools

import sympy as sp

from ..checks import claim
from ..recipes import expm, riccati
from .base import Applied, Match, Structure, is_const, polys, t

__all__ = ["ReparamLinear"]


def _scalar_in_exp(G: sp.Expr, tau: sp.Symbol):
    """(k, polynomial coefficients of k·y·G(y)) if G is Laurent in y = e^{kτ}."""
    G = sp.expand(G.rewrite(sp.exp))
    rates = set()
    for term in sp.Add.make_args(G):
        term = sp.powsimp(term, combine="exp")
        _, dep = term.as_independent(tau, as_Add=False)
        if dep == 1:
            continue
        if not isinstance(dep, sp.exp):
            return None
        rates.add(sp.factor(sp.diff(dep.args[0], tau)))
    if not rates:
        return None
    k0 = sorted(rates, key=sp.default_sort_key)[0]
    ratios = [sp.nsimplify(sp.cancel(r / k0)) for r in rates]
    if not all(q.is_Rational for q in ratios):
        return None
    den = 1
    for q in ratios:
        den = sp.ilcm(den, q.q)
    num = 0
    for q in ratios:
        num = sp.igcd(num, (q * den).p)
    k = k0 * sp.Rational(num, den)
    y = sp.Dummy("y", positive=True)
    H = sp.expand(sp.powsimp(G.subs(tau, sp.log(y) / k), force=True) * k * y)
    try:
        poly = sp.Poly(H, y)
    except sp.PolynomialError:
        return None
    if poly.degree() > 2 or any(c.has(tau) for c in poly.coeffs()):
        return None
    return k, tuple(poly.coeff_monomial(y**i) for i in range(3))


@functools.cache
def _riccati_lemma() -> tuple[sp.Expr, ...]:
    """riccati(A, B, C, 1, t) solves ẏ = A + By + Cy², y(0) = 1, for symbols A, B, C."""
    A, B, C = sp.symbols("A B C", real=True)
    y = riccati(A, B, C, sp.Integer(1), t)
    return (sp.diff(y, t) - (A + B * y + C * y**2), y.subs(t, 0) - 1)


class ReparamLinear(Structure):
    name = "reparam-linear"
    summary = "ż = g(z) K z: linear after a change of time"

    def match(self, sys, groups=None):
        zs = sys.coords
        if len(zs) < 2:
            return None
        P = polys(sys)
        if P is None or any(p.is_zero for p in P):
            return None
        g = P[0]
        for p in P[1:]:
            g = sp.gcd(g, p)
        if g.total_degree() == 0:
            return None
        lin = [sp.div(p, g)[0].as_expr() for p in P]
        J = sp.Matrix(lin).jacobian(zs)
        if not all(is_const(e, zs) for e in J):
            return None
        if any(sp.expand(f - (J[i, :] * sp.Matrix(zs))[0]) != 0
               for i, f in enumerate(lin)):
            return None
        return Match(self, {"g": g.as_expr(), "K": J},
                     f"ż = g(z) K z with g = {sp.sstr(sp.factor(g.as_expr()))} and "
                     "a constant K")

    def apply(self, match, sys, z0, result, solve=None):
        zs = sys.coords
        K, g = match.data["K"], match.data["g"]
        tau = sp.Dummy("tau")
        y = expm(K, tau) * sp.Matrix([z0[x] for x in zs])
        G = g.xreplace(dict(zip(zs, y)))
        found = _scalar_in_exp(G, tau)
        result.recipe.append(("Recipe", f"z = e^(τK) z0 with K = {sp.sstr(K)} and "
                              "the time change dτ/dt = g(e^(τK) z0), τ(0) = 0"))
        if found is None:
            result.quadrature = (sp.Integral(1 / G, (tau, 0, sp.Symbol("tau"))),
                                 sp.Symbol("tau"))
            result.notes.append("the time change is left as a quadrature")
            return Applied(None)
        k, (A, B, C) = found
        ysol = riccati(A, B, C, sp.Integer(1), t)
        result.recipe.append((
            "Time change", f"y = e^(kτ) with k = {sp.sstr(k)} obeys the Riccati "
            f"equation dy/dt = A + B y + C y², A = {sp.sstr(A)}, B = {sp.sstr(B)}, "
            f"C = {sp.sstr(C)}, y(0) = 1; linearised as in the scalar Riccati "
            "recipe"))
        tau_t = sp.log(ysol) / k
        sol = {x: sp.powsimp(yi.rewrite(sp.exp).subs(tau, tau_t))
               for x, yi in zip(zs, y)}
        return Applied(sol, {"time_change": (tau, G, k, (A, B, C), ysol)})

    def lemmas(self, match, applied, sys, z0v):
        if "time_change" not in applied.facts:
            return []
        tau, G, k, (A, B, C), ysol = applied.facts["time_change"]
        K = match.data["K"]
        E = expm(K, tau)
        y = sp.exp(k * tau)
        lemmas = list(E.diff(tau) - K * E) + list(E.subs(tau, 0) - sp.eye(K.shape[0]))
        lemmas += [k * y * G - (A + B * y + C * y**2)]
        lemmas += list(_riccati_lemma())  # ysol is riccati() at these A, B, C
        return [claim(
            "structure: (e^(τK))' = K e^(τK), e^(0K) = I; k y g(e^(τK)z0) = A + B y "
            "+ C y² at y = e^(kτ); y(t) solves dy/dt = A + B y + C y², y(0) = 1 "
            "(so τ = log(y)/k has dτ/dt = g)", lemmas, max_ops=20000, points=2)]
