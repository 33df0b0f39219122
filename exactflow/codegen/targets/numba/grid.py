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

With one column (a trajectory: no input varies along the columns) the rows run
in chunks of 256 per ``prange`` task, and the inner loop is over a chunk's rows.
The innermost loop is written for LLVM's vectoriser (:func:`_vector_loops`):
contiguous 1-D views indexed from 0, exp/expm1/φ₁ as the arithmetic helpers of
:mod:`.vecmath` where nothing else in it calls libm, and a switch to a rare
branch that calls libm split into a branch-free loop and a loop over the rare
points (``docs/kernels.md`` §2).

:func:`exactflow.codegen.nests.plan` chooses the split that minimises an
operation count (a transcendental call counts :data:`HEAVY`) and falls back to
the flat loop (``None``) when no split saves at least a fifth of the work (the
loader then still runs the one-column nest for 4096 points or more).
"""

from __future__ import annotations

import re

from ...branches import label, sink, split, users
from ...costs import analyse
from ...invariant import hoist
from ...nests import AXES as _AXES
from ...nests import HEAVY, WORTHWHILE, Plan, Table, check_pattern, levels, plan
from ...passes import LoweredKernel
from ...render import render
from ...spec import KernelSpec
from .lower import check_names, common_context, wrap_call
from .printer import is_boolean, printer, statements
from .unswitch import map_leaves, versions
from .unswitch import render as unswitched
from .vecmath import vector_lines

__all__ = ["HEAVY", "WORTHWHILE", "Plan", "analyse", "emit", "levels", "lower",
           "plan"]

_LEVELS = ("once", "row", "column", "point")
_CHUNK = 256  # rows per task of a one-column grid (a trajectory)
# a call that is not plain arithmetic: a rare branch without one costs no more
# than a second loop would, and stays in the one loop (LLVM selects between them)
_HEAVY = re.compile(r"\b(_expm1|_phi1|_logz|math\.\w+)\(|\*\*")


def _vector_loops(loop: str, loads: list[str], lines: list[str],
                  stores: dict[str, str], switch: tuple | None) -> list[str]:
    """The innermost loop, written so that LLVM can vectorise it.

    ``stores`` maps each output to the element it is stored in.  Without a
    switch: ``loop`` over the loads, ``lines`` and the stores.  With one,
    ``switch`` is (lines before the block, common branch, rare branch, the
    first loop's lines, condition, outputs of the rare branch).  A first loop,
    with no branch and the arithmetic exp helpers, computes every point through
    the common branch and stores NaN as the first rare output where the
    condition holds (a count of the rare points, a reduction, kept LLVM from
    vectorising the float32 loop).  A second loop computes the points that hold
    NaN there again with libm's calls (one at a time, they are the faster), through
    the branch the condition takes there: every point gets a value even where an
    ulp of difference moves the condition.
    """
    if switch is None:
        return [loop] + [f"    {x}" for x in loads + lines] + [
            f"    {element} = _out_{n}" for n, element in stores.items()]
    head, common, rare, first, cond, taken = switch
    mark = stores[taken[0]]
    first = loads + first + [
        f"{element} = _NAN if {cond} else _out_{n}" if element == mark
        else f"{element} = _out_{n}" for n, element in stores.items()]
    put = [f"    {stores[n]} = _out_{n}" for n in taken]
    second = loads + head + [f"if {cond}:"] + [f"    {x}" for x in rare] + put + [
        "else:"] + [f"    {x}" for x in common] + put
    return ([loop] + [f"    {x}" for x in first] + [loop, f"    if {mark} != {mark}:"]
            + [f"        {x}" for x in second])


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
    check_pattern(spec, pattern)
    p = printer(spec.dtype)
    # calls of fewer axes than their temporary, taken out to their own level
    hoisted = hoist(kernel, {n: _AXES[c] for n, c in zip(spec.input_names, pattern)})
    if hoisted is not kernel:
        kernel, table = hoisted, analyse(hoisted)
    axes = levels(spec, table, pattern)
    exprs = [(s.name, e) for s, e in kernel.temps]
    exprs += [(f"_out_{n}", e) for n, e in kernel.outputs]
    fresh = [0]
    code: dict[int, list[str]] = {level: [] for level in range(4)}
    used: dict[int, set[str]] = {level: set() for level in range(4)}
    booleans = {name for name, expr in exprs if is_boolean(expr)}
    cut = split(kernel)
    # the switch (see exactflow.codegen.branches) runs at the level of its outputs;
    # its temporaries of a lower level are computed there, unconditionally
    at = max((axes[f"_out_{n}"] for n, _ in cut.taken), default=0)
    top = cut.temps + [(sym, e) for sym, e in cut.sunk if axes[sym.name] < at]
    inside = [(sym, e) for sym, e in cut.sunk if axes[sym.name] == at]
    order = {sym: i for i, (sym, _) in enumerate(kernel.temps)}
    top = sorted(top, key=lambda pair: order[pair[0]])
    # a temporary only one branch of a Piecewise block needs is evaluated there
    # (sink), when it is of that block's level; statements in the order printed
    rank = {0: 0, 2: 1, 1: 2, 3: 3}  # once, per column, per row, per point
    level = {sym: axes[sym.name] for sym, _ in top}
    level.update({f"_out_{n}": axes[f"_out_{n}"] for n, _ in cut.rest})
    stmts = sorted(top + [(f"_out_{n}", e) for n, e in cut.rest],
                   key=lambda pair: rank[level[pair[0]]])  # (stable)
    host: dict = {}
    for name, expr in stmts:
        if label(expr) is not None:
            host.setdefault(label(expr), level[name])
    stmts += users([(s, e) for s, e in kernel.temps if s not in level]
                   + [(n, e) for n, e in cut.taken + cut.other])
    moved_from = dict(top)
    top, moved = sink(top, stmts, lambda sym, head: host[head] != level[sym])
    for sym, expr in top:
        code[axes[sym.name]] += statements(sym.name, expr, p, fresh, moved)
    for sym, expr in moved_from.items():
        used[axes[sym.name]] |= {s.name for s in expr.free_symbols}
    pre = len(code[at])  # the switch's level: its lines before the block
    rare: list[str] = []
    common: list[str] = []
    if cut.cond is not None:
        for name, expr in [(s.name, e) for s, e in inside] + [
                (f"_out_{n}", e) for n, e in cut.taken]:
            rare += statements(name, expr, p, fresh)
            used[at] |= {s.name for s in expr.free_symbols}
        for n, expr in cut.other:
            common += statements(f"_out_{n}", expr, p, fresh)
            used[at] |= {s.name for s in expr.free_symbols}
        used[at] |= {s.name for s in cut.cond.free_symbols}
        code[at] += ([f"if {p.doprint(cut.cond)}:"] + [f"    {x}" for x in rare]
                     + ["else:"] + [f"    {x}" for x in common])
    for n, expr in cut.rest:
        code[axes[f"_out_{n}"]] += statements(f"_out_{n}", expr, p, fresh, moved)
        used[axes[f"_out_{n}"]] |= {s.name for s in expr.free_symbols}
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
    columns = any(c in "if" for c in pattern)
    innermost = 3 if columns else 1  # the level of the innermost loop
    lines = code[innermost]
    switch, vector = None, None
    varying = [n for n, c in zip(spec.input_names, pattern) if c != "c"]
    if cut.cond is not None and at == innermost and any(
            _HEAVY.search(x) for x in rare):
        size = 2 + len(rare) + len(common)  # if, else and the two branches
        head, tail = lines[:pre], lines[pre + size:]
        vector = vector_lines(head + common + tail, varying)
        if vector is not None:
            switch = (head, common, rare, vector[0], p.doprint(cut.cond),
                      [n for n, _ in cut.taken])
            lines = head
    tree = lines
    helpers: set[str] = set() if switch is None else vector[1]
    if switch is None:
        # one loop per outcome of the branches on values constant along it
        # (unswitch), each vectorised on its own (vector_lines)
        def vectorised(body: list[str]) -> list[str]:
            found = vector_lines(body, varying)
            if found is None:
                return body
            helpers.update(found[1])
            return found[0]

        outer = {0, 1} if columns else {0}
        constants = {n for n in booleans if axes.get(n) in outer}
        tree = map_leaves(versions(lines, constants), vectorised)
    # the innermost loop reads and writes 1-D contiguous views from index 0 (a
    # strided or offset index became vector gathers and scatters)
    rows = [n for n, c in zip(spec.input_names, pattern)
            if c == "o" and n in used[1] | used[3]]
    if columns:
        row = [f"{n} = _in_{n}[_i]" for n in rows] + code[1]
        full = [n for n, c in zip(spec.input_names, pattern)
                if c == "f" and n in used[3]]
        row += [f"_line_{n} = _in_{n}[_i]" for n in full]
        row += [f"_line_res_{n} = _res_{n}[_i]" for n in spec.output_names]
        point = [f"{n} = _in_{n}[_j]" for n, c in zip(spec.input_names, pattern)
                 if c == "i" and n in used[3]]
        point += [f"{n} = _line_{n}[_j]" for n in full]
        point += [f"{n} = _col{n}[_j]" for n in stored]
        stores = {n: f"_line_res_{n}[_j]" for n in spec.output_names}
        row += unswitched(tree, lambda body: _vector_loops(
            "for _j in range(_m):", point, body, stores, switch))
        body += ["# per row, then per point"]
        body += ["for _i in numba.prange(_n):"] + [f"    {x}" for x in row]
    else:  # one column (a trajectory): rows in chunks, the inner loop over rows
        body += ["# per chunk of rows, then per row (one column)",
                 f"_chunks = (_n + {_CHUNK - 1}) // {_CHUNK}"]
        body += [f"_flat_res_{n} = _res_{n}.reshape(_n)" for n in spec.output_names]
        chunk = [f"_lo = _c * {_CHUNK}", f"_hi = min(_lo + {_CHUNK}, _n)"]
        chunk += [f"_line_{n} = _in_{n}[_lo:_hi]" for n in rows]
        chunk += [f"_line_res_{n} = _flat_res_{n}[_lo:_hi]" for n in spec.output_names]
        stores = {n: f"_line_res_{n}[_k]" for n in spec.output_names}
        chunk += unswitched(tree, lambda body: _vector_loops(
            "for _k in range(_hi - _lo):", [f"{n} = _line_{n}[_k]" for n in rows],
            body, stores, switch))
        body += ["for _c in numba.prange(_chunks):"] + [f"    {x}" for x in chunk]
    kinds = {"c": "_F", "o": "_V", "i": "_V", "f": "_M"}
    args = [n if c == "c" else f"_in_{n}" for n, c in zip(spec.input_names, pattern)]
    context = common_context(spec, p, kernel, helpers)
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
