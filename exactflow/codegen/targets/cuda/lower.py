"""The CUDA target: per-point maths in a header, thin grid-stride kernels.

``cuda/point.h.j2`` renders the per-point function
``static inline __host__ __device__ void <derivation>__<kernel>_point(const real* in,
real* out)`` (``real`` = ``double`` or ``float``, spelt out), which a plain C99
compiler also accepts; ``cuda/kernels.cu.j2`` includes it and adds one
``extern "C" __global__`` grid-stride wrapper over flat arrays.  Expressions
are printed by SymPy's ``C99CodePrinter`` configured with
``{"type_aliases": {real: float32}}`` for float32 (``expf``, ``1.0F``, no double
promotion) and without math macros (``M_SQRT1_2`` is double and not C99).
:mod:`.loader` runs the kernel through CuPy when CuPy and a GPU are present.
"""

from __future__ import annotations

import textwrap

import sympy as sp
from sympy.codegen.ast import float32, float64, real
from sympy.logic.boolalg import Boolean
from sympy.printing.c import C99CodePrinter

from ...branches import split
from ...passes import prepare
from ...render import header_context, render
from ...spec import KernelSpec, output_lines

__all__ = ["CudaPrinter", "RESERVED", "check_names", "emit", "emit_header",
           "fold_constants", "is_boolean", "lower", "printer"]

_C_TYPES = {"float64": "double", "float32": "float"}
_ALIASES = {"float64": float64, "float32": float32}
#: Words an input or output name must not be: C/C++ keywords, the names the
#: generated code uses, and the types.
RESERVED = frozenset(C99CodePrinter.reserved_words) | frozenset({
    "in", "out", "n", "i", "real", "bool", "true", "false", "class", "new",
    "delete", "this", "template", "typename", "namespace", "operator", "private",
    "public", "protected", "virtual", "friend", "using", "try", "catch", "throw",
    "explicit", "mutable", "export", "asm", "INFINITY", "NAN",
})
_COMMENT_WIDTH = 100


class CudaPrinter(C99CodePrinter):
    """``C99CodePrinter`` printing ``Piecewise`` as one nested ternary line and
    ``Max``/``Min`` as nested ``fmax``/``fmin`` without re-evaluating them."""

    def _nest(self, name: str, expr) -> str:
        # SymPy's nesting re-evaluates Max(last argument), which asks whether
        # the argument is comparable and refuses unevaluated products
        suffix = self._get_func_suffix(real) if self._ns + name in self._prec_funcs \
            else ""
        args = [self._print(a) for a in expr.args]
        code = args[-1]
        for arg in reversed(args[:-1]):
            code = f"{self._ns}{name}{suffix}({arg}, {code})"
        return code

    def _print_Pow(self, expr):
        # x**(-1/2) as 1/sqrt(x): SymPy's C printers call pow, which is slower
        if expr.exp == sp.Rational(-1, 2):
            return (f"{self._print_Float(sp.Float(1.0))}/"
                    f"{self._print(sp.Pow(expr.base, sp.S.Half, evaluate=False))}")
        return super()._print_Pow(expr)

    def _print_Max(self, expr):
        return self._nest("fmax", expr)

    def _print_Min(self, expr):
        return self._nest("fmin", expr)

    def _print_Piecewise(self, expr):
        if expr.args[-1].cond != True:  # noqa: E712 - SymPy's true
            raise ValueError("a Piecewise needs a final (expr, True) branch for C")
        code = self._print(expr.args[-1].expr)
        for value, cond in reversed(expr.args[:-1]):
            code = f"(({self._print(cond)}) ? ({self._print(value)}) : ({code}))"
        return code


def printer(dtype: str) -> CudaPrinter:
    """The printer for ``dtype`` (``"float64"`` or ``"float32"``)."""
    return CudaPrinter({"type_aliases": {real: _ALIASES[dtype]}, "math_macros": {}})


