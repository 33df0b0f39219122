"""Which temporaries of a lowered kernel belong to one branch of its outputs.

A kernel whose outputs all switch on one condition — ``Piecewise((x, c), (y,
True))``, e.g. the single neuron's log-scaled form where the direct one would
underflow — should evaluate the temporaries that only ``x`` needs where ``c``
holds, and nowhere else.  :func:`split` finds them: a temporary is *sunk* into
the branch when every use of it is inside a branch value ``x`` of such an output
(for that one condition), directly or through other sunk temporaries.  The
scalar printers (Numba, C) emit the sunk temporaries and the branch values in an
``if`` block; the NumPy target, which evaluates every branch at every point,
skips the branch in blocks where ``c`` holds nowhere (:mod:`.targets.numpy`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .passes import LoweredKernel

__all__ = ["Split", "split"]


@dataclass(frozen=True)
class Split:
    """A lowered kernel with one switch pulled out.

    Attributes
    ----------
    temps : list of (Symbol, Expr)
        The temporaries every point needs, in order.
    cond : sympy.Basic or None
        The switch (None: there is none, ``taken`` and ``sunk`` are empty).
    sunk : list of (Symbol, Expr)
        The temporaries only the branch ``cond`` needs, in order.
    taken, other : list of (str, Expr)
        The switched outputs where ``cond`` holds, and where it does not.
    rest : list of (str, Expr)
        The outputs that do not switch on ``cond``.
    """

    temps: list
    cond: sp.Basic | None
    sunk: list
    taken: list
    other: list
    rest: list


def _switch(expr: sp.Basic):
    if (isinstance(expr, sp.Piecewise) and len(expr.args) == 2
            and expr.args[1].cond is sp.true):
        return expr.args[0].cond
    return None


def split(kernel: LoweredKernel) -> Split:
    """The kernel's temporaries and outputs around its most common switch."""
    conds = [_switch(e) for _, e in kernel.outputs]
    counted = [c for c in conds if c is not None]
    if not counted:
        return Split(list(kernel.temps), None, [], [], [], list(kernel.outputs))
    cond = max(counted, key=counted.count)
    names = {s for s, _ in kernel.temps}
    # the context of each temporary: "top" (every point) or "branch"
    context: dict = {}

    def use(sym, where: str) -> None:
        context[sym] = where if context.get(sym, where) == where else "top"

    def uses(expr: sp.Basic, where: str) -> None:
        for s in expr.free_symbols & names:
            use(s, where)

    for (name, expr), c in zip(kernel.outputs, conds):
        if c is cond or c == cond:
            (taken, _), (other, _) = expr.args
            uses(taken, "branch")
            uses(other, "top")
            uses(cond, "top")
        else:
            uses(expr, "top")
    for sym, expr in reversed(kernel.temps):  # users come after what they use
        uses(expr, context.get(sym, "top"))
    temps = [(s, e) for s, e in kernel.temps if context.get(s, "top") == "top"]
    sunk = [(s, e) for s, e in kernel.temps if context.get(s) == "branch"]
    taken, other, rest = [], [], []
    for (name, expr), c in zip(kernel.outputs, conds):
        if c is cond or c == cond:
            taken.append((name, expr.args[0].expr))
            other.append((name, expr.args[1].expr))
        else:
            rest.append((name, expr))
    return Split(temps, cond, sunk, taken, other, rest)
