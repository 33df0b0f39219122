"""The cost table of a lowered kernel, from which :func:`.nests.plan` chooses a
loop nest: each temporary and output with the names it uses and its price in
operations (a transcendental call counts :data:`.nests.HEAVY`, an addition or
a comparison 1).  Targets store it with the cached module, so that a kernel
loaded from the cache plans its nests without SymPy."""

from __future__ import annotations

import sympy as sp

from .nests import HEAVY, Table
from .passes import LoweredKernel

__all__ = ["analyse", "as_rows"]

_LIGHT = {"ADD", "SUB", "MUL", "DIV", "NEG", "ABS", "GT", "LT", "GE", "LE", "EQ",
          "NE", "AND", "OR", "NOT", "MAX", "MIN", "SIGN", "PIECEWISE"}


def _cost(expr: sp.Basic) -> float:
    ops = sp.count_ops(expr, visual=True)
    if ops == 0:
        return 0.0
    weights = {s: (1 if s.name in _LIGHT else HEAVY) for s in ops.free_symbols}
    return float(ops.xreplace(weights))


def analyse(kernel: LoweredKernel) -> Table:
    """``(name, operands, cost)`` of each temporary, then each output (as
    ``_out_<name>``); operands are the names of inputs and temporaries it uses."""
    rows = []
    for sym, expr in kernel.temps:
        rows.append((sym.name, frozenset(s.name for s in expr.free_symbols),
                     _cost(expr)))
    for name, expr in kernel.outputs:
        rows.append((f"_out_{name}", frozenset(s.name for s in expr.free_symbols),
                     _cost(expr)))
    return tuple(rows)


def as_rows(table: Table) -> list:
    """``table`` as JSON rows ``[name, [operands], cost]`` (read back by
    :func:`.nests.as_table`)."""
    return [[name, sorted(operands), cost] for name, operands, cost in table]
