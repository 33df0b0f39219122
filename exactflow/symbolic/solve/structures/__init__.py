r"""The solver's structures: one module per structure, one ordered registry.

:func:`~exactflow.symbolic.solve.engine.solve` tries :data:`STRUCTURES` in
order and applies the first that matches.  Every structure decides exactly, by
polynomial algebra (no sampling):

======================  ========================================================
``riccati``             scalar ż = A + Bz + Cz² (A = C = 0: linear)
``linear``              ż = Kz, constant K
``matrix-riccati``      Q̇ = FQ − γQQᵀQ, constant symmetric F
``reparam-linear``      ż = g(z)Kz: linear after the time change τ̇ = g
``linear-radial``       ż = Kz + ψ(z)z modulo the conserved relations
``separable``           scalar ż = F(z): t(z) = ∫dv/F(v), inverted where possible
``curve-quadrature``    two coordinates on a curve P(z₁, z₂) = 0
``dsolve``              SymPy's dsolve, scalar or small affine systems
``decoupled``           independent blocks, each solved on its own
======================  ========================================================

None is tried on piecewise flows (activation patterns switching along the
trajectory).  To add a structure: a module here with a :class:`~.base.Structure`
subclass, one entry in :data:`STRUCTURES` (its place is its priority), and a
test (see CONTRIBUTING.md).

>>> [s.name for s in STRUCTURES][:3]
['riccati', 'linear', 'matrix-riccati']
"""

from __future__ import annotations

import sympy as sp

from ..reduce import ReducedSystem
from .base import Applied, Match, Structure, init_symbol, t
from .curve_quadrature import CurveQuadrature
from .decoupled import Decoupled
from .dsolve import Dsolve
from .linear import Linear
from .linear_radial import LinearRadial
from .matrix_riccati import MatrixRiccati
from .reparam_linear import ReparamLinear
from .riccati import Riccati
from .separable import Separable

__all__ = ["Applied", "Match", "STRUCTURES", "Structure", "init_symbol",
           "piecewise", "recognise", "t"]

#: the structures, in the order they are tried
STRUCTURES: tuple[Structure, ...] = (
    Riccati(), Linear(), MatrixRiccati(), ReparamLinear(), LinearRadial(),
    Separable(), CurveQuadrature(), Dsolve(), Decoupled(),
)


def piecewise(sys: ReducedSystem) -> bool:
    """True when ż has activation-pattern switches (Heaviside, Max, Min, sign,
    Piecewise): the structures are smooth and would apply pattern by pattern.
    (|u| = √(u²) from a conserved relation is not a switch of the flow.)"""
    heads = (sp.Heaviside, sp.Max, sp.Min, sp.sign, sp.Piecewise)
    return any(sp.sympify(e).has(*heads) for e in sys.rhs)


def recognise(sys: ReducedSystem, groups=None) -> Match | None:
    """The first structure of :data:`STRUCTURES` that ``sys`` has, or None.

    ``groups`` (``[(symbols, shape)]`` of the model's parameter groups) enables
    the matrix-Riccati layout search.
    """
    if piecewise(sys):
        return None
    for structure in STRUCTURES:
        try:
            m = structure.match(sys, groups)
        except (sp.PolynomialError, NotImplementedError):
            continue  # e.g. a radical the polynomial tests cannot take as generator
        if m is not None:
            return m
    return None
