"""Expression-tree walks of :mod:`.schedule`: lining up Piecewise branches, and
the temporaries an expression needs outside its branches."""

from __future__ import annotations

import sympy as sp

__all__: list[str] = []


def _pair_up(branches: list[list[sp.Expr]]) -> tuple[list, list[list[sp.Expr]]]:
    """Split the argument lists of Add/Mul branches into common and paired parts.

    Arguments present in every branch come out whole; the rest are lined up so
    that calls of the same function meet (``phi1(x)`` with ``phi1(-x)``).  The
    second list is empty when the branches do not line up.
    """
    rest = [list(b) for b in branches]
    common = []
    for arg in list(rest[0]):
        if all(arg in r for r in rest[1:]):
            common.append(arg)
            for r in rest:
                r.remove(arg)
    first = rest[0]
    if any(len(r) != len(first) for r in rest[1:]):
        return common, []
    lines = [first]
    for r in rest[1:]:
        line: list = []
        for arg in first:
            match = next((o for o in r if o.func == arg.func
                          and len(o.args) == len(arg.args)), None)
            line.append(match)
            if match is not None:
                r.remove(match)
        leftovers = iter(r)
        lines.append([o if o is not None else next(leftovers) for o in line])
    return common, lines


def _outside_branches(expr: sp.Basic, temps: dict) -> set:
    """The temporaries ``expr`` uses outside the values of its Piecewise
    branches (in conditions, in the default value, which is always computed,
    or not under a Piecewise at all)."""
    found: set = set()
    seen: set = set()

    def walk(e: sp.Basic) -> None:
        if e in seen:
            return
        seen.add(e)
        if e.is_Symbol:
            if e in temps:
                found.add(e)
            return
        if isinstance(e, sp.Piecewise):
            for value, cond in e.args:
                walk(cond)
                if cond is sp.true:
                    walk(value)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return found
