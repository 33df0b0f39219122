"""Scalar Riccati: ż = A + Bz + Cz² with coefficients free of z (A = C = 0: linear)."""

from __future__ import annotations

import sympy as sp

from ..recipes import riccati
from .base import Applied, Match, Structure, polys, t

__all__ = ["Riccati"]


class Riccati(Structure):
    name = "riccati"
    summary = "scalar ż = A + Bz + Cz², constant coefficients"

    def match(self, sys, groups=None):
        if len(sys.coords) != 1 or sys.constraints:
            return None
        P = polys(sys)
        if P is None or P[0].total_degree() > 2:
            return None
        z = sys.coords[0]
        A, B, C = (P[0].coeff_monomial(z**k) for k in range(3))
        return Match(self, {"A": A, "B": B, "C": C},
                     f"d{z}/dt = A + B {z} + C {z}², constant coefficients")

    def apply(self, match, sys, z0, result, solve=None):
        z = sys.coords[0]
        A, B, C = (match.data[k] for k in "ABC")
        sol = riccati(A, B, C, z0[z], t)
        result.recipe.append(("Linearisation", f"{z} = N/M with (N, M) = e^(tH) "
                              f"({z}0, 1), H = [[B, A], [-C, 0]], "
                              f"A = {sp.sstr(A)}, B = {sp.sstr(B)}, C = {sp.sstr(C)}"))
        return Applied({z: sol})
