"""Calls a loop nest can take out of the loops they do not vary along.

A grid nest (:mod:`exactflow.codegen.nests`) computes each temporary at the
level of the axes its operands vary along: once, per row, per column or per
point.  A temporary of the points may still hold a call whose own operands vary
along fewer axes: the diagonal network's β has log|u₀| − log|v₀| inside a
branch of a point's value, a constant when only the time varies.  SymPy's
``cse`` names a subexpression only where it repeats, so such a call stays in its
temporary and is made at every point.

:func:`hoist` names each of them as a temporary of its own, which the nest then
computes at its level: the largest subexpression that holds a transcendental
call (not ``Abs``, ``sign``, ``Max`` or ``Min``: those cost a comparison) and
varies along fewer axes than the expression it is in.  A call taken out of a
branch is then made whether or not the branch is taken, once per loop it left;
its value is used only where the branch is.
"""

from __future__ import annotations

import functools
import itertools

import sympy as sp
from sympy.logic.boolalg import Boolean

from .passes import LoweredKernel, substitute

__all__ = ["hoist"]

_CHEAP = (sp.Abs, sp.sign, sp.Piecewise)


def _costly(expr: sp.Basic) -> bool:
    """Whether ``expr`` holds a call that is more than a comparison."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and not isinstance(node, _CHEAP):
            return True
        if isinstance(node, sp.Pow) and not node.exp.is_Integer:
            return True
    return False


def hoist(kernel: LoweredKernel, axes: dict[str, int],
          prefix: str = "_inv") -> LoweredKernel:
    """``kernel`` with its loop-invariant calls named ``<prefix>0, ...``.

    ``axes`` gives the axes bits of each input (those of
    :func:`exactflow.codegen.nests.levels`); each new temporary is placed just
    before the first temporary or output that uses it.
    """
    bits = dict(axes)
    named: dict[sp.Basic, sp.Symbol] = {}
    fresh = itertools.count()

    memo: dict[sp.Basic, int] = {}

    def of(expr: sp.Basic) -> int:
        if expr.is_Symbol:
            return bits[expr.name]
        if expr not in memo:
            memo[expr] = functools.reduce(int.__or__, map(of, expr.args), 0)
        return memo[expr]

    def collect(expr: sp.Basic, outer: int, found: dict, seen: set) -> None:
        if expr.is_Atom or expr in seen or expr.is_number:  # numbers: the printer's
            return
        seen.add(expr)
        if of(expr) != outer:  # varies along fewer axes (a subset of the outer ones)
            if not isinstance(expr, Boolean) and _costly(expr):
                found[expr] = None
            return
        for arg in expr.args:
            collect(arg, outer, found, seen)

    def rewrite(expr: sp.Basic, new: list) -> sp.Basic:
        found: dict = {}
        collect(expr, of(expr), found, set())
        if not found:
            return expr
        mapping = {}
        for node in found:
            if node not in named:
                inner = rewrite(node, new)  # its own calls of still fewer axes
                sym = sp.Symbol(f"{prefix}{next(fresh)}", real=True)
                named[node] = sym
                bits[sym.name] = of(inner)
                new.append((sym, inner))
            mapping[node] = named[node]
        return substitute(expr, mapping)

    temps: list = []
    for sym, expr in kernel.temps:
        expr = rewrite(expr, temps)
        bits[sym.name] = of(expr)
        temps.append((sym, expr))
    outputs = []
    for name, expr in kernel.outputs:
        outputs.append((name, rewrite(expr, temps)))
    if len(temps) == len(kernel.temps):
        return kernel
    return LoweredKernel(temps, outputs)
