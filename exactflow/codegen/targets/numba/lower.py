"""The Numba target's template context: straight-line scalar code per point.

:func:`lower` prints each temporary and output of the lowered kernel as scalar
statements (``Piecewise`` as ``if``/``elif``/``else``, so a branch is only
evaluated where it is taken) and fills ``module.py.j2`` (see the package
docstring for the generated functions); :func:`common_context` is shared with
the grid loop nests of :mod:`.grid`.
"""

from __future__ import annotations

import textwrap

from ...branches import sink, split, users
from ...passes import LoweredKernel, prepare
from ...render import header_context, render
from ...spec import KernelSpec, output_lines
from .printer import NumbaPrinter, helper_lines, printer, statements
from .vecmath import helper_lines as vector_helpers

__all__ = ["RESERVED", "check_names", "common_context", "emit", "lower", "lowered",
           "point_lines", "wrap_call"]

#: Names the generated code uses that an input or output must not shadow.
RESERVED = frozenset({"math", "numba", "numpy", "operator", "abs", "max", "min",
                      "range", "block", "len", "float", "int", "bool", "i",
                      "llvm_ir"})
_COMMENT_WIDTH = 100
#: what the exp helpers' bit cast (an LLVM intrinsic) needs
_VECTOR_IMPORTS = ["import numba.extending", "from llvmlite import ir as llvm_ir"]


def wrap_call(head: str, args: list[str], indent: int, width: int = 88) -> list[str]:
    """``head(args)`` as lines of at most ``width`` columns at ``indent``."""
    line = f"{head}({', '.join(args)})"
    if indent + len(line) <= width:
        return [line]
    body = textwrap.wrap(", ".join(args), width - indent - 4, break_long_words=False,
                         break_on_hyphens=False)
    return [f"{head}("] + [f"    {b}" for b in body[:-1]] + [f"    {body[-1]})"]


def _tuple(items: list[str]) -> str:
    """``"(a, b)"``, or ``"(a,)"`` for one item."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _comment(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _COMMENT_WIDTH:
        text = text[: _COMMENT_WIDTH - 3] + "..."
    return f"# {text}"


def lowered(spec: KernelSpec) -> LoweredKernel:
    """``prepare(spec)`` with small powers spelt out (seconds on a large closed
    form: callers keep the result, e.g. :class:`.loader.NumbaKernel`)."""
    return prepare(spec, expand_pow=True)


def point_lines(kernel: LoweredKernel, p: NumbaPrinter, fresh: list[int]
                ) -> list[str]:
    """Straight-line code of one point: the temporaries, then the outputs, with
    the temporaries that only one branch of the outputs needs evaluated in that
    branch (:func:`exactflow.codegen.branches.split`), and those that only one
    branch of a ``Piecewise`` temporary or output needs evaluated there
    (:func:`exactflow.codegen.branches.sink`)."""
    cut = split(kernel)
    top, moved = sink(cut.temps, cut.temps + users(cut.sunk + cut.taken + cut.other)
                      + [(f"_out_{n}", e) for n, e in cut.rest])
    body: list[str] = []
    for sym, expr in top:
        body += statements(sym.name, expr, p, fresh, moved)
    if cut.cond is not None:
        inner: list[str] = []
        for sym, expr in cut.sunk:
            inner += statements(sym.name, expr, p, fresh)
        for name, expr in cut.taken:
            inner += statements(f"_out_{name}", expr, p, fresh)
        body += [f"if {p.doprint(cut.cond)}:"] + [f"    {line}" for line in inner]
        inner = []
        for name, expr in cut.other:
            inner += statements(f"_out_{name}", expr, p, fresh)
        body += ["else:"] + [f"    {line}" for line in inner]
    for name, expr in cut.rest:
        body += statements(f"_out_{name}", expr, p, fresh, moved)
    return body


def check_names(spec: KernelSpec) -> None:
    """ValueError when an input or output name would shadow a generated name."""
    own = {spec.name, f"{spec.name}_point", f"{spec.name}_flat", f"{spec.name}_grid"}
    own |= {f"out_{n}" for n in spec.output_names}  # the flat loop's arguments
    clash = sorted((RESERVED | own) & (set(spec.input_names) | set(spec.output_names)))
    if clash:
        raise ValueError(f"{spec.name}: names {clash} are reserved by the Numba target")


def common_context(spec: KernelSpec, p: NumbaPrinter, kernel: LoweredKernel,
                   vector: set[str] = frozenset()) -> dict[str, str | list[str]]:
    """Context keys shared by the module and the grid templates (``vector``: the
    arithmetic helpers of :mod:`.vecmath` the code calls, ``"exp"``, ...)."""

    inputs, outputs = list(spec.input_names), list(spec.output_names)
    ntype = f"numba.{spec.dtype}"
    return {
        **header_context(spec, kernel),
        "ntype": ntype,
        "expressions": [_comment(line) for line in output_lines(spec)],
        "doc": textwrap.wrap(" ".join(spec.doc.split()), 80) if spec.doc.strip()
        else [],
        "inputs": inputs,
        "outputs": outputs,
        "signature": ", ".join(inputs),
        "output_names": ", ".join(outputs),
        "output_tuple": _tuple(outputs),
        "helpers": helper_lines(p) + vector_helpers(spec.dtype, vector),
        "vector_imports": _VECTOR_IMPORTS if vector else [],
    }


def lower(spec: KernelSpec, kernel: LoweredKernel | None = None
          ) -> dict[str, str | list[str]]:
    """The template context of the module: only strings and lists of strings.

    Raises
    ------
    ValueError
        When a name is reserved (``math``, ``max``, ``<kernel>_point``, ...) or
        an expression has no Numba form.
    """
    check_names(spec)
    kernel = lowered(spec) if kernel is None else kernel
    p = printer(spec.dtype)
    fresh = [0]
    body = point_lines(kernel, p, fresh)
    context = common_context(spec, p, kernel)
    inputs, outputs = list(spec.input_names), list(spec.output_names)
    results = [f"_out_{n}" for n in outputs]
    context.update({
        "point_body": body,
        "point_return": _tuple(results),
        "n_outputs": str(len(outputs)),
        "point_types": ", ".join(["_F"] * len(inputs)),
        "flat_types": ", ".join(["_IN"] * len(inputs) + ["_OUT"] * len(outputs)),
        "input_tuple": _tuple(inputs),
        "flat_args": ", ".join(inputs + [f"out_{n}" for n in outputs]),
        "flat_loop": wrap_call(
            f"{_tuple([f'out_{n}[i]' for n in outputs])[1:-1]} = {spec.name}_point",
            [f"{n}[i]" for n in inputs], 8),
        "flat_call": wrap_call(
            f"{spec.name}_flat", [f"_flat({n}, _shape, _size)" for n in inputs]
            + [f"_res_{n}.reshape(_size)" for n in outputs], 8),
        "input_names": _tuple([f'"{n}"' for n in inputs]),
        "result_tuple": _tuple([f"_res_{n}" for n in outputs]),
    })
    return context


def emit(spec: KernelSpec, kernel: LoweredKernel | None = None) -> str:
    """Source text of the Numba module for ``spec`` (deterministic)."""
    return render("numba/module.py.j2", lower(spec, kernel))
