"""The NumPy target: a blocked, broadcast-aware module for one :class:`KernelSpec`.

Every operation of the three-address code (:mod:`.schedule`) depends on a set of
inputs, its *group*; at run time each input's shape is known, and every
operation is evaluated at the broadcast shape of the inputs of its group:

* a group none of whose inputs varies along the blocked axes is computed once,
  before the loop, at its own broadcast shape (what depends only on scalar
  parameters is computed once; what depends only on the trailing axes of a grid
  once per grid line);
* every other operation is computed block by block, on the block of each input
  it reads, into scratch buffers viewed at the group's block shape.

The broadcast shape is walked in blocks of about ``block`` points: whole
trailing axes, and a range of rows of the first axis that does not fit
(``_plan``), so that scratch buffers stay in cache.  Within a block every
operation is one ufunc call writing into a preallocated scratch buffer
(``numpy.multiply(x, y, out=...)``); buffers are reused by liveness.  Branches
of a ``Piecewise`` are evaluated everywhere and merged with ``numpy.copyto(...,
where=...)``; only the speculative operations run under
``numpy.errstate(divide="ignore", invalid="ignore")``.
"""

from __future__ import annotations

import textwrap

from ...passes import prepare
from ...render import header_context, render
from ...spec import KernelSpec, output_lines
from .printer import NumpyKernelPrinter
from .program import Program, allocate, groups, skippable, uses
from .schedule import schedule

__all__ = ["BLOCK", "RESERVED", "emit", "lower"]

#: Default points per block in float64, the best of 2**11..2**16 measured on the
#: single neuron (~20 scratch buffers): smaller blocks pay more of the ~0.5 µs
#: Python cost of each ufunc call, larger ones fall out of the L2 cache.  The
#: default is this many bytes' worth of points: twice as many in float32
#: (measured: 2**15 float32 points run the single neuron ~10% faster than 2**14).
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


def _zero_tests(prog: Program, skip: tuple) -> dict[int, tuple]:
    """The masks ``m = (x == 0)`` that only pick a constant in selects (φ₁'s
    continuation at 0), as ``{m: x}``: per block they are computed, and the
    constant copied, only where ``numpy.all(x)`` fails — a read of x instead of
    a comparison and a masked copy in nearly every block."""
    users = uses(prog)
    outputs = {reg[1] for _, reg in prog.outputs if reg[0] == "r"}
    flagged = {cond for _, cond in skip[0].values()}

    def intact(x: tuple, i: int, j: int) -> bool:
        """x still holds its value at instruction j (read there, not at i): no
        instruction in between writes its buffer."""
        if x[0] == "in":
            return True
        buffer = prog.storage[x[1]]
        return all(prog.storage[prog.instrs[k].dest] != buffer
                   for k in range(i + 1, j + 1))

    lazy = {}
    for i, ins in enumerate(prog.instrs):
        x = ins.args[0]
        if (ins.op != "equal" or ins.args[1] != ("c", 0.0) or ins.dest in outputs
                or ("r", ins.dest) in flagged or x[0] == "c"):
            continue
        reads = users.get(ins.dest, [])
        if reads and all(
                prog.instrs[k].op == "select" and pos >= 2 and pos % 2 == 0
                and prog.instrs[k].args[pos - 1][0] == "c" and intact(x, i, k)
                for k, pos in reads):
            lazy[ins.dest] = x
    return lazy