def _comment(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _COMMENT_WIDTH:
        text = text[: _COMMENT_WIDTH - 3] + "..."
    return f"// {text}"


def _is_constant(expr: sp.Basic) -> bool:
    return (isinstance(expr, sp.Expr) and expr.is_number and not expr.is_Rational
            and not expr.is_Float and expr.is_finite is True)


def fold_constants(expr: sp.Basic) -> sp.Basic:
    """Finite irrational numbers (``sqrt(2)/2``, ``pi``) as 20-digit Floats.

    Integer arguments of ``Max``/``Min`` become Floats too.

    In C++ ``sqrt(2)`` calls the host-only integer overload and ``pi``, ``E``
    print as declarations; a literal is parsed with one correct rounding.
    """
    expr = expr.replace(_is_constant, lambda e: e.evalf(20))
    # fmax(1, x) is ambiguous between the float and double overloads in C++
    return expr.replace(
        lambda e: isinstance(e, (sp.Max, sp.Min)) and any(a.is_Integer for a in e.args),
        lambda e: e.func(*(sp.Float(a) if a.is_Integer else a for a in e.args),
                         evaluate=False))


def is_boolean(expr: sp.Basic) -> bool:
    return isinstance(expr, Boolean) and not isinstance(expr, sp.Expr)


def check_names(spec) -> None:
    """ValueError when an input or output name of ``spec`` is in :data:`RESERVED`."""
    clash = sorted(RESERVED & (set(spec.input_names) | set(spec.output_names)))
    if clash:
        raise ValueError(f"{spec.name}: names {clash} are reserved by the CUDA target")


def lower(spec: KernelSpec, kernel=None) -> dict[str, str | list[str]]:
    """The template context for ``spec``: only strings and lists of strings
    (``kernel``: ``spec`` after the passes, computed when not given).

    Raises
    ------
    ValueError
        When an input or output name is a C/C++ keyword or a name the generated
        code uses (``in``, ``out``, ``n``, ``i``, ...).
    """

    check_names(spec)
    p = printer(spec.dtype)
    kernel = prepare(spec, expand_pow=True) if kernel is None else kernel
    ctype = _C_TYPES[spec.dtype]
    cut = split(kernel)  # the temporaries one branch needs are computed there

    def temp(sym, expr) -> str:
        kind = "int" if is_boolean(expr) else ctype
        return f"const {kind} {p._print(sym)} = {p.doprint(fold_constants(expr))};"

    index = {name: j for j, name in enumerate(spec.output_names)}

    def assign(name, expr) -> str:
        return f"out[{index[name]}] = {p.doprint(fold_constants(expr))};  // {name}"

    temps = [temp(sym, expr) for sym, expr in cut.temps]
    outputs = []
    if cut.cond is not None:
        outputs.append(f"if ({p.doprint(fold_constants(cut.cond))}) {{")
        outputs += [f"    {temp(sym, expr)}" for sym, expr in cut.sunk]
        outputs += [f"    {assign(name, expr)}" for name, expr in cut.taken]
        outputs.append("} else {")
        outputs += [f"    {assign(name, expr)}" for name, expr in cut.other]
        outputs.append("}")
    outputs += [assign(name, expr) for name, expr in cut.rest]
    inputs, names = list(spec.input_names), list(spec.output_names)
    stem = f"{spec.derivation}__{spec.name}"
    doc = textwrap.wrap(" ".join(spec.doc.split()), 90) if spec.doc.strip() else []
    kernel_args = [f"const {ctype}* __restrict__ {n}" for n in inputs]
    kernel_args += [f"{ctype}* __restrict__ out_{n}" for n in names]
    return {
        **header_context(spec, kernel),
        "ctype": ctype,
        "guard": f"EXACTFLOW_{stem.upper()}_{spec.dtype.upper()}_H",
        "point": f"{stem}_point",
        "global_name": stem,
        "expressions": [_comment(line) for line in output_lines(spec)],
        "doc": doc,
        "inputs": inputs,
        "outputs": names,
        "n_inputs": str(len(inputs)),
        "n_outputs": str(len(names)),
        "input_layout": [f"in[{j}] = {n}" for j, n in enumerate(inputs)],
        "output_layout": [f"out[{j}] = {n}" for j, n in enumerate(names)],
        "unpack": [f"const {ctype} {n} = in[{j}];" for j, n in enumerate(inputs)],
        "temps": temps,
        "assign": outputs,
        "kernel_args": kernel_args + ["long long n"],
        "gather": [f"{n}[i]" for n in inputs],
        "scatter": [f"out_{n}[i] = _out[{j}];" for j, n in enumerate(names)],
        "includes": sorted(f"#include <{h}>" for h in p.headers | {"math.h"}),
    }


def emit_header(spec: KernelSpec, kernel=None) -> str:
    """The per-point header (``.cuh``) alone: valid C99 and valid CUDA."""
    return render("cuda/point.h.j2", lower(spec, kernel))


def emit(spec: KernelSpec, kernel=None) -> str:
    """The self-contained ``.cu`` source: the point header, then the kernel."""
    return render("cuda/kernels.cu.j2", lower(spec, kernel))
