"""Broadcast grids for the CUDA target: four kernels, each temporary at its level.

The split of a call's broadcast shape into rows and columns, and each input's
letter (``c``, ``o``, ``i``, ``f``: the *pattern*), are chosen by
:func:`exactflow.codegen.nests.plan` as for the Numba loop nests.  For one
pattern, ``cuda/grid.cu.j2`` renders four kernels:

* ``<stem>_once`` (one thread): the temporaries of the constant inputs, stored in
  ``once``;
* ``<stem>_rows`` (a thread per row): those of row inputs, stored in
  ``row_store[k * n + i]`` where the points need them;
* ``<stem>_cols`` (a thread per column): likewise in ``col_store[k * m + j]``;
* ``<stem>_points`` (a thread per point): the rest, and the outputs.

Each level's maths is a ``__host__ __device__`` function, and the file is also
valid C99 (a kernel is a plain loop there), so a C compiler runs exactly the
generated code on a machine without a GPU.  The first comment line after the
header gives the sizes of the three stores (``// stores: once R C``) for the
loader, which reads them without SymPy (:func:`.loader.stores`).
"""

from __future__ import annotations

from ...branches import split
from ...costs import analyse
from ...nests import Table, check_pattern, levels
from ...passes import LoweredKernel, prepare
from ...render import header_context, render
from ...spec import KernelSpec
from .lower import _C_TYPES, check_names, fold_constants, is_boolean, printer

__all__ = ["emit", "lower", "lowered"]

_TITLES = ("once", "per row", "per column", "per point")


def lowered(spec: KernelSpec) -> LoweredKernel:
    """The kernel after the passes, as the flat CUDA kernel prints it."""
    return prepare(spec, expand_pow=True)


def _placed(kernel: LoweredKernel, axes: dict):
    """``(name, expr, level)`` of every statement outside the switch, in order;
    the switch as ``(level, cond, inside, taken, other)`` or None."""
    cut = split(kernel)
    at = max((axes[f"_out_{n}"] for n, _ in cut.taken), default=0)
    inside = {s for s, _ in cut.sunk if axes[s.name] == at}
    stmts = [(s.name, e, axes[s.name]) for s, e in kernel.temps if s not in inside]
    stmts += [(f"_out_{n}", e, axes[f"_out_{n}"]) for n, e in cut.rest]
    if cut.cond is None:
        return stmts, None
    body = [(s.name, e) for s, e in cut.sunk if s in inside]
    return stmts, (at, cut.cond, body, cut.taken, cut.other)


