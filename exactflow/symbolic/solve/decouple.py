"""Independent blocks of a reduced system.

When no structure fits the whole system ż = F(z), its coordinates may still
split into blocks whose right-hand sides use only their own block (and no
constraint or level-set relation ties two blocks): e.g. a diagonal linear
network on whitened data, one block per input coordinate.  Each block is then a
reduced system of its own, solved and verified separately by
:func:`~exactflow.symbolic.solve.solve`.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from .reduce import ReducedSystem

__all__ = ["components", "block"]


def components(sys: ReducedSystem) -> list[tuple[int, ...]]:
    """Index tuples of the coordinates' connected components (in order).

    Two coordinates are connected when one's right-hand side uses the other, or
    a relation, constraint or level-set expression uses both.
    """
    zs = list(sys.coords)
    parent = list(range(len(zs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(used: set) -> None:
        idx = [zs.index(z) for z in used if z in zs]
        for i in idx[1:]:
            parent[find(i)] = find(idx[0])

    for z, f in zip(zs, sys.rhs):
        join({z} | sp.sympify(f).free_symbols)
    for r in (*sys.relations, *sys.constraints, *sys.levels.values()):
        join(sp.sympify(r).free_symbols)
    groups: dict[int, list[int]] = {}
    for i in range(len(zs)):
        groups.setdefault(find(i), []).append(i)
    return [tuple(g) for g in groups.values()]


def block(sys: ReducedSystem, idx: tuple[int, ...]) -> ReducedSystem:
    """The reduced system of the coordinates ``idx`` alone."""
    coords = tuple(sys.coords[i] for i in idx)
    other = set(sys.coords) - set(coords)

    def own(e) -> bool:
        return not (sp.sympify(e).free_symbols & other)

    return dataclasses.replace(
        sys, coords=coords, rhs=tuple(sys.rhs[i] for i in idx),
        definitions={z: sys.definitions[z] for z in coords if z in sys.definitions},
        relations=tuple(r for r in sys.relations if own(r)),
        constraints=tuple(r for r in sys.constraints if own(r)),
        slice=None, steps=(),
        levels={c: q for c, q in sys.levels.items() if own(q)})
