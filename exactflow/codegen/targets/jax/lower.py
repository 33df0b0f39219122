"""The JAX target's template context: the lowered kernel as ``jax.numpy`` code.

Temporaries and outputs of :func:`~exactflow.codegen.passes.prepare` are
printed one assignment each by :class:`JaxKernelPrinter`, SymPy's
``JaxPrinter`` with the forms that must broadcast (``Max``, ``Min``, ``And``,
``Or`` as nested binary calls instead of reductions over a stacked array) and
the named closed forms ``phi1``/``logz`` in their gradient-safe ``where`` forms.
Every output is broadcast to the common shape of the inputs.
"""

from __future__ import annotations

import textwrap

import sympy as sp
from sympy.printing.numpy import JaxPrinter

from ...passes import prepare
from ...render import header_context, render
from ...spec import KernelSpec, output_lines

__all__ = ["JaxKernelPrinter", "RESERVED", "emit", "lower"]

#: Names the generated module uses that an input must not shadow.
RESERVED = frozenset({"jax", "block"})


class JaxKernelPrinter(JaxPrinter):
    """``JaxPrinter`` whose every output broadcasts like a ufunc.

    Examples
    --------
    >>> x, y = sp.symbols("x y", real=True)
    >>> JaxKernelPrinter().doprint(sp.Max(x, y, 0))
    'jax.numpy.maximum(jax.numpy.maximum(y, x), 0)'
    """

    _default_settings = dict(JaxPrinter._default_settings,
                             fully_qualified_modules=True, strict=True)

    def _nest(self, name: str, args) -> str:
        func = self._module_format(f"jax.numpy.{name}")
        code = self._print(args[-1])
        for a in reversed(args[:-1]):
            code = f"{func}({code}, {self._print(a)})"
        return code

    def _print_Max(self, expr) -> str:
        return self._nest("maximum", expr.args)

    def _print_Min(self, expr) -> str:
        return self._nest("minimum", expr.args)

    def _print_And(self, expr) -> str:
        return self._nest("logical_and", expr.args)

    def _print_Or(self, expr) -> str:
        return self._nest("logical_or", expr.args)

    def _print_phi1(self, expr) -> str:
        # the module's helper: φ₁ with its derivative (e^x − φ₁)/x, 1/2 at 0
        # (where-based forms have derivative 0 at 0)
        return f"_phi1({self._print(expr.args[0])})"

    def _print_logz(self, expr) -> str:
        return expr._numpycode(self)

    def _print_Piecewise(self, expr) -> str:
        # where(c1, v1, where(c2, v2, ...)): the gradient of the branch taken
        where = self._module_format("jax.numpy.where")
        args = list(expr.args)
        if args[-1].cond is sp.true:
            code = self._print(args.pop().expr)
        else:
            code = self._module_format("jax.numpy.nan")
        for value, cond in reversed(args):
            code = f"{where}({self._print(cond)}, {self._print(value)}, {code})"
        return code


def lower(spec: KernelSpec) -> dict[str, str | list[str]]:
    """The template context for ``spec``: only strings and lists of strings.

    Raises
    ------
    ValueError
        When an input name would shadow a name the module uses (``jax``,
        ``block``) or an expression has no JAX form.
    """
    clash = sorted(RESERVED & set(spec.input_names))
    if clash:
        raise ValueError(f"{spec.name}: input names {clash} are reserved by the "
                         "JAX target")
    kernel = prepare(spec)
    p = JaxKernelPrinter()
    body = []
    try:
        for sym, expr in kernel.temps:
            body.append(f"{sym.name} = {p.doprint(expr)}")
        results = [p.doprint(expr) for _, expr in kernel.outputs]
    except Exception as exc:  # PrintMethodNotImplementedError and friends
        raise ValueError(f"{spec.name}: no JAX code: {exc}") from None
    inputs, outputs = list(spec.input_names), list(spec.output_names)
    doc = textwrap.wrap(" ".join(spec.doc.split()), 80) if spec.doc.strip() else []
    return {
        **header_context(spec, kernel),
        "phi1": str(any("_phi1(" in line for line in body + results)),
        "expressions": [textwrap.shorten(line, 100, placeholder="...")
                        for line in output_lines(spec)],
        "doc": doc,
        "inputs": inputs,
        "outputs": outputs,
        "signature": ", ".join(inputs),
        "input_tuple": f"({inputs[0]},)" if len(inputs) == 1 else
        f"({', '.join(inputs)})",
        "output_names": ", ".join(outputs),
        "body": body,
        "results": [f"jax.numpy.broadcast_to({r}, _shape)" for r in results],
    }


def emit(spec: KernelSpec) -> str:
    """Source text of the JAX module for ``spec`` (deterministic)."""
    return render("jax/module.py.j2", lower(spec))