class _Writer:
    """Source lines of one instruction, once computed before the loop
    (``hoisted``) and once per block."""

    def __init__(self, prog: Program, printer: NumpyKernelPrinter,
                 group_of: list[int], skip: tuple) -> None:
        self.prog, self.p, self.group_of = prog, printer, group_of
        self.views: set[tuple[str, int]] = set()
        #: the select pairs whose value is computed only where its flag is set
        self.pairs = skip[1]
        #: masks computed per block only where a zero is present
        self.lazy = _zero_tests(prog, skip)

    def lazy_copy(self, dest: str, value: str, cond: tuple) -> list[str]:
        """Copy ``value`` where the lazy mask ``cond`` (x == 0) holds."""
        m = cond[1]
        x = self.operand(self.lazy[m], False)
        return [f"if not {self.p.ufunc('all')}({x}):",
                f"    if not _h[{self.group_of[m]}]:",
                f"        {self.var(m)} = {self.p.ufunc('equal')}({x}, "
                f"{self.p.constant(0.0)}, out={self.view(m)})",
                f"    {self.p.ufunc('copyto')}({dest}, {value}, where={self.var(m)})"]

    def flag(self, cond: tuple) -> str:
        """The name of the test that ``cond`` holds somewhere in the block."""
        # named by register: one CSE temporary lowered in two branches is two
        # registers with one label, and their tests differ
        if cond[0] == "r":
            return f"_any_r{cond[1]}"
        return f"_any{self.operand(cond, False)}"

    def var(self, reg: int) -> str:
        return self.prog.labels.get(reg) or f"_r{reg}"

    def operand(self, operand: tuple, hoisted: bool) -> str:
        kind, value = operand
        if kind == "in":
            return f"_in_{value}" if hoisted else value
        if kind == "c":
            return self.p.constant(value)
        return self.var(value)

    def view(self, reg: int) -> str:
        buffer, group = self.prog.storage[reg], self.group_of[reg]
        self.views.add((buffer, group))
        return f"_v{buffer}_{group}"

    def lines(self, ins, hoisted: bool, index: int = -1) -> list[str]:
        if not hoisted and ins.dest in self.lazy:
            return []  # computed by its select, where needed (lazy_copy)
        p, name = self.p, self.var(ins.dest)
        args = [self.operand(a, hoisted) for a in ins.args]
        if ins.op == "select":
            acc = args[0]
            pairs = list(zip(args[1::2], args[2::2]))
            if hoisted:
                for value, cond in reversed(pairs):
                    acc = f"{p.ufunc('where')}({cond}, {value}, {acc})"
                return [f"{name} = {acc}"]
            dest = self.view(ins.dest)
            default = ins.args[0]
            # (no copy when the default was computed in place: same buffer, shape)
            same = default[0] == "r" and (
                self.prog.storage.get(default[1]) == self.prog.storage[ins.dest]
                and self.group_of[default[1]] == self.group_of[ins.dest])
            out = [] if same else [f"{p.ufunc('copyto')}({dest}, {acc})"]
            for pair in reversed(range(len(pairs))):
                value, cond = pairs[pair]
                raw = ins.args[2 + 2 * pair]
                if raw[0] == "r" and raw[1] in self.lazy:
                    out += self.lazy_copy(dest, value, raw)
                    continue
                copy = f"{p.ufunc('copyto')}({dest}, {value}, where={cond})"
                if (index, pair) in self.pairs:
                    out += [f"if {self.flag(ins.args[2 + 2 * pair])}:", f"    {copy}"]
                else:
                    out.append(copy)
            return out + [f"{name} = {acc if same else dest}"]
        if ins.op in ("copy", "call"):
            value = ins.code.format(*args) if ins.op == "call" else args[0]
            if hoisted:  # never written in place: an alias will do
                return [f"{name} = {value}"]
            dest = self.view(ins.dest)
            return [f"{p.ufunc('copyto')}({dest}, {value})", f"{name} = {dest}"]
        call = f"{p.ufunc(ins.op)}({', '.join(args)}"
        if hoisted:
            return [f"{name} = {call})"]
        return [f"{name} = {call}, out={self.view(ins.dest)})"]


def _runs(prog: Program, group_of: list[int], writer: _Writer, hoisted: bool,
          skip: tuple | None = None, lo: int = 0, hi: int | None = None,
          entered: bool = False, known: set | None = None) -> list[str]:
    """The instructions ``[lo, hi)``, each run of one group under ``if``, each
    run of speculative operations under ``errstate``, and (per block) each
    skippable branch under a test that its condition holds somewhere (tested
    once per block and condition: ``known`` holds the tests already made on
    every path to ``lo``; a condition's register never changes while used)."""
    ranges = {} if skip is None or hoisted else skip[0]
    hi = len(prog.instrs) if hi is None else hi
    known = set() if known is None else known
    lines: list[str] = []
    i = lo
    while i < hi:
        if i in ranges and not (entered and i == lo):
            end, cond = ranges[i]
            flag = writer.flag(cond)
            if flag not in known:
                lines.append(f"{flag} = {writer.p.ufunc('any')}"
                             f"({writer.operand(cond, False)})")
                known.add(flag)
            inner = _runs(prog, group_of, writer, hoisted, skip, i, end, True,
                          set(known))
            lines += [f"if {flag}:"] + [f"    {line}" for line in inner]
            i = end
            continue
        g = group_of[prog.instrs[i].dest]
        j = i
        while j < hi and group_of[prog.instrs[j].dest] == g and (j == i
                                                                 or j not in ranges):
            j += 1
        body: list[str] = []
        guarded = False
        for k in range(i, j):
            ins = prog.instrs[k]
            guard = prog.guarded[k] and ins.op not in _QUIET
            if guard != guarded:
                if guard:
                    body.append(f"with {_GUARD}:")
                guarded = guard
            pad = "    " if guard else ""
            code = writer.lines(ins, hoisted, k)
            if not code:
                continue
            if ins.comment and not hoisted:
                body.append(pad + _comment(ins.comment))
            body += [pad + line for line in code]
        test = f"_h[{g}]" if hoisted else f"not _h[{g}]"
        if body:
            lines += [f"if {test}:"] + [f"    {line}" for line in body]
        i = j
    return lines


