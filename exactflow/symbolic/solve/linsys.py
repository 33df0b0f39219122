"""Linear systems of the structure matchers, solved by Gauss–Jordan elimination.

The matchers ask for constant coefficients (K, F, γ) that make the reduced
right-hand side take a structure's form; the conditions are linear in them.
:func:`linear_solution` solves them with ``sympy.linsolve`` (elimination over
the field of the constants), not with ``sympy.solve``, whose preprocessing tests
every equation for being constant numerically and by ``simplify`` (seconds for
the 64 unknowns of an 8-coordinate system, most of the first run of
``exactflow solve multi_neuron_linear``).
"""

from __future__ import annotations

import sympy as sp

__all__ = ["linear_solution"]


def linear_solution(eqs, unknowns) -> dict | None:
    """``{unknown: value}`` solving the linear equations ``eqs = 0`` (free unknowns
    map to themselves), or None when there is no solution — or when every
    equation is identically 0 (nothing determines the unknowns; ``sympy.solve``
    returns no solution there too, and the matchers take it as no match: e.g. on
    an empty level set, whose Gröbner basis reduces everything to 0).

    Equations that are not linear in ``unknowns`` are passed to ``sympy.solve``.
    """
    unknowns = list(unknowns)
    eqs = [e for e in eqs if e != 0]
    if not eqs:
        return None
    try:
        found = sp.linsolve(eqs, unknowns)
    except sp.solvers.solveset.NonlinearError:
        sols = sp.solve(eqs, unknowns, dict=True)
        return {u: sols[0].get(u, u) for u in unknowns} if sols else None
    if found == sp.S.EmptySet:
        return None
    (values,) = found.args
    return dict(zip(unknowns, values))
