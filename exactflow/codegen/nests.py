"""Choosing a broadcast loop nest, without SymPy (the Numba and CUDA targets).

A call broadcasts its arguments to one shape; :func:`plan` splits that shape
into rows (leading axes) and columns (trailing axes) and gives each input a
letter, its *pattern*: constant (``c``), varying along the rows (``o``), the
columns (``i``) or both (``f``).  Each temporary of the lowered kernel then
belongs to the union of its operands' axes (:func:`levels`): it is computed
once, per row, per column or per point.  :func:`plan` picks the split that
minimises the work priced by the kernel's cost table
(:func:`exactflow.codegen.costs.analyse`, stored with the cached module), and
:func:`compact` gives each argument in the compact form a loop nest takes.  A
one-dimensional call is a grid of ``n`` rows and one column: what depends only
on the scalar arguments is computed once.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

__all__ = ["AXES", "HEAVY", "WORTHWHILE", "Plan", "Table", "as_table",
           "check_pattern", "compact", "levels", "plan"]

#: Operation-count weight of a call of exp, log, sqrt, pow, ... (against 1 for
#: an addition or multiplication) in the cost model of :func:`plan`.
HEAVY = 20
#: A grid is used when it needs at most this fraction of the flat loop's work.
WORTHWHILE = 0.8
AXES = {"c": 0, "o": 1, "i": 2, "f": 3}  # bit 0: rows, bit 1: columns
#: ``(name, operands, cost)`` of each temporary, then each output
Table = tuple[tuple[str, frozenset, float], ...]


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
    shape: tuple = ()  # the broadcast shape without its axes of length 1


def as_table(rows) -> Table:
    """A table read back from JSON (lists) as the tuples :func:`plan` takes.

    Raises
    ------
    ValueError
        When ``rows`` is not a list of ``[name, [operands], cost]``.
    """
    try:
        table = tuple((str(n), frozenset(map(str, ops)), float(c))
                      for n, ops, c in rows)
    except (TypeError, ValueError):
        raise ValueError("a grid cost table is a list of [name, operands, cost]"
                         ) from None
    return table


def levels(spec, table: Table, pattern: str) -> dict[str, int]:
    """Axes bits (0 once, 1 row, 2 column, 3 point) of inputs, temps, outputs."""
    axes = {n: AXES[c] for n, c in zip(spec.input_names, pattern)}
    for name, operands, _ in table:
        axes[name] = functools.reduce(int.__or__, (axes[o] for o in operands), 0)
    return axes


def check_pattern(spec, pattern: str) -> None:
    """ValueError unless ``pattern`` has one of the letters c, o, i, f per input
    of ``spec``."""
    if len(pattern) != len(spec.input_names) or set(pattern) - set(AXES):
        raise ValueError(f"pattern must have one of the letters c, o, i, f per "
                         f"input {list(spec.input_names)}, got {pattern!r}")


def _pattern(shapes: list[tuple], shape: tuple, split: int) -> str:
    """One letter per input: varies along neither, the rows, the columns, both."""
    letters = []
    for s in shapes:
        s = (1,) * (len(shape) - len(s)) + tuple(s)
        rows, cols = math.prod(s[:split]) > 1, math.prod(s[split:]) > 1
        letters.append("coif"[rows + 2 * cols])
    return "".join(letters)


def _squeeze(s: tuple, shape: tuple, keep: list[int]) -> tuple:
    s = (1,) * (len(shape) - len(s)) + tuple(s)
    return tuple(s[i] for i in keep)


def plan(spec, table: Table, shapes: list[tuple], shape: tuple,
         split: int | None = None) -> Plan | None:
    """The cheapest loop nest for arguments of ``shapes`` broadcast to ``shape``.

    The leading ``split`` axes are the rows (run in parallel), the others the
    columns; ``split`` may take every axis (one column): a one-dimensional call
    then computes what depends only on its scalar arguments once.  Returns None
    (the flat loop) for an empty result, fewer than two rows, or when no split
    saves at least a fifth of the work.  Given ``split`` (counted among the
    axes longer than 1), returns that split's nest whatever it saves.
    """
    want = split
    size = math.prod(shape)
    if size == 0:
        return None
    keep = [i for i, n in enumerate(shape) if n != 1]  # unit axes change nothing
    shapes = [_squeeze(s, shape, keep) for s in shapes]
    shape = tuple(shape[i] for i in keep)
    flat = size * sum(cost for _, _, cost in table)
    best = None
    for split in range(1, len(shape) + 1):
        rows, cols = math.prod(shape[:split]), math.prod(shape[split:])
        if rows < 2 or (want is not None and split != want):
            continue
        pattern = _pattern(shapes, shape, split)
        axes = levels(spec, table, pattern)
        count = {0: 1, 1: rows, 2: cols, 3: size}
        cost = sum(c * count[axes[name]] for name, _, c in table)
        if best is None or cost < best.cost_grid:
            best = Plan(pattern, split, rows, cols, cost, flat, shape)
    if best is None or (want is None and best.cost_grid > WORTHWHILE * flat):
        return None
    return best


def compact(chosen: Plan, arrays: list, shape: tuple, xp=None) -> list:
    """Each argument as the loop nest of ``chosen`` takes it: a 0-d array
    (``c``), the ``rows`` values (``o``) or ``cols`` values (``i``) it takes,
    or (``f``) the ``rows x cols`` array (views where possible); ``xp`` is the
    array module (NumPy by default, CuPy for the GPU)."""
    if xp is None:
        import numpy as xp

    j = chosen.split
    keep = [i for i, n in enumerate(shape) if n != 1]
    args = []
    for x, c in zip(arrays, chosen.pattern):
        x = x.reshape(_squeeze(x.shape, shape, keep))
        if c == "c":
            args.append(x.reshape(-1)[0])
        elif c == "o":
            args.append(xp.broadcast_to(x.reshape(x.shape[:j]), chosen.shape[:j])
                        .reshape(chosen.rows))
        elif c == "i":
            args.append(xp.broadcast_to(x.reshape(x.shape[j:]), chosen.shape[j:])
                        .reshape(chosen.cols))
        else:
            args.append(xp.broadcast_to(x, chosen.shape)
                        .reshape(chosen.rows, chosen.cols))
    return args