def lower(spec: KernelSpec, block: int | None = None) -> dict[str, str | list[str]]:
    """The template context for ``spec``: only strings and lists of strings
    (``block``: the default points per block; None: :data:`BLOCK` float64
    points' worth of bytes).

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
    if block is None:
        block = BLOCK * 8 // (4 if spec.dtype == "float32" else 8)
    printer = NumpyKernelPrinter({"dtype": spec.dtype})
    kernel = prepare(spec)
    prog = schedule(kernel, spec.input_names, printer.call_template)
    masks, group_of, group_inputs = groups(prog, spec.input_names)
    prog = allocate(prog, group_of)
    skip = skippable(prog)
    writer = _Writer(prog, printer, group_of, skip)
    hoisted = _runs(prog, group_of, writer, hoisted=True)
    blocked = _runs(prog, group_of, writer, hoisted=False, skip=skip)
    inputs, outputs = list(spec.input_names), list(spec.output_names)
    results = {name: writer.var(reg[1]) if reg[0] == "r" else writer.operand(reg, False)
               for name, reg in prog.outputs}
    doc = textwrap.wrap(" ".join(spec.doc.split()), 80) if spec.doc.strip() else []
    views = sorted(writer.views, key=lambda v: (v[0], v[1]))
    return {
        **header_context(spec, kernel),
        "block": str(block),
        "expressions": output_lines(spec),
        "doc": doc,
        "inputs": inputs,
        "outputs": outputs,
        "signature": ", ".join(inputs),
        "input_tuple": _tuple(inputs),
        "input_names": _tuple([f'"{n}"' for n in inputs]),
        "output_names": ", ".join(outputs),
        "output_tuple": _tuple(outputs),
        "result_tuple": _tuple([f"_res_{n}" for n in outputs]),
        "ext_tuple": _tuple([f"_in_{n}.shape" for n in inputs]),
        "groups": [_tuple([str(i) for i in g]) if g else "()" for g in group_inputs],
        "float_buffers": prog.buffers["f"],
        "mask_buffers": prog.buffers["b"],
        "views": [f"_{'w' if b.startswith('_out_') else 'v'}{b}_{g} = "
                  f"{b}[:_n[{g}]].reshape(_s[{g}]) if not _h[{g}] else None"
                  for b, g in views],
        # an output computed at the block's shape is written into the result
        "direct": [line for b, g in views if b.startswith("_out_") for line in (
            f"_d{b[4:]} = _ro{b[4:]}[_blk]",
            f"_v{b}_{g} = _d{b[4:]} if _d{b[4:]}.shape == _s[{g}] else _w{b}_{g}")],
        "hoisted": hoisted,
        "body": blocked,
        "stores": [line for n in outputs for line in (
            f"if {results[n]} is not _d_{n}:",
            f"    {printer.ufunc('copyto')}(_d_{n}, {results[n]})")],
    }


def emit(spec: KernelSpec, block: int | None = None) -> str:
    """Source text of the NumPy module for ``spec`` (deterministic).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> spec = KernelSpec("square", "demo", (x,), (("y", x**2 + 1),))
    >>> print([l for l in emit(spec).splitlines() if "out=_v_out_y" in l][0].strip())
    _r1 = numpy.add(_r0, 1.0, out=_v_out_y_0)
    """
    return render("numpy/module.py.j2", lower(spec, block))
