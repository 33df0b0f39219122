"""The NumPy target: a blocked, in-place module for one :class:`KernelSpec`.

The generated function broadcasts its arguments, allocates each output once and
walks the flattened broadcast index space in blocks.  Within a block every
operation is one ufunc call writing into a preallocated scratch buffer
(``numpy.multiply(x, y, out=_f0)``), buffers are reused by liveness, and each
output's last operation writes straight into its slice of the result.  Branches
of a ``Piecewise`` are evaluated everywhere and merged with
``numpy.putmask``; only the speculative operations run under
``numpy.errstate(divide="ignore", invalid="ignore")``.
"""

from __future__ import annotations

import textwrap

from ...passes import prepare
from ...render import header_context, render
from ...spec import KernelSpec
from .printer import NumpyKernelPrinter
from .program import Program, allocate
from .schedule import schedule

__all__ = ["BLOCK", "RESERVED", "emit", "lower"]

#: Default points per block, the best of 2**11..2**16 measured on the single
#: neuron (~20 scratch buffers): smaller blocks pay more of the ~0.5 µs Python
#: cost of each ufunc call, larger ones fall out of the L2 cache.
BLOCK = 2**14
#: Names the generated module uses that an argument must not shadow.
RESERVED = frozenset({"numpy", "math", "operator", "block"})
_GUARD = 'numpy.errstate(divide="ignore", invalid="ignore")'
#: Operations that never raise 'divide' or 'invalid' (exp only overflows, and
#: comparisons with NaN are quiet): no errstate is needed around them.
_QUIET = frozenset({
    "negative", "absolute", "sign", "copy", "select", "exp", "expm1", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor", "logical_not",
})
_COMMENT_WIDTH = 100


def _comment(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _COMMENT_WIDTH:
        text = text[: _COMMENT_WIDTH - 3] + "..."
    return f"# {text}"


def _tuple(items: list[str]) -> str:
    """``"(a, b)"``, or ``"(a,)"`` for one item."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _statements(prog: Program, printer: NumpyKernelPrinter) -> list[str]:
    """Source lines of the block body, indented relative to the loop body."""

    def code(operand: tuple) -> str:
        kind, value = operand
        if kind == "in":
            return value
        if kind == "c":
            return printer.constant(value)
        return prog.labels.get(value) or prog.storage[value]

    lines: list[str] = []
    guarded = False
    for ins, guard in zip(prog.instrs, prog.guarded):
        guard = guard and ins.op not in _QUIET
        if guard != guarded:
            if guard:
                lines.append(f"with {_GUARD}:")
            guarded = guard
        pad = "    " if guard else ""
        dest = prog.storage[ins.dest]
        label = prog.labels.get(ins.dest)
        args = [code(a) for a in ins.args]
        if ins.comment:
            lines.append(pad + _comment(ins.comment))
        if ins.op == "select":
            copyto = printer.ufunc("copyto")
            default = ins.args[0]
            if default[0] != "r" or prog.storage[default[1]] != dest:
                lines.append(f"{pad}{copyto}({dest}, {args[0]})")
            pairs = list(zip(args[1::2], args[2::2]))
            putmask = printer.ufunc("putmask")  # 2-3x faster than copyto(where=)
            for value, cond in reversed(pairs):
                lines.append(f"{pad}{putmask}({dest}, {cond}, {value})")
        elif ins.op in ("copy", "call"):
            value = ins.code.format(*args) if ins.op == "call" else args[0]
            lines.append(f"{pad}{printer.ufunc('copyto')}({dest}, {value})")
        else:
            lhs = f"{label} = " if label else ""
            call = f"{printer.ufunc(ins.op)}({', '.join(args)}, out={dest})"
            lines.append(f"{pad}{lhs}{call}")
            continue
        if label:
            lines.append(f"{pad}{label} = {dest}")
    return lines


def lower(spec: KernelSpec, block: int = BLOCK) -> dict[str, str | list[str]]:
    """The template context for ``spec``: only strings and lists of strings.

    Raises
    ------
    ValueError
        When an argument name would shadow a name the module uses
        (``numpy``, ``math``, ``operator``, ``block``) or an expression has no
        NumPy form.
    """

    clash = sorted(RESERVED & set(spec.input_names))
    if clash:
        raise ValueError(f"{spec.name}: input names {clash} are reserved by the "
                         "NumPy target")
    printer = NumpyKernelPrinter({"dtype": spec.dtype})
    prog = allocate(schedule(prepare(spec), spec.input_names,
                             printer.call_template))
    inputs, outputs = list(spec.input_names), list(spec.output_names)
    doc = textwrap.wrap(" ".join(spec.doc.split()), 80) if spec.doc.strip() else []
    return {
        **header_context(spec),
        "block": str(block),
        "expressions": [f"{n} = {e}" for n, e in spec.outputs],
        "doc": doc,
        "inputs": inputs,
        "outputs": outputs,
        "signature": ", ".join(inputs),
        "input_tuple": _tuple(inputs),
        "input_names": _tuple([f'"{n}"' for n in inputs]),
        "output_names": ", ".join(outputs),
        "output_tuple": _tuple(outputs),
        "result_tuple": _tuple([f"_res_{n}" for n in outputs]),
        "float_buffers": prog.buffers["f"],
        "mask_buffers": prog.buffers["b"],
        "body": _statements(prog, printer),
    }


def emit(spec: KernelSpec, block: int = BLOCK) -> str:
    """Source text of the NumPy module for ``spec`` (deterministic).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> spec = KernelSpec("square", "demo", (x,), (("y", x**2 + 1),))
    >>> print([l for l in emit(spec).splitlines() if "numpy.add" in l][0].strip())
    numpy.add(1.0, _f0, out=_out_y)
    """
    return render("numpy/module.py.j2", lower(spec, block))
