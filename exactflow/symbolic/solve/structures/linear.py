"""Linear: ż = Kz with a constant matrix K."""

from __future__ import annotations

import sympy as sp

from ..recipes import expm
from .base import Applied, Match, Structure, is_const, t

__all__ = ["Linear"]


class Linear(Structure):
    name = "linear"
    summary = "ż = Kz, constant K"

    def match(self, sys, groups=None):
        zs = sys.coords
        J = sp.Matrix(sys.rhs).jacobian(zs)
        if not all(is_const(e, zs) for e in J):
            return None
        if any(sp.expand(f - (J[i, :] * sp.Matrix(zs))[0]) != 0
               for i, f in enumerate(sys.rhs)):
            return None
        return Match(self, {"K": J}, "ż = K z with a constant matrix K")

    def apply(self, match, sys, z0, result, solve=None):
        z0v = sp.Matrix([z0[x] for x in sys.coords])
        return Applied(dict(zip(sys.coords, expm(match.data["K"], t) * z0v)))
