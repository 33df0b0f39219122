"""Broadcast grids for the Numba target: a loop nest with hoisted temporaries.

A phase diagram evaluates a kernel on an outer product, e.g. ``t`` of shape
``(n, 1)`` against ``a0`` of shape ``(1, m)`` with the other inputs scalars.
The flat loop would recompute everything that depends on ``a0`` alone at each
of the ``n*m`` points.  Here the broadcast shape is split into rows (its
leading axes, ``n`` points) and columns (the trailing axes, ``m`` points); each
input varies along neither (``c``), the rows (``o``), the columns (``i``) or
both (``f``) — one letter per input is the *pattern* — and each temporary of
the lowered kernel gets the union of the axes of its operands.  The generated
loop nest (``numba/grid.py.j2``) computes

* once: temporaries of the constant inputs;
* per column, in a ``prange`` over the ``m`` columns: temporaries of column
  inputs alone, stored in arrays of ``m`` where the inner loop needs them;
* per row, in a ``prange`` over the ``n`` rows: temporaries of row inputs;
* per point, in the inner ``range(m)`` loop: the rest, and the stores.

:func:`plan` chooses the split that minimises an operation count (a
transcendental call counts :data:`HEAVY`) and falls back to the flat loop
(``None``) when no split saves at least a fifth of the work.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import sympy as sp

from ...passes import LoweredKernel
from ...render import render
from ...spec import KernelSpec
from .lower import check_names, common_context, wrap_call
from .printer import is_boolean, printer, statements

__all__ = ["HEAVY", "Plan", "analyse", "emit", "levels", "lower", "plan", "run"]

#: Operation-count weight of a call of exp, log, sqrt, pow, ... (against 1 for
#: an addition or multiplication) in the cost model of :func:`plan`.
HEAVY = 20
#: A grid is used when it needs at most this fraction of the flat loop's work.
WORTHWHILE = 0.8
_AXES = {"c": 0, "o": 1, "i": 2, "f": 3}  # bit 0: rows, bit 1: columns
_LEVELS = ("once", "row", "column", "point")
_LIGHT = {"ADD", "SUB", "MUL", "DIV", "NEG", "ABS", "GT", "LT", "GE", "LE", "EQ",
          "NE", "AND", "OR", "NOT", "MAX", "MIN", "SIGN", "PIECEWISE"}


@dataclass(frozen=True)
class Plan:
    """How a call runs on a grid: ``pattern`` letters, the ``split`` axis and
    the collapsed ``rows x cols`` sizes, with the estimated costs."""

    pattern: str
    split: int
    rows: int
    cols: int
    cost_grid: float
    cost_flat: float


def _cost(expr: sp.Basic) -> float:
    ops = sp.count_ops(expr, visual=True)
    if ops == 0:
        return 0.0
    weights = {s: (1 if s.name in _LIGHT else HEAVY) for s in ops.free_symbols}
    return float(ops.xreplace(weights))


Table = tuple[tuple[str, frozenset, float], ...]


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


def levels(spec: KernelSpec, table: Table, pattern: str) -> dict[str, int]:
    """Axes bits (0 once, 1 row, 2 column, 3 point) of inputs, temps, outputs."""
    axes = {n: _AXES[c] for n, c in zip(spec.input_names, pattern)}
    for name, operands, _ in table:
        axes[name] = functools.reduce(int.__or__, (axes[o] for o in operands), 0)
    return axes


def _pattern(shapes: list[tuple], shape: tuple, split: int) -> str:
    """One letter per input: varies along neither, the rows, the columns, both."""
    letters = []
    for s in shapes:
        s = (1,) * (len(shape) - len(s)) + tuple(s)
        rows, cols = math.prod(s[:split]) > 1, math.prod(s[split:]) > 1
        letters.append("coif"[rows + 2 * cols])
    return "".join(letters)


def plan(spec: KernelSpec, table: Table, shapes: list[tuple], shape: tuple
         ) -> Plan | None:
    """The cheapest grid for arguments of ``shapes`` broadcast to ``shape``.

    Returns None (the flat loop) for fewer than two axes, an empty result, or
    when no split of the axes into rows and columns saves enough work.
    """
    size = math.prod(shape)
    if len(shape) < 2 or size == 0:
        return None
    flat = size * sum(cost for _, _, cost in table)
    best = None
    for split in range(1, len(shape)):
        rows, cols = math.prod(shape[:split]), math.prod(shape[split:])
        if rows < 2 or cols < 2:
            continue
        pattern = _pattern(shapes, shape, split)
        axes = levels(spec, table, pattern)
        count = {0: 1, 1: rows, 2: cols, 3: size}
        cost = sum(c * count[axes[name]] for name, _, c in table)
        if best is None or cost < best.cost_grid:
            best = Plan(pattern, split, rows, cols, cost, flat)
    if best is None or best.cost_grid > WORTHWHILE * flat:
        return None
    return best


def lower(spec: KernelSpec, kernel: LoweredKernel, table: Table, pattern: str
          ) -> dict[str, str | list[str]]:
    """Template context of the loop nest for ``pattern`` (one letter per input).

    Raises
    ------
    ValueError
        For a reserved name or a pattern that is not one of the letters
        ``c`` (constant), ``o`` (rows), ``i`` (columns), ``f`` (both) per input.
    """
    check_names(spec)
    if len(pattern) != len(spec.inputs) or set(pattern) - set(_AXES):
        raise ValueError(f"pattern must have one of the letters c, o, i, f per "
                         f"input {list(spec.input_names)}, got {pattern!r}")
    p = printer(spec.dtype)
    axes = levels(spec, table, pattern)
    exprs = [(s.name, e) for s, e in kernel.temps]
    exprs += [(f"_out_{n}", e) for n, e in kernel.outputs]
    fresh = [0]
    code: dict[int, list[str]] = {level: [] for level in range(4)}
    used: dict[int, set[str]] = {level: set() for level in range(4)}
    booleans = set()
    for name, expr in exprs:
        code[axes[name]] += statements(name, expr, p, fresh)
        used[axes[name]] |= {s.name for s in expr.free_symbols}
        if is_boolean(expr):
            booleans.add(name)
    outputs = [f"_out_{n}" for n in spec.output_names]
    used[3] |= set(outputs)
    stored = sorted((n for n in used[3] if axes.get(n) == 2 and n not in
                     spec.input_names), key=[e[0] for e in exprs].index)
    body = ["_n, _m = " + f"_res_{spec.output_names[0]}.shape"]
    if code[0]:
        body += ["# once: temporaries of the constant inputs"] + code[0]
    if code[2]:
        body += ["# per column: temporaries of the column inputs"]
        body += [f"_col{n} = numpy.empty(_m, dtype="
                 f"{'numpy.bool_' if n in booleans else '_DTYPE'})" for n in stored]
        inner = [f"{n} = _in_{n}[_j]" for n, c in zip(spec.input_names, pattern)
                 if c == "i" and n in used[2]] + code[2]
        inner += [f"_col{n}[_j] = {n}" for n in stored]
        body += ["for _j in numba.prange(_m):"] + [f"    {x}" for x in inner]
    body += ["# per row, then per point"]
    row = [f"{n} = _in_{n}[_i]" for n, c in zip(spec.input_names, pattern)
           if c == "o" and n in used[1] | used[3]] + code[1]
    point = [f"{n} = _in_{n}[_j]" for n, c in zip(spec.input_names, pattern)
             if c == "i" and n in used[3]]
    point += [f"{n} = _in_{n}[_i, _j]" for n, c in zip(spec.input_names, pattern)
              if c == "f" and n in used[3]]
    point += [f"{n} = _col{n}[_j]" for n in stored] + code[3]
    point += [f"_res_{n}[_i, _j] = _out_{n}" for n in spec.output_names]
    row += ["for _j in range(_m):"] + [f"    {x}" for x in point]
    body += ["for _i in numba.prange(_n):"] + [f"    {x}" for x in row]
    kinds = {"c": "_F", "o": "_V", "i": "_V", "f": "_M"}
    args = [n if c == "c" else f"_in_{n}" for n, c in zip(spec.input_names, pattern)]
    context = common_context(spec, p)
    groups = {c: [n for n, k in zip(spec.input_names, pattern) if k == c] or
              ["(none)"] for c in _AXES}
    count = {level: sum(1 for n, _ in exprs if axes[n] == level) for level in range(4)}
    context.update({
        "pattern": pattern,
        "grid_args": ", ".join(args + [f"_res_{n}" for n in spec.output_names]),
        "grid_def": wrap_call(f"def {spec.name}_grid",
                              args + [f"_res_{n}" for n in spec.output_names], 0),
        "grid_types": ", ".join([kinds[c] for c in pattern]
                                + ["_OUT"] * len(spec.outputs)),
        "groups": [f"{title}{', '.join(groups[c])}" for title, c in (
            ("constant (scalars):            ", "c"),
            ("along rows (arrays of n):      ", "o"),
            ("along columns (arrays of m):   ", "i"),
            ("at every point (n x m arrays): ", "f"))],
        "counts": [f"{count[level]} {_LEVELS[level]}" for level in range(4)],
        "body": body,
    })
    return context


def emit(spec: KernelSpec, kernel: LoweredKernel, table: Table, pattern: str) -> str:
    """Source of the loop-nest module of ``spec`` for ``pattern`` (``kernel`` is
    ``lower.lowered(spec)``, ``table`` is ``analyse(kernel)``)."""
    return render("numba/grid.py.j2", lower(spec, kernel, table, pattern))


def run(function, chosen: Plan, arrays: list, shape: tuple, spec: KernelSpec):
    """Call the compiled loop nest on ``arrays`` (already of the kernel's dtype).

    Each input is passed in its compact form: a scalar, an array of the
    ``rows`` or ``cols`` values it takes, or (``f``) the ``rows x cols`` view.
    """
    import numpy

    j, k = chosen.split, len(shape)
    args = []
    for x, c in zip(arrays, chosen.pattern):
        x = x.reshape((1,) * (k - x.ndim) + x.shape)
        if c == "c":
            args.append(x.reshape(-1)[0])
        elif c == "o":
            args.append(numpy.broadcast_to(x.reshape(x.shape[:j]), shape[:j])
                        .reshape(chosen.rows))
        elif c == "i":
            args.append(numpy.broadcast_to(x.reshape(x.shape[j:]), shape[j:])
                        .reshape(chosen.cols))
        else:
            args.append(numpy.broadcast_to(x, shape).reshape(chosen.rows, chosen.cols))
    outs = [numpy.empty((chosen.rows, chosen.cols), dtype=spec.dtype)
            for _ in spec.outputs]
    function(*args, *outs)
    return tuple(o.reshape(shape) for o in outs)