def lower(spec: KernelSpec, kernel: LoweredKernel, table: Table, pattern: str
          ) -> dict[str, str | list[str]]:
    """Template context of the grid kernels for ``pattern`` (one letter per input).

    Raises
    ------
    ValueError
        For a reserved name, or a pattern that is not one of the letters ``c``
        (constant), ``o`` (rows), ``i`` (columns), ``f`` (both) per input.
    """
    check_names(spec)
    check_pattern(spec, pattern)
    p = printer(spec.dtype)
    ctype = _C_TYPES[spec.dtype]
    axes = levels(spec, table, pattern)
    if not set(pattern) & {"i", "f"}:  # one column: a row is a point
        axes = {name: 3 if level == 1 else level for name, level in axes.items()}
    stmts, switch = _placed(kernel, axes)
    booleans = {s.name for s, e in kernel.temps if is_boolean(e)}

    def c(expr) -> str:
        return p.doprint(fold_constants(expr))

    code: dict[int, list[str]] = {level: [] for level in range(4)}
    used: dict[int, set[str]] = {level: set() for level in range(4)}
    for name, expr, level in stmts:
        kind = "int" if name in booleans else ctype
        code[level].append(f"const {kind} {name} = {c(expr)};")
        used[level] |= {s.name for s in expr.free_symbols}
    if switch is not None:
        at, cond, body, taken, other = switch
        code[at] += [f"{ctype} _out_{n};" for n, _ in taken]
        code[at].append(f"if ({c(cond)}) {{")
        for name, expr in body:
            kind = "int" if name in booleans else ctype
            code[at].append(f"    const {kind} {name} = {c(expr)};")
        code[at] += [f"    _out_{n} = {c(e)};" for n, e in taken]
        code[at].append("} else {")
        code[at] += [f"    _out_{n} = {c(e)};" for n, e in other]
        code[at].append("}")
        for expr in [cond] + [e for _, e in body + taken + other]:
            used[at] |= {s.name for s in expr.free_symbols}
    used[3] |= {f"_out_{n}" for n in spec.output_names}
    place = {name: level for name, _, level in stmts}  # where each name is computed
    if switch is not None:
        place.update({name: switch[0] for name, _ in switch[2]})
        place.update({f"_out_{n}": switch[0] for n, _ in switch[3]})
    order = [s.name for s, _ in kernel.temps] + [f"_out_{n}" for n in spec.output_names]
    inputs = dict(zip(spec.input_names, pattern))

    def kept(level: int, readers: tuple[int, ...]) -> list[str]:
        """Names computed at ``level`` that a level in ``readers`` uses."""
        need = set().union(*(used[r] for r in readers))
        return [n for n in order if place.get(n) == level and n in need]

    store = {0: kept(0, (1, 2, 3)), 1: kept(1, (3,)), 2: kept(2, (3,))}
    groups = {k: [n for n, v in inputs.items() if v == k] for k in "coif"}

    def load(name: str, value: str) -> str:
        if name in booleans:
            return f"const int {name} = ({value} != 0);"
        return f"const {ctype} {name} = {value};"

    def unpack(level: int, sources: dict[str, str]) -> list[str]:
        """Reads of what ``level`` uses: inputs of the letters in ``sources``
        (letter -> array name) and the stores of lower levels."""
        lines = []
        for letter, array in sources.items():
            lines += [f"const {ctype} {n} = {array}[{k}];"
                      for k, n in enumerate(groups[letter]) if n in used[level]]
        lower_levels = {1: (0,), 2: (0,), 3: (0, 1, 2)}[level] if level else ()
        arrays = {0: "once", 1: "rowv", 2: "colv"}
        for low in lower_levels:
            lines += [load(n, f"{arrays[low]}[{k}]")
                      for k, n in enumerate(store[low]) if n in used[level]]
        return lines

    def save(level: int, array: str) -> list[str]:
        return [f"{array}[{k}] = {'(' + ctype + ')' if n in booleans else ''}{n};"
                for k, n in enumerate(store[level])]

    stem = f"{spec.derivation}__{spec.name}"
    index = {n: j for j, n in enumerate(spec.output_names)}
    point_code = code[3] + [f"out[{index[n]}] = _out_{n};  // {n}"
                            for n in spec.output_names]
    levels_context = {
        "once_body": unpack(0, {"c": "c"}) + code[0] + save(0, "once"),
        "row_body": unpack(1, {"c": "c", "o": "row"}) + code[1] + save(1, "rowv"),
        "col_body": unpack(2, {"c": "c", "i": "col"}) + code[2] + save(2, "colv"),
        "point_body": unpack(3, {"c": "c", "o": "row", "i": "col", "f": "full"})
        + point_code,
    }
    args = {k: [f"const {ctype}* __restrict__ in_{n}" for n in groups[k]]
            for k in "oif"}
    count = {level: sum(1 for lv in place.values() if lv == level)
             for level in range(4)}
    return {
        **header_context(spec, kernel),
        **levels_context,
        "ctype": ctype,
        "pattern": pattern,
        "stem": f"{stem}__{pattern}",
        "guard": f"EXACTFLOW_{stem.upper()}_{pattern.upper()}_"
                 f"{spec.dtype.upper()}_GRID",
        "stores": f"{len(store[0])} {len(store[1])} {len(store[2])}",
        "groups": [f"{title}{', '.join(groups[k]) or '(none)'}" for title, k in (
            ("constant (c[], in order):          ", "c"),
            ("along rows (arrays of n):          ", "o"),
            ("along columns (arrays of m):       ", "i"),
            ("at every point (n x m, row-major): ", "f"))],
        "counts_by_level": [f"{count[level]} {_TITLES[level]}" for level in range(4)],
        "outputs": list(spec.output_names),
        "n_rows_in": str(max(1, len(groups["o"]))),
        "n_cols_in": str(max(1, len(groups["i"]))),
        "n_full_in": str(max(1, len(groups["f"]))),
        "row_count": str(len(store[1])),
        "col_count": str(len(store[2])),
        "n_rowv": str(max(1, len(store[1]))),
        "n_colv": str(max(1, len(store[2]))),
        "n_outputs": str(len(spec.output_names)),
        "row_args": args["o"],
        "col_args": args["i"],
        "full_args": args["f"],
        "row_gather": [f"in_{n}[i]" for n in groups["o"]] or ["0"],
        "col_gather": [f"in_{n}[j]" for n in groups["i"]] or ["0"],
        "full_gather": [f"in_{n}[p]" for n in groups["f"]] or ["0"],
        "out_args": [f"{ctype}* __restrict__ out_{n}" for n in spec.output_names],
        "scatter": [f"out_{n}[p] = _out[{j}];"
                    for j, n in enumerate(spec.output_names)],
    }


def emit(spec: KernelSpec, kernel: LoweredKernel | None = None,
         table: Table | None = None, pattern: str = "") -> str:
    """The grid source of ``spec`` for ``pattern`` (``kernel`` defaults to
    :func:`lowered`, ``table`` to its cost table)."""
    kernel = lowered(spec) if kernel is None else kernel
    table = analyse(kernel) if table is None else table
    return render("cuda/grid.cu.j2", lower(spec, kernel, table, pattern))
