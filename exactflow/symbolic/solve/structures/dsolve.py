"""SymPy's ``dsolve`` as the last resort for small systems.

A scalar ODE or a small affine system (constant Jacobian); dsolve is not tried
on nonlinear systems, where it may not terminate in reasonable time, nor on
systems with constraints or more than two coordinates.
"""

from __future__ import annotations

import sympy as sp

from .base import Applied, Match, Structure, init_symbol, is_const, t

__all__ = ["Dsolve"]


def _is_dsolve_constant(c: sp.Symbol) -> bool:
    return c.name.startswith("C") and c.name[1:].isdigit()


class Dsolve(Structure):
    name = "dsolve"
    summary = "SymPy's dsolve (scalar, or affine with ≤ 2 coordinates)"

    def match(self, sys, groups=None):
        if len(sys.coords) > 2 or sys.constraints:
            return None
        if len(sys.coords) > 1:
            J = sp.Matrix(sys.rhs).jacobian(sys.coords)
            if not all(is_const(e, sys.coords) for e in J):
                return None
        fs = [sp.Function(z.name)(t) for z in sys.coords]
        back = dict(zip(sys.coords, fs))
        eqs = [sp.Eq(f.diff(t), r.xreplace(back)) for f, r in zip(fs, sys.rhs)]
        ics = {f.subs(t, 0): init_symbol(z) for f, z in zip(fs, sys.coords)}
        try:
            sol = sp.dsolve(eqs[0] if len(eqs) == 1 else eqs, ics=ics)
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            return None
        sols = sol if isinstance(sol, list) else [sol]
        if len(sols) != len(fs) or any(not isinstance(q, sp.Eq) or q.lhs not in fs
                                       for q in sols):
            return None  # implicit or several branches: not used
        forms = {z: next(q.rhs for q in sols if q.lhs == f) for z, f in back.items()}
        consts = sorted({c for e in forms.values() for c in e.free_symbols
                         if _is_dsolve_constant(c)}, key=str)
        if consts:  # dsolve leaves the constants of systems: fix them at t = 0
            try:
                fixed = sp.solve([forms[z].subs(t, 0) - init_symbol(z)
                                  for z in forms], consts, dict=True)
            except NotImplementedError:
                fixed = []
            if len(fixed) != 1:
                return None
            forms = {z: e.xreplace(fixed[0]) for z, e in forms.items()}
        if any(e.has(sp.Integral) or any(_is_dsolve_constant(c)
                                         for c in e.free_symbols)
               for e in forms.values()):
            return None
        return Match(self, {"solution": forms}, "no structure of the list above; "
                     "SymPy's dsolve found an explicit solution (verified below)")

    def apply(self, match, sys, z0, result, solve=None):
        return Applied(dict(match.data["solution"]))
