r"""Curve quadrature: two coordinates with one polynomial constraint P(z₁, z₂) = 0.

t(z₁) = ∫ dv/F₁(v, z₂(v)), z₂(v) the branch of P = 0 (the level set) through
the initial point; evaluated by :mod:`..quadrature`.
"""

from __future__ import annotations

import sympy as sp

from .base import Applied, Match, Structure

__all__ = ["CurveQuadrature"]


class CurveQuadrature(Structure):
    name = "curve-quadrature"
    summary = "two coordinates on a curve: a quadrature along the level set"

    def match(self, sys, groups=None):
        if len(sys.coords) != 2 or len(sys.constraints) != 1:
            return None
        return Match(self, {}, "two coordinates on a curve "
                     f"{sp.sstr(sys.constraints[0])} = 0 (the level set)")

    def apply(self, match, sys, z0, result, solve=None):
        x, other = sys.coords
        v = sp.Symbol("v", real=True)
        F = sys.rhs[0]
        result.quadrature = (sp.Integral(1 / F.subs(x, v), (v, z0[x], x)), x)
        result.recipe.append((
            "Quadrature", f"t({x}) = ∫ from {x}0 to {x} of dv / F(v, {other}(v)), "
            f"F = {sp.sstr(F)}, where {other}(v) is the branch of "
            f"{sp.sstr(sys.constraints[0])} = 0 (with {x} = v) through the "
            "initial point"))
        return Applied(None)
