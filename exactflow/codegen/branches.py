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

__all__ = ["Split", "label", "sink", "split", "users"]


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


def _sites(expr: sp.Basic, names: set, chain: tuple = ()):
    """``(symbol, chain)`` for each temporary ``expr`` uses: ``chain`` the branch
    indices of the whole-value ``Piecewise`` (nested ones included) whose branch
    the use is in; conditions and everything else count where the block is."""
    if isinstance(expr, sp.Piecewise):
        for i, (value, cond) in enumerate(expr.args):
            for s in cond.free_symbols & names:
                yield s, chain
            yield from _sites(value, names, chain + (i,))
        return
    for s in expr.free_symbols & names:
        yield s, chain


def label(expr: sp.Basic):
    """What names the if-block of a whole-value ``Piecewise``: its conditions
    (blocks with the same conditions take the same branch at a point)."""
    return tuple(c for _, c in expr.args) if isinstance(expr, sp.Piecewise) else None


def _place(temps, statements, movable, pinned, stays) -> dict:
    place: dict = {}  # symbol -> path: ((label, chain), ...), () for the top
    uses: dict = {}
    for name, expr in reversed(statements):
        key = name if name in movable else None
        if key is not None:
            sites = uses.get(key, [])
            common = sites[0] if sites else ()
            for other in sites[1:]:
                n = 0
                while n < min(len(common), len(other)) and common[n] == other[n]:
                    n += 1
                common = common[:n]
            if key in pinned or (common and stays is not None
                                 and stays(key, common[-1][0])):
                common = ()
            place[key] = common
        base = place.get(key, ())
        head = label(expr)
        for s, chain in _sites(expr, movable):
            steps = tuple((head, chain[:k]) for k in range(1, len(chain) + 1))
            uses.setdefault(s, []).append(base + steps)
    return place


def sink(temps: list, statements: list, stays=None) -> tuple[list, dict]:
    """The temporaries that only one branch of ``Piecewise`` blocks needs, moved
    there.

    ``statements`` are ``(name, expr)`` pairs in the order they are printed, the
    temporaries ``temps`` among them (users after what they use); a statement
    whose value is a ``Piecewise`` is printed as an if-block (nested
    whole-value ``Piecewise`` as nested blocks, :func:`exactflow.codegen.targets.
    numba.printer.statements`), and blocks with the same conditions (:func:`label`)
    take the same branch at a point.  A temporary all of whose uses are inside
    one branch of such blocks (directly, or through temporaries moved there) is
    evaluated at the start of that branch in the first of them, only where it is
    taken — unless something it uses is computed after that block; ``stays(symbol,
    label) -> bool`` may keep a temporary at the top (e.g. one of another loop
    level).

    Returns ``(top, moved)``: the temporaries left in place, in order, and
    ``{(label, chain): [(symbol, expr), ...]}`` the ones to evaluate first in
    branch ``chain`` (branch indices, outermost first) of the first block with
    that label (the printer takes each list once).
    """
    movable = {s for s, _ in temps}
    order = {name: i for i, (name, _) in enumerate(statements)}
    first: dict = {}  # label -> index of the first block with it
    for i, (_, expr) in enumerate(statements):
        if label(expr) is not None:
            first.setdefault(label(expr), i)
    pinned: set = set()
    while True:
        place = _place(temps, statements, movable, pinned, stays)
        late = set()
        for sym, expr in temps:
            path = place.get(sym, ())
            if path:
                host = first[path[0][0]]
                if any(order.get(d, -1) >= host and not place.get(d)
                       for d in expr.free_symbols & movable):
                    late.add(sym)
        if not late - pinned:
            break
        pinned |= late
    top, moved = [], {}
    for sym, expr in temps:
        path = place.get(sym, ())
        if path:
            moved.setdefault(path[-1], []).append((sym, expr))
        else:
            top.append((sym, expr))
    return top, moved


def users(pairs: list) -> list:
    """``pairs`` as statements for :func:`sink` whose every use counts where they
    are (nothing moves into their branches): ``(name, Tuple(symbols))``."""
    return [(f"_user{i}", sp.Tuple(*sorted(e.free_symbols, key=str)))
            for i, (_, e) in enumerate(pairs)]
