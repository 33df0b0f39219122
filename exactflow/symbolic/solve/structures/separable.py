r"""Separable: scalar ż = F(z), t(z) = ∫_{z₀}^{z} dv/F(v).

Evaluated when the integrand is rational (after v = w^L) or rational in
√(quadratic) (Euler's substitution), inverted when SymPy can, else the
verified implicit solution t(z).
"""

from __future__ import annotations

import sympy as sp

from ...proof.zero import is_identically_zero
from ..checks import claim
from ..recipes import antiderivative
from .base import Applied, Match, Structure, t

__all__ = ["Separable", "quadrature"]


def quadrature(z, F, z0, result) -> dict | None:
    """z(t) of ż = F(z), z(0) = z0, or None (then ``result`` holds t(z))."""
    v = sp.Dummy(z.name, **z.assumptions0)
    T = antiderivative(1 / F.subs(z, v), v)
    Tsym = sp.Integral(1 / F.subs(z, v), (v, z0, z))
    if T is None:
        result.quadrature = (Tsym, z)
        result.recipe.append(("Quadrature", f"t({z}) = ∫ from {z}0 to {z} of dv/F(v), "
                              f"F(v) = {sp.sstr(F.subs(z, v))} (no elementary "
                              "antiderivative found)"))
        return None
    tz = sp.expand_log(T.subs(v, z) - T.subs(v, z0), force=True)
    result.quadrature = (tz, z)
    result.recipe.append(("Quadrature", f"t({z}) = ∫ dv/F(v) = {sp.sstr(tz)}"))
    # t(z) with a radical of z (Euler's substitution) is not inverted: SymPy's
    # solve on logs of √ terms runs for minutes and rarely succeeds
    radical = any(p.exp.is_Rational and p.exp.q > 1 and p.base.has(z)
                  for p in tz.atoms(sp.Pow))
    try:
        sols = [] if radical else sp.solve(sp.Eq(t, tz), z)
    except (NotImplementedError, ValueError):
        sols = []
    for cand in sols:
        if is_identically_zero(cand.subs(t, 0) - z0, points=3).is_zero:
            result.recipe.append(("Inversion", f"{z}(t) = {sp.sstr(cand)}"))
            return {z: cand}
    # not inverted: show t(z) real-valued on every branch (log|g|' = g'/g)
    tz = tz.replace(lambda e: isinstance(e, sp.log) and not e.args[0].is_positive
                    and not isinstance(e.args[0], sp.Abs),
                    lambda e: sp.log(sp.Abs(e.args[0])))
    result.quadrature = (tz, z)
    result.recipe[-1] = ("Quadrature", f"t({z}) = ∫ dv/F(v) = {sp.sstr(tz)}")
    result.notes.append(f"t({z}) could not be inverted in closed form: the solution "
                        f"is the implicit t({z}) above")
    result.checks.append(claim(f"implicit solution: dt/d{z} · F({z}) = 1",
                               [sp.diff(tz, z) * F - 1], points=3, max_ops=20000))
    result.checks.append(claim(f"implicit solution: t({z0}) = 0",
                               [tz.subs(z, z0)], points=3, max_ops=20000))
    return None


class Separable(Structure):
    name = "separable"
    summary = "scalar ż = F(z): a quadrature"

    def match(self, sys, groups=None):
        if len(sys.coords) != 1 or sys.constraints:
            return None
        return Match(self, {}, f"d{sys.coords[0]}/dt = F({sys.coords[0]}), "
                     "autonomous scalar")

    def apply(self, match, sys, z0, result, solve=None):
        z = sys.coords[0]
        return Applied(quadrature(z, sys.rhs[0], z0[z], result))
