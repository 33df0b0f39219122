"""Thin printers: SymPy's own, configured by settings.

:class:`NumpyKernelPrinter` is SymPy's ``NumPyPrinter`` with one setting more,
``dtype``: in a ``float32`` kernel every number prints as ``numpy.float32(...)``
so that no operation is promoted to float64.  It prints the atoms of the
three-address code (constants, ufunc names) and, as a fallback, whole calls of
functions that have a ``_numpycode`` method but no ufunc.
"""

from __future__ import annotations

import math

import numpy
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

__all__ = ["NumpyKernelPrinter"]


class NumpyKernelPrinter(NumPyPrinter):
    """``NumPyPrinter`` printing numbers in the kernel's dtype.

    Parameters
    ----------
    settings : dict, optional
        ``NumPyPrinter`` settings plus ``dtype`` (``"float64"`` or ``"float32"``).

    Examples
    --------
    >>> import sympy as sp
    >>> p = NumpyKernelPrinter({"dtype": "float32"})
    >>> p.doprint(sp.Rational(1, 2) * sp.Symbol("x"))
    '(numpy.float32(0.5))*x'
    >>> p.constant(2.0)
    'numpy.float32(2.0)'
    """

    _default_settings = dict(
        NumPyPrinter._default_settings,
        dtype="float64",
        fully_qualified_modules=True,
        strict=True,
    )

    def __init__(self, settings=None) -> None:
        super().__init__(settings)
        if self._settings["dtype"] not in ("float64", "float32"):
            raise ValueError(
                f"dtype must be 'float64' or 'float32', got {self._settings['dtype']!r}"
            )

    def constant(self, value: float | bool) -> str:
        """Source for a constant operand in the kernel's dtype."""
        if isinstance(value, bool):
            return repr(value)
        if math.isnan(value):
            text = self._module_format("numpy.nan")
        elif math.isinf(value):
            inf = self._module_format("numpy.inf")
            text = inf if value > 0 else f"-{inf}"
        elif self._settings["dtype"] == "float32":
            text = str(numpy.float32(value))
        else:
            return repr(float(value))
        if self._settings["dtype"] == "float32":
            return f"{self._module_format('numpy.float32')}({text})"
        return text

    def ufunc(self, name: str) -> str:
        """Qualified name of a NumPy function, recorded in ``module_imports``."""
        return self._module_format(f"numpy.{name}")

    def _print_Float(self, expr: sp.Float) -> str:
        return self.constant(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return self.constant(float(expr))

    def _print_Integer(self, expr: sp.Integer) -> str:
        if self._settings["dtype"] == "float32":
            return self.constant(float(expr))
        return str(expr)

    def call_template(self, expr: sp.Function) -> str:
        """Print ``f(a, b)`` as ``"...{0}...{1}..."`` for the three-address code.

        Raises
        ------
        ValueError
            When the printed code is not pure NumPy (e.g. ``math.erf``), which
            would not broadcast over arrays.
        """
        slots = [sp.Dummy(f"slot{i}") for i in range(len(expr.args))]
        probe = type(self)(self._settings)
        try:
            code = probe.doprint(expr.func(*slots))
        except Exception as exc:  # PrintMethodNotImplementedError and friends
            raise ValueError(f"no NumPy code for {expr.func}: {exc}") from None
        if set(probe.module_imports) - {"numpy"}:
            raise ValueError(
                f"no vectorised NumPy code for {expr.func} (it prints as {code!r})"
            )
        for module, names in probe.module_imports.items():
            self.module_imports[module].update(names)
        code = code.replace("{", "{{").replace("}", "}}")
        for i, slot in enumerate(slots):
            code = code.replace(probe.doprint(slot), f"{{{i}}}")
        return code
