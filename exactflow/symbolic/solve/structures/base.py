r"""What a solver structure is: :class:`Structure`, :class:`Match`, :class:`Applied`.

A structure decides exactly, by polynomial algebra (normal forms, Gröbner
bases, linear solves; no sampling), whether a reduced system has its shape
(:meth:`Structure.match`), solves it by its recipe (:meth:`Structure.apply`)
and states the lemmas its solution follows from (:meth:`Structure.lemmas`).
The registry :data:`~exactflow.symbolic.solve.structures.STRUCTURES` orders
them; nothing outside their folder names one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import sympy as sp

from ..reduce import ReducedSystem
from ..symbols import init_symbol, t

__all__ = ["Applied", "Match", "Structure", "init_symbol", "is_const", "polys", "t"]

def _frozen(data: Mapping) -> Mapping:
    return MappingProxyType(dict(data))


@dataclass(frozen=True)
class Match:
    """A recognised structure, the data of its recipe and a one-line statement."""

    structure: Structure
    data: Mapping = field(default_factory=dict)
    statement: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", _frozen(self.data))

    @property
    def name(self) -> str:
        """The structure's registry name."""
        return self.structure.name


@dataclass(frozen=True)
class Applied:
    """What a recipe produced: the reduced solution (None when it left an
    implicit or matrix form) and the facts its lemmas need."""

    solution: dict | None
    facts: Mapping = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", _frozen(self.facts))


class Structure:
    """A shape of reduced system with an exact recipe (subclass, then add the
    instance to ``STRUCTURES``).

    ``name`` is the registry name shown in transcripts; ``smooth`` structures
    are not tried on piecewise flows (activation-pattern switches).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def match(self, system: ReducedSystem, groups=None) -> Match | None:
        """The match, or None when ``system`` does not have this shape."""
        raise NotImplementedError

    def apply(self, match: Match, system: ReducedSystem, z0: dict, result,
              solve: Callable | None = None) -> Applied:
        """Solve by the recipe; ``result`` collects recipe steps and notes
        (a :class:`~exactflow.symbolic.solve.result.SolveResult`), ``solve``
        solves a sub-system (for structures made of blocks)."""
        raise NotImplementedError

    def lemmas(self, match: Match, applied: Applied, system: ReducedSystem,
               z0v: sp.Matrix) -> list:
        """Claim results of the lemmas the solution follows from (default none)."""
        return []

    def complete(self, match: Match, applied: Applied, system: ReducedSystem,
                 z0: dict, result) -> None:
        """When :meth:`apply` gave no explicit solution: anything more to
        record (default nothing)."""

    def __repr__(self) -> str:
        return f"<solver structure {self.name!r}>"


def is_const(e, zs) -> bool:
    """Whether ``e`` is free of the coordinates ``zs`` and of t."""
    return not (sp.sympify(e).free_symbols & set(zs)) and not sp.sympify(e).has(t)


def polys(sys: ReducedSystem):
    """The right-hand sides as polynomials in the coordinates (with a
    coordinate-free denominator), or None."""
    zs = sys.coords
    out = []
    for f in sys.rhs:
        num, den = sp.fraction(sp.together(f))
        if den.free_symbols & set(zs):
            return None
        try:
            out.append(sp.Poly(sp.expand(num), *zs) * (1 / den))
        except sp.PolynomialError:
            return None
    return out
