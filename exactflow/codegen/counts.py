"""Transcendental calls per point of a generated kernel, for its header.

A kernel's cost is set by its calls of exp, expm1, log, log1p, sqrt, pow and
the like; each generated file states how many it makes per point
(:func:`describe`), where every input varies and where only the first input
(by the catalog's convention the time ``t``) varies, the others being computed
once.  Calls in a branch that is evaluated only where it is taken (the rare
branch of :func:`.branches.split`, the temporaries :func:`.branches.sink` moves
into a branch of Piecewise blocks) are counted apart, each branch's calls as if
every such branch were taken (an upper bound).
"""

from __future__ import annotations

from collections import Counter

import sympy as sp

from ..symbolic.spec.functions import logz, phi1
from .branches import sink, split, users
from .passes import LoweredKernel

__all__ = ["TRANSCENDENTAL", "count", "describe", "expression_calls"]

#: the functions counted, under the name of the C/NumPy call they become
TRANSCENDENTAL = ("exp", "expm1", "log", "log1p", "sqrt", "cbrt", "pow", "sin",
                  "cos", "tan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
                  "asin", "acos", "atan", "atan2", "hypot", "erf")
_NAMES = {"phi1": "expm1", "logz": "log", "Sqrt": "sqrt", "Cbrt": "cbrt"}


def expression_calls(expr: sp.Basic, varies=None) -> Counter:
    """Calls made by one scalar evaluation of ``expr`` (each distinct node once);
    with ``varies(node) -> bool``, only the calls whose argument varies."""
    calls: Counter = Counter()
    seen: set = set()
    for node in sp.preorder_traversal(expr):
        if node in seen or not isinstance(node, sp.Basic):
            continue
        seen.add(node)
        if varies is not None and not varies(node):
            continue
        name = type(node).__name__
        if node.is_Pow:
            if node.exp.is_Integer:
                continue  # multiplications
            if node.exp.is_Rational and node.exp.q in (2, 4):
                calls["sqrt"] += 1 if node.exp.q == 2 else 2
            else:
                calls["pow"] += 1
        elif isinstance(node, (phi1, logz)) or (
                isinstance(node, sp.Function) and name.lower() in TRANSCENDENTAL):
            calls[_NAMES.get(name, name.lower())] += 1
    return calls


def count(kernel: LoweredKernel, inputs: tuple[str, ...] | None = None
          ) -> tuple[Counter, Counter]:
    """``(always, branch)``: calls per point of the lowered ``kernel`` outside
    and inside the branches evaluated only where they are taken (its switch's
    rare branch, and the temporaries :func:`.branches.sink` moves into a branch);
    with ``inputs`` (names), only the calls whose argument depends on one of
    them (the others are made once)."""
    cut = split(kernel)
    depends: dict = {}
    for sym, expr in kernel.temps:
        depends[sym] = inputs is None or any(
            s.name in inputs or depends.get(s, False) for s in expr.free_symbols)

    def varies(node: sp.Basic) -> bool:
        return inputs is None or any(s.name in inputs or depends.get(s, False)
                                     for s in node.free_symbols)

    def calls(pairs) -> Counter:
        total: Counter = Counter()
        for _, expr in pairs:
            total += expression_calls(expr, varies)
        return total

    # the temporaries only a branch of Piecewise blocks needs (branches.sink)
    top, moved = sink(cut.temps, cut.temps + users(cut.sunk + cut.taken + cut.other)
                      + [(f"_out_{n}", e) for n, e in cut.rest])
    always = calls(top + cut.other + cut.rest)
    branch = calls(cut.sunk + cut.taken + [x for pairs in moved.values()
                                           for x in pairs])
    return always, branch


def _text(calls: Counter) -> str:
    return ", ".join(f"{k} {calls[k]}" for k in sorted(calls)) or "none"


def describe(kernel: LoweredKernel, input_names: tuple[str, ...]) -> list[str]:
    """Lines for a generated file's header (without the comment marker)."""
    every, rare = count(kernel)
    first, _ = count(kernel, input_names[:1])
    lines = [f"Transcendental calls per point, every input varying: {_text(every)};",
             f"only {input_names[0]} varying (the rest computed once): "
             f"{_text(first)}."]
    if rare:
        lines.append(f"In branches evaluated only where taken, also: {_text(rare)}.")
    return lines
